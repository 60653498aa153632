"""Resident search page, its export, and the registry configuration pages (group tags, resident units)."""

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from sanshe.accounts.roles import Role
from sanshe.core.models import AuditEntry
from sanshe.core.validators import credit_code_check_char, id_number_check_char
from sanshe.territory import registry
from sanshe.territory.choices import RegistrationKind, ResidentStatus
from sanshe.territory.filters_registry import years_ago
from sanshe.territory.models import Dwelling, Household, Resident, ResidentTag, ResidentUnit, TagType

SEARCH = reverse("territory:resident_search")
EXPORT = reverse("territory:resident_export")
_numbers = iter(range(1, 10_000))


def make_id(birth="19800101", seq="001", area="110105"):
    body = f"{area}{birth}{seq}"
    return body + id_number_check_char(body)


def household_at(world, node_key, *, kind=RegistrationKind.REGISTERED):
    node = world.nodes[node_key]
    n = next(_numbers)
    dwelling = None
    if node.level == "building":
        dwelling = Dwelling(building=node, unit="1", room=f"{300 + n}", floor=3)
        dwelling.copy_ancestors_from(node)
        dwelling.save()
    household = Household(number=f"S{n:05d}", dwelling=dwelling, registration_kind=kind)
    household.copy_ancestors_from(node)
    household.save()
    return household


def put(world, node_key="B1", name="张三", *, id_number="", phone="", status=ResidentStatus.REGISTERED,
        birth_date=None, household=None, kind=RegistrationKind.REGISTERED):
    """A resident stored as the services store it (encrypted, blind index, masked copy)."""
    household = household or household_at(world, node_key, kind=kind)
    identity = registry.check_identity(id_number=id_number, phone=phone, birth_date=birth_date)
    resident = Resident(name=name, household=household, dwelling=household.dwelling, status=status)
    resident.copy_ancestors_from(household)
    registry._apply_identity(resident, identity)
    if birth_date and not id_number:
        resident.birth_date = birth_date
    resident.save()
    return resident


def tag(resident, code, *, valid_from=None, valid_to=None):
    t = ResidentTag(resident=resident, tag_type=TagType.objects.get(code=code), valid_from=valid_from,
                    valid_to=valid_to)
    t.copy_ancestors_from(resident)
    t.save()
    return t


def names(response):
    return sorted(row.r.name for row in response.context["rows"])


@pytest.fixture
def cw(world, client_for):
    return client_for(world.user(Role.COMMUNITY_WORKER))


# --- filters ---------------------------------------------------------------------------------------------
def test_name_prefix_and_contains(world, cw):
    put(world, name="张三丰")
    put(world, name="李张")
    assert names(cw.get(SEARCH, {"name": "张"})) == ["张三丰"]
    assert names(cw.get(SEARCH, {"name": "张", "name_match": "contains"})) == ["张三丰", "李张"]


def test_id_number_full_normalised_partial_never(world, cw):
    # A number ending in X, so that a lower-case x is exercised.
    number = next(n for n in (make_id(seq=f"{s:03d}") for s in range(1, 999)) if n.endswith("X"))
    resident = put(world, name="王五", id_number=number)
    put(world, name="赵六", id_number=make_id(birth="19900101"))
    assert names(cw.get(SEARCH, {"id_number": number})) == ["王五"]
    assert names(cw.get(SEARCH, {"id_number": number.lower()})) == ["王五"]
    full_width = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in number)
    assert names(cw.get(SEARCH, {"id_number": " " + full_width.lower() + " "})) == ["王五"]
    assert names(cw.get(SEARCH, {"id_number": number[:14]})) == []
    assert names(cw.get(SEARCH, {"id_number": number[-4:]})) == []
    body = cw.get(SEARCH).content.decode()
    assert "输入部分号码查不到结果" in body  # the help text says a partial number finds nothing
    assert resident.id_number_masked in body and number not in body


def test_phone_full_number(world, cw):
    put(world, name="甲", phone="13812345678")
    put(world, name="乙", phone="13900001111")
    assert names(cw.get(SEARCH, {"phone": "138 1234 5678"})) == ["甲"]
    assert names(cw.get(SEARCH, {"phone": "+86 13812345678"})) == ["甲"]
    assert names(cw.get(SEARCH, {"phone": "5678"})) == []


