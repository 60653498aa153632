import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from sanshe.core.exceptions import Denied, OutOfScope
from sanshe.core.models import AuditEntry
from sanshe.gridops import services_config as sc
from sanshe.gridops.choices import LimitUnit, UnitKind
from sanshe.gridops.models import EventCategory, EventSettings, Responsibility, UnitMember, WorkdayOverride
from sanshe.gridops.services import responsible_unit
from sanshe.gridops.testing import report

pytestmark = pytest.mark.django_db


def _admin(w):
    return w.user("district_admin")


def test_create_sub_category_with_attributes_is_audited(gworld):
    w = gworld
    major = w.categories["03"]
    category = sc.create_category(
        actor=_admin(w), code="0399", name="宠物粪便", parent=major, filing_condition="公共区域宠物粪便",
        closing_condition="清理干净", time_limit=2, time_limit_unit=LimitUnit.WORKING_DAYS,
        default_unit=w.units["street"], public=True,
        attributes=[{"code": "floor", "datatype": "singlevaluelist", "description": "楼层", "required": True,
                     "values": sc.parse_values("1=一楼, 2=二楼")},
                    {"code": "", "description": ""}])
    assert category.parent == major and category.default_unit == w.units["street"]
    assert category.attributes == [{"code": "floor", "datatype": "singlevaluelist", "required": True,
                                    "variable": True, "order": 1, "description": "楼层", "datatype_description": "",
                                    "values": [{"key": "1", "name": "一楼"}, {"key": "2", "name": "二楼"}]}]
    entry = AuditEntry.objects.get(action="gridops.category.created", object_id=str(category.pk))
    assert entry.user_id == w.users["district_admin"].pk

    sc.update_category(category, actor=_admin(w), time_limit=3)
    entry = AuditEntry.objects.get(action="gridops.category.updated", object_id=str(category.pk))
    assert entry.changes["time_limit"] == [2, 3]


def test_category_validation_errors_are_keyed_by_field(gworld):
    w = gworld
    with pytest.raises(ValidationError) as exc:
        sc.create_category(actor=_admin(w), code="0398", name="", parent=w.categories["03"], time_limit=None)
    assert set(exc.value.message_dict) >= {"name", "time_limit"}
    with pytest.raises(ValidationError) as exc:
        sc.create_category(actor=_admin(w), code="0301", name="重复", parent=w.categories["03"], time_limit=1)
    assert "code" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        sc.create_category(actor=_admin(w), code="030101", name="孙类", parent=w.categories["0301"], time_limit=1)
    assert "parent" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:  # a unit of the other district
        sc.update_category(w.categories["0301"], actor=_admin(w), default_unit=w.units["other"])
    assert "default_unit" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        sc.update_category(w.categories["0301"], actor=_admin(w), time_limit=400, time_limit_unit=LimitUnit.NATURAL_DAYS)
    assert "time_limit" in exc.value.message_dict
    assert not AuditEntry.objects.filter(action__startswith="gridops.category").exists()


@pytest.mark.parametrize("rows, fragment", [
    ([{"code": "1bad", "description": "x"}], "code"),
    ([{"code": "a", "description": "x"}, {"code": "a", "description": "y"}], "twice"),
    ([{"code": "a", "datatype": "singlevaluelist", "description": "x"}], "values"),
    ([{"code": "a", "datatype": "blob", "description": "x"}], "data type"),
    ([{"code": "a"}], "description"),
])
def test_attribute_rows_are_checked(rows, fragment):
    with pytest.raises(ValidationError) as exc:
        sc.clean_attributes(rows)
    assert "attributes" in exc.value.message_dict


def test_only_district_admins_configure(gworld):
    w = gworld
    with pytest.raises(Denied):
        sc.create_category(actor=w.user("community_worker"), code="0397", name="x", parent=w.categories["03"],
                           time_limit=1)
    with pytest.raises(Denied):
        sc.create_unit(actor=w.user("street_official"), name="x", kind=UnitKind.STREET_DEPT, node=w.nodes["S1"])


