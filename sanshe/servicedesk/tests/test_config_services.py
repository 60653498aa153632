from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from sanshe.accounts.roles import Role
from sanshe.accounts.services import bootstrap_account
from sanshe.core.exceptions import Denied, OutOfScope
from sanshe.core.models import AuditEntry
from sanshe.core.testing import PASSWORD
from sanshe.servicedesk import services_config as sc
from sanshe.servicedesk.choices import Channel
from sanshe.servicedesk.models import ItemMaterial, ServiceItem, ServiceStation
from sanshe.servicedesk.testing import accept

pytestmark = pytest.mark.django_db


def _admin(w):
    return w.user("district_admin")


def _other_admin(w):
    return bootstrap_account(username="t_admin_d2", password=PASSWORD, role=Role.DISTRICT_ADMIN,
                             node=w.nodes["D2"])


def _create(w, **overrides):
    values = dict(actor=_admin(w), district=w.nodes["D1"], code="T0199", name="就业登记",
                  category=w.service_categories["T01"], department=w.departments["hr"], time_limit_days=1,
                  fee=Decimal("0"), channel=Channel.WINDOW, description="办理就业登记", eligibility="本区劳动者",
                  materials=sc.parse_materials("居民身份证原件\n近期一寸照片2张(可选) | 白底\n户口簿"))
    values.update(overrides)
    return sc.create_item(**values)


def test_parse_and_format_materials():
    rows = sc.parse_materials("身份证\n\n  照片（可选） | 白底彩色 \n户口簿 (可选)\n")
    assert rows == [{"name": "身份证", "required": True, "note": ""},
                    {"name": "照片", "required": False, "note": "白底彩色"},
                    {"name": "户口簿", "required": False, "note": ""}]
    assert sc.parse_materials(sc.format_materials(rows)) == rows


def test_create_item_with_materials_is_audited(sworld):
    w = sworld
    item = _create(w)
    assert item.district == w.nodes["D1"] and item.department == w.departments["hr"] and item.is_active
    materials = list(item.materials.all())
    assert [(m.name, m.required, m.note) for m in materials] == [
        ("居民身份证原件", True, ""), ("近期一寸照片2张", False, "白底"), ("户口簿", True, "")]
    entry = AuditEntry.objects.get(action="servicedesk.item.created", object_id=str(item.pk))
    assert entry.user_id == w.users["district_admin"].pk
    assert entry.changes["materials"][1] == ["居民身份证原件", "近期一寸照片2张(可选) | 白底", "户口簿"]


def test_item_validation_errors_are_keyed_by_field(sworld):
    w = sworld
    with pytest.raises(ValidationError) as exc:
        _create(w, code="bad code!", name="", department=w.departments["other"], time_limit_days=400,
                fee=Decimal("-1"), channel="fax", materials=[{"name": "身份证"}, {"name": "身份证"}])
    assert set(exc.value.message_dict) >= {"code", "name", "department", "time_limit_days", "fee", "channel",
                                           "materials"}
    with pytest.raises(ValidationError) as exc:  # the code of an existing item of the district
        _create(w, code="T0101")
    assert "code" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        _create(w, materials=[{"name": "", "note": "只有备注"}, {"name": "长" * 201}])
    assert len(exc.value.message_dict["materials"]) == 2
    assert not AuditEntry.objects.filter(action__startswith="servicedesk.item").exists()
    assert not ServiceItem.objects.filter(code="T0199").exists()


def test_update_item_adds_edits_removes_and_reorders_materials(sworld):
    w = sworld
    item = w.items["retire"]
    before = {m.name: m.pk for m in item.materials.all()}  # 身份证原件及复印件, 户口簿, 一寸照片
    sc.update_item(item, actor=_admin(w), time_limit_days=15, materials=[
        {"name": "一寸照片", "required": True, "note": "白底"},
        {"name": "身份证原件及复印件", "required": True},
        {"name": "退休审批表", "required": False}])
    item.refresh_from_db()
    rows = list(item.materials.all())
    assert [(m.name, m.required, m.note) for m in rows] == [
        ("一寸照片", True, "白底"), ("身份证原件及复印件", True, ""), ("退休审批表", False, "")]
    assert rows[0].pk == before["一寸照片"] and rows[1].pk == before["身份证原件及复印件"]
    assert not ItemMaterial.objects.filter(pk=before["户口簿"]).exists()
    assert item.time_limit_days == 15
    entry = AuditEntry.objects.get(action="servicedesk.item.updated", object_id=str(item.pk))
    assert entry.changes["time_limit_days"] == [20, 15]
    assert "户口簿" in entry.changes["materials"][0] and "退休审批表(可选)" in entry.changes["materials"][1]
    # by id: a renamed material keeps its row
    sc.update_item(item, actor=_admin(w), materials=[{"id": rows[2].pk, "name": "职工退休审批表"}])
    assert list(item.materials.values_list("pk", "name")) == [(rows[2].pk, "职工退休审批表")]
    # nothing changed: no audit row
    count = AuditEntry.objects.filter(action="servicedesk.item.updated").count()
    sc.update_item(item, actor=_admin(w), name=item.name)
    assert AuditEntry.objects.filter(action="servicedesk.item.updated").count() == count


