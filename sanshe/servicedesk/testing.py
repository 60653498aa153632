"""Test helpers of the service cloud on top of :func:`sanshe.core.testing.build_world`.

``build_servicedesk(world)`` gives:

* ``world.departments``: ``hr`` (测试区人社局, district D1, ``t_dept_handler`` is its staff), ``civil``
  (测试区民政局, D1, no staff), ``other`` (邻区人社局, D2);
* ``world.service_categories`` (code → ServiceCategory) and ``world.items`` (code → ServiceItem):
  ``retire`` (退休申请, hr, 20 working days, two required materials and one optional), ``dibao`` (低保申请,
  civil, 30 days), ``other`` (an item of the other district);
* ``world.stations``: ``C1`` (和平社区服务站, 3 windows) and ``C2`` (团结社区服务站), ``D2`` (a station of the
  other district).

``accept(world, ...)`` accepts an application of ``retire`` at C1 as the window clerk.
"""

from __future__ import annotations

from sanshe.gridops.choices import UnitKind
from sanshe.gridops.testing import make_unit

from .choices import Channel
from .models import ItemMaterial, ServiceCategory, ServiceItem, ServiceStation


def make_station(node, name: str, windows: int = 3) -> ServiceStation:
    station = ServiceStation(node=node, name=name, windows=windows, address=f"{node.name}党群服务中心一楼")
    station.copy_ancestors_from(node)
    station.save()
    return station


def make_item(district, code: str, name: str, category, department, days: int = 20,
              materials=(("身份证原件及复印件", True), ("户口簿", True), ("一寸照片", False))) -> ServiceItem:
    item = ServiceItem.objects.create(district=district, code=code, name=name, category=category,
                                      department=department, time_limit_days=days, channel=Channel.BOTH,
                                      description=f"{name}的办理", eligibility="本区户籍居民")
    for i, (material, required) in enumerate(materials):
        ItemMaterial.objects.create(item=item, name=material, required=required, sort_order=i)
    return item


def build_servicedesk(world):
    n = world.nodes
    world.departments = {
        "hr": make_unit("测试区人社局", UnitKind.DISTRICT_DEPT, n["D1"], [world.users["dept_handler"]]),
        "civil": make_unit("测试区民政局", UnitKind.DISTRICT_DEPT, n["D1"]),
        "other": make_unit("邻区人社局", UnitKind.DISTRICT_DEPT, n["D2"]),
    }
    social = ServiceCategory.objects.get_or_create(code="T01", defaults={"name": "劳动就业和社会保障"})[0]
    assistance = ServiceCategory.objects.get_or_create(code="T02", defaults={"name": "社会救助"})[0]
    world.service_categories = {"T01": social, "T02": assistance}
    world.items = {
        "retire": make_item(n["D1"], "T0101", "退休申请", social, world.departments["hr"], 20),
        "dibao": make_item(n["D1"], "T0201", "最低生活保障申请", assistance, world.departments["civil"], 30,
                           materials=(("身份证", True), ("家庭收入证明", True))),
        "other": make_item(n["D2"], "T0101", "退休申请", social, world.departments["other"], 20),
    }
    world.stations = {
        "C1": make_station(n["C1"], "和平社区便民服务站"),
        "C2": make_station(n["C2"], "团结社区便民服务站"),
        "D2": make_station(n["C4"], "远方社区便民服务站"),
    }
    return world


def ensure_servicedesk(world):
    """``build_servicedesk`` once per world (for permission-matrix kwargs)."""
    if not hasattr(world, "stations"):
        build_servicedesk(world)
    return world


def accept(world, *, item="retire", station="C1", user="window_clerk", name="王大爷", id_number="",
           phone="13800138000", **kwargs):
    from .services import Applicant, accept_application

    return accept_application(actor=world.user(user), item=world.items[item], station=world.stations[station],
                              applicant=Applicant(name=name, id_number=id_number, phone=phone), **kwargs)