def test_tag_valid_today_and_derived_elderly(world, cw):
    today = timezone.localdate()
    a = put(world, name="残A", birth_date=dt.date(1990, 1, 1))
    b = put(world, name="残B过期", birth_date=dt.date(1990, 1, 1))
    c = put(world, name="残C未来", birth_date=dt.date(1990, 1, 1))
    tag(a, "disabled", valid_from=today - dt.timedelta(days=10))
    tag(b, "disabled", valid_from=dt.date(2000, 1, 1), valid_to=today - dt.timedelta(days=1))
    tag(c, "disabled", valid_from=today + dt.timedelta(days=1))
    put(world, name="老人", birth_date=years_ago(today, 60))
    put(world, name="差一天", birth_date=years_ago(today, 60) + dt.timedelta(days=1))
    assert names(cw.get(SEARCH, {"tag": "disabled"})) == ["残A"]
    assert names(cw.get(SEARCH, {"tag": "elderly"})) == ["老人"]
    response = cw.get(SEARCH, {"name": "老人"})
    assert response.context["rows"][0].tags == [TagType.objects.get(code="elderly").name]


def test_age_range_status_territory_and_kind(world, cw):
    today = timezone.localdate()
    put(world, name="十岁", birth_date=years_ago(today, 10))
    put(world, name="三十", birth_date=years_ago(today, 30) - dt.timedelta(days=100))
    put(world, name="七十", birth_date=years_ago(today, 70))
    assert names(cw.get(SEARCH, {"age_min": 10, "age_max": 30})) == ["三十", "十岁"]
    assert names(cw.get(SEARCH, {"age_min": 31})) == ["七十"]
    put(world, name="迁出者", status=ResidentStatus.MOVED_OUT)
    assert names(cw.get(SEARCH, {"status": "moved_out"})) == ["迁出者"]
    put(world, "G2", name="二网格")
    assert names(cw.get(SEARCH, {"node": world.nodes["G2"].pk})) == ["二网格"]
    put(world, name="流动", kind=RegistrationKind.FLOATING)
    assert names(cw.get(SEARCH, {"registration_kind": "floating"})) == ["流动"]
    assert "has-error" in cw.get(SEARCH, {"age_min": "abc"}).content.decode()


def test_scope_and_territory_choices(world, client_for):
    put(world, "B1", name="一网格")
    put(world, "G2", name="二网格")
    put(world, "G3", name="团结")
    put(world, "B5", name="邻区")
    grid = client_for(world.user(Role.GRID_WORKER))
    response = grid.get(SEARCH)
    assert names(response) == ["一网格"]
    choices = {n.pk for n in response.context["form"].fields["node"].queryset}
    assert world.nodes["G2"].pk not in choices and world.nodes["G1"].pk in choices
    # A node outside the user's territory is not a valid choice: no result, a form error.
    response = grid.get(SEARCH, {"node": world.nodes["G2"].pk})
    assert response.context["rows"] == [] and "node" in response.context["form"].errors
    admin = client_for(world.user(Role.DISTRICT_ADMIN))
    assert names(admin.get(SEARCH)) == ["一网格", "二网格", "团结"]


# --- pagination and queries ------------------------------------------------------------------------------
def test_keyset_pagination(world, cw):
    household = household_at(world, "B1")
    made = [put(world, name=f"居民{i}", household=household) for i in range(5)]
    first = cw.get(SEARCH, {"size": 2})
    assert [r.r.pk for r in first.context["rows"]] == [made[0].pk, made[1].pk]
    assert not first.context["prev_url"] and f"after={made[1].pk}" in first.context["next_url"]
    second = cw.get(SEARCH + first.context["next_url"])
    assert [r.r.pk for r in second.context["rows"]] == [made[2].pk, made[3].pk]
    assert "size=2" in second.context["next_url"] and f"before={made[2].pk}" in second.context["prev_url"]
    third = cw.get(SEARCH + second.context["next_url"])
    assert [r.r.pk for r in third.context["rows"]] == [made[4].pk] and not third.context["next_url"]
    back = cw.get(SEARCH + third.context["prev_url"])
    assert [r.r.pk for r in back.context["rows"]] == [made[2].pk, made[3].pk]
    assert "OFFSET" not in str(back.context)  # cursors only