def test_deactivated_item_is_refused_at_the_window(sworld):
    w = sworld
    item = sc.set_item_active(w.items["retire"], actor=_admin(w), active=False)
    assert not item.is_active
    assert AuditEntry.objects.filter(action="servicedesk.item.deactivated", object_id=str(item.pk)).exists()
    w.items["retire"].refresh_from_db()  # accept_application reads is_active from the instance it is given
    with pytest.raises(ValidationError) as exc:
        accept(w)
    assert "item" in exc.value.message_dict
    sc.set_item_active(item, actor=_admin(w), active=True)
    assert AuditEntry.objects.filter(action="servicedesk.item.activated", object_id=str(item.pk)).exists()
    w.items["retire"].refresh_from_db()
    assert accept(w).item_id == item.pk


def test_only_district_admins_configure(sworld):
    w = sworld
    for role in ("community_worker", "street_official", "window_clerk", "dept_handler"):
        with pytest.raises(Denied):
            _create(w, actor=w.user(role))
        with pytest.raises(Denied):
            sc.update_item(w.items["retire"], actor=w.user(role), name="x")
        with pytest.raises(Denied):
            sc.create_station(actor=w.user(role), node=w.nodes["C1"], name="x")


def test_admin_of_another_district_gets_404(sworld):
    w = sworld
    other = _other_admin(w)
    with pytest.raises(OutOfScope):
        sc.update_item(w.items["retire"], actor=other, name="改名")
    with pytest.raises(OutOfScope):
        sc.set_item_active(w.items["retire"], actor=other, active=False)
    with pytest.raises(OutOfScope):
        _create(w, actor=other)
    with pytest.raises(OutOfScope):
        sc.update_station(w.stations["C1"], actor=other, windows=5)
    with pytest.raises(OutOfScope):
        sc.create_station(actor=other, node=w.nodes["C1"], name="越界服务站")
    assert w.items["retire"].name == ServiceItem.objects.get(pk=w.items["retire"].pk).name
    # and his own district is his to edit
    assert sc.update_item(w.items["other"], actor=other, time_limit_days=10).time_limit_days == 10
    assert sc.readable_items(other, sc.CONFIGURE).get() == w.items["other"]


def test_readers_see_their_districts_catalogue(sworld):
    w = sworld
    for role in ("community_worker", "street_official", "window_clerk", "district_admin"):
        assert set(sc.readable_items(w.user(role))) == {w.items["retire"], w.items["dibao"]}, role
    assert not sc.readable_items(w.user("dept_handler")).exists()
    assert not sc.readable_items(w.user("grid_worker")).exists()


def test_create_and_update_station_is_audited(sworld):
    w = sworld
    station = sc.create_station(actor=_admin(w), node=w.nodes["C3"], name="友谊社区便民服务站", windows=4,
                                address="友谊路1号", phone="028-85551234", opening_hours="周一至周五 9:00—17:30")
    assert (station.district_id, station.street_id, station.community_id) == (
        w.nodes["D1"].pk, w.nodes["S2"].pk, w.nodes["C3"].pk)
    assert AuditEntry.objects.filter(action="servicedesk.station.created", object_id=str(station.pk)).exists()
    sc.update_station(station, actor=_admin(w), windows=6, is_active=False)
    station.refresh_from_db()
    assert station.windows == 6 and not station.is_active
    entry = AuditEntry.objects.get(action="servicedesk.station.updated", object_id=str(station.pk))
    assert entry.changes["windows"] == [4, 6]
    street = sc.create_station(actor=_admin(w), node=w.nodes["S1"], name="幸福街道便民服务中心", windows=8)
    assert street.street_id == w.nodes["S1"].pk and street.community_id is None


def test_station_validation_errors(sworld):
    w = sworld
    with pytest.raises(ValidationError) as exc:
        sc.create_station(actor=_admin(w), node=w.nodes["C1"], name="", windows=0, phone="12345")
    assert set(exc.value.message_dict) == {"name", "windows", "phone"}
    with pytest.raises(ValidationError) as exc:  # a grid is not a place for a station
        sc.create_station(actor=_admin(w), node=w.nodes["G1"], name="网格服务站")
    assert "node" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:  # the name is taken at that place
        sc.create_station(actor=_admin(w), node=w.nodes["C1"], name="和平社区便民服务站")
    assert "name" in exc.value.message_dict
    assert not AuditEntry.objects.filter(action__startswith="servicedesk.station").exists()
    assert ServiceStation.objects.count() == 3


def test_item_names_are_unique_in_a_district_but_old_twins_stay_editable(sworld):
    w = sworld
    with pytest.raises(ValidationError) as exc:
        _create(w, name="退休申请")
    assert "name" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        sc.update_item(w.items["dibao"], actor=_admin(w), name="退休申请")
    assert "name" in exc.value.message_dict
    assert _create(w, district=w.nodes["D1"], name="退休申请（提前）").pk  # another name is fine
    # twins made before the rule (a seeded catalogue beside a hand-made one) can still be edited
    ServiceItem.objects.filter(pk=w.items["dibao"].pk).update(name="退休申请")
    assert sc.update_item(w.items["dibao"], actor=_admin(w), time_limit_days=25).time_limit_days == 25