def test_units_and_their_staff(gworld):
    w = gworld
    admin = _admin(w)
    unit = sc.create_unit(actor=admin, name="幸福街道住建科", kind=UnitKind.STREET_DEPT, node=w.nodes["S1"],
                          phone="028-12345678")
    assert (unit.district_id, unit.street_id, unit.community_id) == (w.nodes["D1"].pk, w.nodes["S1"].pk, None)
    assert unit.phone == "02812345678"
    assert AuditEntry.objects.filter(action="gridops.unit.created", object_id=str(unit.pk)).exists()
    with pytest.raises(ValidationError) as exc:  # a street department does not sit at a community
        sc.create_unit(actor=admin, name="错位", kind=UnitKind.STREET_DEPT, node=w.nodes["C1"])
    assert "node" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        sc.create_unit(actor=admin, name="幸福街道住建科", kind=UnitKind.STREET_DEPT, node=w.nodes["S1"])
    assert "name" in exc.value.message_dict
    with pytest.raises(OutOfScope):
        sc.create_unit(actor=admin, name="远方", kind=UnitKind.STREET_DEPT, node=w.nodes["S4"])
    with pytest.raises(OutOfScope):
        sc.update_unit(w.units["other"], actor=admin, name="改名")

    with pytest.raises(ValidationError) as exc:  # a grid worker cannot handle events
        sc.add_member(unit, actor=admin, user=w.user("grid_worker"))
    assert "user" in exc.value.message_dict
    sc.add_member(unit, actor=admin, user=w.user("handler"))
    assert UnitMember.objects.filter(unit=unit, user=w.users["handler"]).exists()
    with pytest.raises(ValidationError):
        sc.add_member(unit, actor=admin, user=w.user("handler"))
    sc.remove_member(unit, actor=admin, user=w.user("handler"))
    assert not UnitMember.objects.filter(unit=unit).exists()
    actions = list(AuditEntry.objects.filter(object_id=str(unit.pk), action__startswith="gridops.unit.member")
                   .order_by("seq").values_list("action", flat=True))
    assert actions == ["gridops.unit.member_added", "gridops.unit.member_removed"]

    unit = sc.update_unit(unit, actor=admin, is_active=False)
    assert not unit.is_active


def test_responsibility_lines(gworld):
    w = gworld
    admin = _admin(w)
    category = w.categories["0501"]
    event = report(w, category="0501")
    assert responsible_unit(event) is None
    sc.set_responsibility(actor=admin, category=category, node=w.nodes["S1"], unit=w.units["street"])
    assert responsible_unit(event) == w.units["street"]
    sc.set_responsibility(actor=admin, category=category, node=w.nodes["C1"], unit=w.units["community"])
    assert responsible_unit(event) == w.units["community"]  # the most specific place wins
    sc.set_responsibility(actor=admin, category=category, node=w.nodes["C1"], unit=None)
    assert responsible_unit(event) == w.units["street"]
    assert list(AuditEntry.objects.filter(action__startswith="gridops.responsibility").order_by("seq").values_list(
        "action", flat=True)) == ["gridops.responsibility.set", "gridops.responsibility.set",
                                  "gridops.responsibility.removed"]
    with pytest.raises(ValidationError) as exc:
        sc.set_responsibility(actor=admin, category=w.categories["05"], node=w.nodes["S1"], unit=w.units["street"])
    assert "category" in exc.value.message_dict
    with pytest.raises(OutOfScope):
        sc.set_responsibility(actor=admin, category=category, node=w.nodes["S4"], unit=w.units["street"])
    with pytest.raises(OutOfScope):
        sc.set_responsibility(actor=admin, category=category, node=w.nodes["S1"], unit=w.units["other"])
    line = Responsibility.objects.get(category=category, node=w.nodes["S1"])
    sc.remove_responsibility(line, actor=admin)
    assert not Responsibility.objects.filter(category=category).exists()


def test_settings_and_workdays(gworld):
    w = gworld
    admin = _admin(w)
    cfg = sc.update_settings(actor=admin, district=w.nodes["D1"], duplicate_radius_m=200, yellow_share=30,
                             workday_start=dt.time(8, 30), workday_end=dt.time(17, 30))
    assert EventSettings.objects.get(district=w.nodes["D1"]).duplicate_radius_m == 200 == cfg.duplicate_radius_m
    assert AuditEntry.objects.filter(action="gridops.settings.updated").count() == 1
    with pytest.raises(ValidationError) as exc:
        sc.update_settings(actor=admin, district=w.nodes["D1"], workday_start=dt.time(18), workday_end=dt.time(9),
                           duplicate_radius_m=1)
    assert set(exc.value.message_dict) == {"workday_end", "duplicate_radius_m"}
    with pytest.raises(OutOfScope):
        sc.update_settings(actor=admin, district=w.nodes["D2"], yellow_share=10)

    day = dt.date(2031, 10, 8)
    override = sc.add_workday_override(actor=admin, date=day, is_workday=True, name="调休")
    with pytest.raises(ValidationError) as exc:
        sc.add_workday_override(actor=admin, date=day, is_workday=False)
    assert "date" in exc.value.message_dict
    sc.remove_workday_override(override, actor=admin)
    assert not WorkdayOverride.objects.exists()
    assert list(AuditEntry.objects.filter(action__startswith="gridops.workday").order_by("seq").values_list("action", flat=True)) == [
        "gridops.workday.added", "gridops.workday.removed"]


def test_major_category_keeps_no_workflow_fields(gworld):
    w = gworld
    major = sc.create_category(actor=_admin(w), code="99", name="其他", time_limit=5, attributes=[
        {"code": "x", "description": "y"}])
    assert major.is_major and major.time_limit is None and major.attributes == []
    assert EventCategory.objects.get(pk=major.pk).parent_id is None