def _queries(client, params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(SEARCH, params)
    assert response.status_code == 200
    return len(ctx.captured_queries), len(response.context["rows"])


def test_fixed_number_of_queries_whatever_the_page_size(world, cw):
    household = household_at(world, "B1")
    for i in range(30):
        r = put(world, name=f"居民{i}", household=household, birth_date=dt.date(1950, 1, 1))
        tag(r, "disabled")
        tag(r, "low_income")
    small, n_small = _queries(cw, {"size": 20})
    large, n_large = _queries(cw, {"size": 100})
    assert (n_small, n_large) == (20, 30)
    assert small == large
    first = cw.get(SEARCH, {"size": 20})
    small_next, _ = _queries(cw, {"size": 20, "after": first.context["rows"][-1].r.pk})
    large_next, _ = _queries(cw, {"size": 100, "after": first.context["rows"][0].r.pk})
    assert small_next == large_next


# --- masking ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", [Role.DISTRICT_ADMIN, Role.STREET_OFFICIAL, Role.COMMUNITY_WORKER,
                                  Role.GRID_WORKER, Role.BUILDING_LEADER])
def test_search_page_masks(world, client_for, role):
    number = make_id()
    resident = put(world, name="掩码", id_number=number, phone="13812345678")
    body = client_for(world.user(role)).get(SEARCH).content.decode()
    assert "掩码" in body and reverse("territory:household_detail", args=[resident.household_id]) in body
    assert number[:6] + "********" + number[-4:] in body and "138****5678" in body
    assert number not in body and "13812345678" not in body


# --- export ----------------------------------------------------------------------------------------------
def _sheet(response):
    data = b"".join(response.streaming_content)
    book = load_workbook(io.BytesIO(data))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    return rows[0], rows[1:]


def test_export_masked_with_audit_and_formula_guard(world, client_for):
    number = make_id()
    put(world, name="=HYPERLINK(\"http://x\")", id_number=number, phone="13812345678")
    put(world, name="普通人")
    put(world, "B5", name="邻区人")
    grid = client_for(world.user(Role.GRID_WORKER))
    response = grid.post(EXPORT, {"name": ""})
    assert response.status_code == 200 and response["Content-Disposition"].endswith('.xlsx"')
    headers, rows = _sheet(response)
    assert headers[0] == "姓名" and "身份证号" in headers and "联系电话" in headers
    assert {r[0] for r in rows} == {"'=HYPERLINK(\"http://x\")", "普通人"}
    flat = repr(rows)
    assert number not in flat and "13812345678" not in flat and "138****5678" in flat
    entry = AuditEntry.objects.get(action="registry.residents.exported")
    assert entry.changes["masked"] is True and entry.changes["rows"] == 2 and entry.user.username == "t_grid_worker"


def test_export_unmasked_needs_permission_and_reason(world, client_for):
    number = make_id()
    put(world, name="全量", id_number=number, phone="13812345678")
    grid = client_for(world.user(Role.GRID_WORKER))
    assert grid.post(EXPORT, {"full": "1", "reason": "要看"}).status_code == 403
    assert not AuditEntry.objects.filter(action="registry.residents.exported").exists()
    cw = client_for(world.user(Role.COMMUNITY_WORKER))
    response = cw.post(EXPORT, {"name": "全", "full": "1", "reason": ""})
    assert response.status_code == 302 and "name=" in response["Location"]
    assert not AuditEntry.objects.filter(action="registry.residents.exported").exists()
    response = cw.post(EXPORT, {"name": "全", "full": "1", "reason": "低保复核名单"})
    _headers, rows = _sheet(response)
    assert rows[0][4] == number and rows[0][7] == "13812345678"
    entry = AuditEntry.objects.get(action="registry.residents.exported")
    assert entry.changes["masked"] is False and entry.changes["reason"] == "低保复核名单"
    assert entry.changes["filter"] == {"name": "全"}


def test_export_cap(world, cw, settings):
    settings.SANSHE_REGISTRY_EXPORT_MAX_ROWS = 2
    household = household_at(world, "B1")
    for i in range(3):
        put(world, name=f"人{i}", household=household)
    response = cw.post(EXPORT, {})
    assert response["X-Export-Rows"] == "2" and response["X-Export-Truncated"] == "1"
    assert AuditEntry.objects.get(action="registry.residents.exported").changes["truncated"] is True


def test_export_filter_does_not_record_the_number(world, cw):
    number = make_id()
    put(world, name="查", id_number=number)
    cw.post(EXPORT, {"id_number": number})
    entry = AuditEntry.objects.get(action="registry.residents.exported")
    assert number not in str(entry.changes) and entry.changes["rows"] == 1


# --- configuration pages ---------------------------------------------------------------------------------
def test_tag_type_pages(world, client_for):
    assert client_for(world.user(Role.COMMUNITY_WORKER)).get(reverse("territory:tag_type_list")).status_code == 403
    admin = client_for(world.user(Role.DISTRICT_ADMIN))
    assert "残疾人" in admin.get(reverse("territory:tag_type_list")).content.decode()
    response = admin.post(reverse("territory:tag_type_create"), {
        "code": "special_care", "name": "特殊关爱", "sort_order": 50, "is_active": "on",
        "detail_key_0": "reason", "detail_label_0": "关爱原因", "detail_required_0": "on",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    created = TagType.objects.get(code="special_care")
    edit_page = admin.get(reverse("territory:tag_type_edit", args=[created.pk]))
    assert edit_page.context["form"]["name"].value() == "特殊关爱" and 'value="关爱原因"' in edit_page.content.decode()
    assert created.detail_fields == [{"key": "reason", "label": "关爱原因", "required": True}]
    assert AuditEntry.objects.filter(action="registry.tag_type.created", object_id=str(created.pk)).exists()
    response = admin.post(reverse("territory:tag_type_edit", args=[created.pk]), {
        "name": "特殊关爱对象", "sort_order": 50, "derived_min_age": "",
        "detail_key_0": "Bad Key", "detail_label_0": "x",
    })
    assert response.status_code == 200 and "明细项键名" in response.content.decode()
    response = admin.post(reverse("territory:tag_type_edit", args=[created.pk]), {
        "name": "特殊关爱对象", "sort_order": 50, "detail_key_0": "", "detail_label_0": "",
    })
    created.refresh_from_db()
    assert response.status_code == 302 and created.name == "特殊关爱对象" and not created.is_active
    assert created.detail_fields == []
    assert AuditEntry.objects.filter(action="registry.tag_type.updated").count() == 1


def _credit_code(body17="91510100MA61234AB"):
    return body17 + credit_code_check_char(body17)


def test_resident_unit_pages(world, client_for):
    code = _credit_code()
    cw = client_for(world.user(Role.COMMUNITY_WORKER))
    url = reverse("territory:resident_unit_create")
    response = cw.post(url, {"name": "和平小学", "kind": "school", "node": world.nodes["P1"].pk,
                             "credit_code": code[:-1] + ("0" if code[-1] != "0" else "1"), "contact_phone": "123"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "credit_code" in errors and "contact_phone" in errors
    response = cw.post(url, {"name": "和平小学", "kind": "school", "node": world.nodes["P1"].pk,
                             "credit_code": code.lower(), "contact_phone": "028-8765 4321", "contact_name": "王老师"})
    assert response.status_code == 302
    unit = ResidentUnit.objects.get(name="和平小学")
    assert unit.credit_code == code and unit.contact_phone == "02887654321"
    assert (unit.community_id, unit.compound_id) == (world.nodes["C1"].pk, world.nodes["P1"].pk)
    assert AuditEntry.objects.filter(action="registry.resident_unit.created").exists()
    # A node outside the worker's community is not offered.
    response = cw.post(url, {"name": "外单位", "kind": "school", "node": world.nodes["G3"].pk})
    assert response.status_code == 200 and "node" in response.context["form"].errors
    # Same credit code twice is refused.
    response = cw.post(url, {"name": "重复", "kind": "school", "node": world.nodes["C1"].pk, "credit_code": code})
    assert "credit_code" in response.context["form"].errors
    # Edit; list and search by name; read-only for the district administrator.
    edit = reverse("territory:resident_unit_edit", args=[unit.pk])
    form = cw.get(edit).context["form"]
    assert form["name"].value() == "和平小学" and form["node"].value() == world.nodes["P1"].pk
    response = cw.post(edit, {"name": "和平实验小学", "kind": "school", "node": world.nodes["P1"].pk,
                              "credit_code": code, "is_active": "on"})
    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.name == "和平实验小学"
    assert AuditEntry.objects.filter(action="registry.resident_unit.updated").exists()
    admin = client_for(world.user(Role.DISTRICT_ADMIN))
    listing = admin.get(reverse("territory:resident_unit_list"), {"q": "实验"})
    assert [u.pk for u in listing.context["units"]] == [unit.pk] and not listing.context["can_manage"]
    assert admin.get(reverse("territory:resident_unit_list"), {"q": "无此"}).context["units"] == []
    assert admin.post(edit, {"name": "x"}).status_code == 403
