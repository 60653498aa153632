"""Registry pages: 一院一图, 一楼一册, 一户一档 and their forms — scope, masking, unmasking, query counts, errors."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sanshe.accounts.roles import Role
from sanshe.accounts.services import bootstrap_account
from sanshe.core.models import AuditEntry
from sanshe.core.validators import id_number_check_char
from sanshe.territory import registry
from sanshe.territory.choices import Level, Occupancy, Relation, ResidentStatus
from sanshe.territory.models import Dwelling, Household, HouseholdTimelineEntry, Resident, TagType
from sanshe.territory.services import update_node

SQUARE = {"type": "Polygon", "coordinates": [[[104.0, 30.6], [104.1, 30.6], [104.1, 30.7], [104.0, 30.7],
                                              [104.0, 30.6]]]}


def valid_id(body17="11010519491231002"):
    return body17 + id_number_check_char(body17)


def ids(n, start=1):
    """``n`` distinct valid ID numbers (people born in 1980)."""
    return [valid_id(f"110105198001{(i % 28) + 1:02d}{i:03d}"[:17]) for i in range(start, start + n)]


def main_text(response) -> str:
    html = response.content.decode()
    return html[html.index("<main"): html.index("</main>")]


@pytest.fixture
def worker(world):
    return world.user(Role.COMMUNITY_WORKER)


@pytest.fixture
def household(world, worker):
    dwelling = registry.get_or_create_dwelling(actor=worker, building=world.nodes["B1"], unit="2", room="501")
    return registry.create_household(actor=worker, number="H001", node=world.nodes["B1"], dwelling=dwelling)


@pytest.fixture
def family(world, worker, household):
    """张三 (head, ID, phone, 残疾人 tag) and 李四 (spouse, born 1949: elderly) in H001."""
    head, _ = registry.register_resident(actor=worker, household=household, name="张三", id_number=ids(1)[0],
                                         phone="13812345678", relation=Relation.HEAD)
    spouse, _ = registry.register_resident(actor=worker, household=household, name="李四", id_number=valid_id(),
                                           relation=Relation.SPOUSE)
    registry.add_tag(head, actor=worker, tag_type=TagType.objects.get(code="disabled"), details={"grade": "二级"},
                     valid_from=dt.date(2024, 1, 1))
    return {"head": head, "spouse": spouse, "household": household}


def url(name, obj):
    return reverse(f"territory:{name}", args=[obj.pk])


def grid2_worker(world):
    return bootstrap_account(username="g2w", password="Test-pass-123", role=Role.GRID_WORKER, node=world.nodes["G2"])


# --- pages ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", [Role.COMMUNITY_WORKER, Role.GRID_WORKER])
def test_pages_render_for_community_and_grid_workers(world, family, client_for, role):
    client = client_for(world.user(role))
    household = family["household"]
    body = main_text(client.get(url("compound_map", world.nodes["P1"])))
    assert world.nodes["B1"].name in body and url("building_register", world.nodes["B1"]) in body
    body = main_text(client.get(url("building_register", world.nodes["B1"])))
    assert "H001" in body and "张三" in body and url("household_detail", household) in body
    body = main_text(client.get(url("household_detail", household)))
    assert "张三" in body and "李四" in body and "残疾人" in body and "二级" in body
    assert "老年人" in body  # derived from 李四's birth date
    assert family["head"].id_number_masked in body and "138****5678" in body


def test_compound_counts_and_map(world, worker, family, client_for):
    update_node(world.nodes["B1"], actor=world.user(Role.DISTRICT_ADMIN),
                geometry={"type": "Point", "coordinates": [104.05, 30.65]})
    update_node(world.nodes["G1"], actor=world.user(Role.DISTRICT_ADMIN), geometry=SQUARE)
    registry.get_or_create_dwelling(actor=worker, building=world.nodes["B1"], unit="1", room="101")
    client = client_for(worker)
    response = client.get(url("compound_map", world.nodes["P1"]))
    [b1] = response.context["buildings"]
    assert (b1.n_dwellings, b1.n_households, b1.n_residents) == (2, 1, 2)
    table = main_text(response).split('class="registry-buildings"')[1]
    assert re.findall(r'<td class="num">(\d+)</td>', table)[:3] == ["2", "1", "2"]
    data = response.context["map_data"]
    kinds = [(f["properties"]["name"], f["properties"]["context"]) for f in data["features"]]
    assert ("和平第一网格", True) in kinds and (world.nodes["B1"].name, False) in kinds
    assert 'id="compound-map-data"' in response.content.decode()


def test_compound_without_map_and_building_leader_sees_own_building(world, family, client_for):
    from sanshe.core.testing import build_node
    from sanshe.territory.services import next_child_code

    other = build_node(Level.BUILDING, world.nodes["P1"], "九栋", next_child_code(world.nodes["P1"], Level.BUILDING))
    leader = world.user(Role.BUILDING_LEADER)  # granted on B1 only
    body = main_text(client_for(leader).get(url("compound_map", world.nodes["P1"])))
    assert url("building_register", world.nodes["B1"]) in body and url("building_register", other) not in body
    assert "compound-map-data" not in body
    body = main_text(client_for(world.user(Role.COMMUNITY_WORKER)).get(url("compound_map", world.nodes["P1"])))
    assert url("building_register", other) in body


def test_building_register_grid_floors_high_to_low(world, worker, household, client_for):
    b1 = world.nodes["B1"]
    for unit, room in [("1", "101"), ("1", "301"), ("2", "102"), ("10", "201")]:
        registry.get_or_create_dwelling(actor=worker, building=b1, unit=unit, room=room)
    vacant = Dwelling.objects.get(room="102")
    Dwelling.objects.filter(pk=vacant.pk).update(occupancy=Occupancy.VACANT)
    response = client_for(worker).get(url("building_register", b1))
    layout = response.context["layout"]
    assert layout["units"] == ["1", "2", "10"]
    assert [row["floor"] for row in layout["rows"]] == [5, 3, 2, 1]
    assert [[d.room for d in cell] for cell in layout["rows"][0]["cells"]] == [[], ["501"], []]
    body = main_text(response)
    assert "occ-vacant" in body and url("household_detail", household) in body


def test_building_without_floors_renders_a_list(world, worker, client_for):
    b1 = world.nodes["B1"]
    for room in ("东户", "西户"):
        registry.get_or_create_dwelling(actor=worker, building=b1, room=room)
    response = client_for(worker).get(url("building_register", b1))
    assert response.status_code == 200 and not response.context["grid_mode"]
    body = main_text(response)
    assert "东户" in body and "西户" in body and 'class="register"' not in body


def test_household_without_dwelling_listed_on_building(world, worker, client_for):
    h = registry.create_household(actor=worker, number="H900", node=world.nodes["B1"])
    body = main_text(client_for(worker).get(url("building_register", world.nodes["B1"])))
    assert url("household_detail", h) in body


# --- scope and permissions ------------------------------------------------------------------------------------
def test_grid_worker_gets_404_on_grid_2(world, worker, client_for):
    b2 = world.nodes["B2"]
    dwelling = registry.get_or_create_dwelling(actor=worker, building=b2, unit="1", room="101")
    h2 = registry.create_household(actor=worker, number="H2", node=b2, dwelling=dwelling)
    r2, _ = registry.register_resident(actor=worker, household=h2, name="网格二")
    client = client_for(world.user(Role.GRID_WORKER))
    for target in (url("household_detail", h2), url("building_register", b2), url("compound_map", world.nodes["P2"]),
                   url("resident_edit", r2), url("household_edit", h2)):
        assert client.get(target).status_code == 404, target


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.AUDIT_ADMIN])
def test_roles_without_registry_view_get_403(world, family, client_for, role):
    client = client_for(world.user(role))
    for target in (url("household_detail", family["household"]), url("building_register", world.nodes["B1"]),
                   url("compound_map", world.nodes["P1"])):
        assert client.get(target).status_code == 403


def test_readers_do_not_get_write_buttons(world, family, client_for):
    body = main_text(client_for(world.user(Role.STREET_OFFICIAL)).get(url("household_detail", family["household"])))
    assert url("resident_edit", family["head"]) not in body
    assert url("resident_unmask", family["head"]) in body  # street officials may unmask
    body = main_text(client_for(world.user(Role.GRID_WORKER)).get(url("household_detail", family["household"])))
    assert url("resident_unmask", family["head"]) not in body and url("resident_edit", family["head"]) in body


# --- masking and unmasking ------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", [Role.GRID_WORKER, Role.COMMUNITY_WORKER, Role.STREET_OFFICIAL])
def test_full_values_never_on_pages(world, family, client_for, role):
    head = Resident.objects.get(pk=family["head"].pk)
    client = client_for(world.user(role))
    pages = [url("household_detail", family["household"]), url("building_register", world.nodes["B1"]),
             url("compound_map", world.nodes["P1"])]
    if role != Role.STREET_OFFICIAL:
        pages += [url("resident_edit", head), url("resident_create", family["household"]),
                  url("household_edit", family["household"]), url("tag_add", head)]
    if role != Role.GRID_WORKER:
        pages += [url("resident_unmask", head) + "?field=id_number", url("resident_unmask", head) + "?field=phone"]
    for page in pages:
        html = client.get(page).content.decode()
        assert head.id_number not in html and "13812345678" not in html, page


def test_unmask_flow_needs_a_reason_and_is_audited(world, family, client_for):
    head = Resident.objects.get(pk=family["head"].pk)
    client = client_for(world.user(Role.COMMUNITY_WORKER))
    target = url("resident_unmask", head)
    response = client.post(target, {"field": "id_number", "reason": ""})
    assert response.status_code == 200 and head.id_number not in response.content.decode()
    assert 'class="errorlist"' in response.content.decode()
    assert not AuditEntry.objects.filter(action="registry.resident.unmasked").exists()
    response = client.post(target, {"field": "id_number", "reason": "核对低保申请"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert head.id_number in html and "<html" not in html  # the htmx fragment only
    assert "no-store" in response["Cache-Control"]
    entry = AuditEntry.objects.get(action="registry.resident.unmasked")
    assert entry.message == "核对低保申请" and entry.changes["field"] == "id_number"
    # shown once: the household page is masked again
    assert head.id_number not in client.get(url("household_detail", family["household"])).content.decode()
    response = client.post(target, {"field": "phone", "reason": "电话回访"})
    assert "13812345678" in main_text(response)
    assert AuditEntry.objects.filter(action="registry.resident.unmasked").count() == 2


def test_unmask_refused_without_permission_or_outside(world, family, client_for):
    head = family["head"]
    data = {"field": "id_number", "reason": "走访"}
    assert client_for(world.user(Role.GRID_WORKER)).post(url("resident_unmask", head), data).status_code == 403
    assert not AuditEntry.objects.filter(action="registry.resident.unmasked").exists()


# --- timeline -------------------------------------------------------------------------------------------------
def test_timeline_newest_first_and_filtered_by_permission(world, family, client_for):
    household = family["household"]
    registry.add_timeline_entry(household, kind="socialwork.case", title="个案：心理疏导", permission="cases.view")
    registry.add_timeline_entry(household, kind="gridops.event", title="上报：楼道堆物",
                                at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
    response = client_for(world.user(Role.COMMUNITY_WORKER)).get(url("household_detail", household))
    titles = [e.title for e in response.context["timeline"]]
    assert titles[0] == "上报：楼道堆物" and "个案：心理疏导" not in titles
    assert HouseholdTimelineEntry.objects.filter(household=household).count() == len(titles) + 1


# --- query counts ---------------------------------------------------------------------------------------------
def _count(client, target) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(target).status_code == 200
    return len(ctx.captured_queries)


def test_household_page_queries_do_not_grow_with_members(world, worker, family, client_for):
    client = client_for(worker)
    household = family["household"]
    target = url("household_detail", household)
    _count(client, target)
    before = _count(client, target)
    low_income = TagType.objects.get(code="low_income")
    for i, number in enumerate(ids(6, start=40)):
        r, _ = registry.register_resident(actor=worker, household=household, name=f"成员{i}", id_number=number,
                                          phone=f"1390000{i:04d}", relation=Relation.CHILD)
        registry.add_tag(r, actor=worker, tag_type=low_income, details={"certificate": f"DB{i}"})
        if i == 0:
            registry.move_out(r, actor=worker, date=dt.date(2025, 1, 1))
    assert _count(client, target) == before


def test_building_register_queries_do_not_grow_with_dwellings(world, worker, household, client_for):
    client = client_for(worker)
    target = url("building_register", world.nodes["B1"])
    _count(client, target)
    before = _count(client, target)
    for i in range(12):
        d = registry.get_or_create_dwelling(actor=worker, building=world.nodes["B1"], unit=str(i % 3 + 1),
                                            room=f"{i // 3 + 1}0{i % 3 + 1}")
        h = registry.create_household(actor=worker, number=f"Q{i}", node=world.nodes["B1"], dwelling=d)
        registry.register_resident(actor=worker, household=h, name=f"户主{i}", relation=Relation.HEAD)
    assert _count(client, target) == before


def test_compound_page_queries_do_not_grow_with_buildings(world, worker, client_for):
    from sanshe.core.testing import build_node
    from sanshe.territory.services import next_child_code

    client = client_for(worker)
    target = url("compound_map", world.nodes["P1"])
    _count(client, target)
    before = _count(client, target)
    for i in range(4):
        b = build_node(Level.BUILDING, world.nodes["P1"], f"{i + 2}栋", next_child_code(world.nodes["P1"], Level.BUILDING))
        registry.get_or_create_dwelling(actor=worker, building=b, room="101")
    assert _count(client, target) == before


# --- forms ----------------------------------------------------------------------------------------------------
def test_create_household_at_a_new_dwelling_and_duplicate_number(world, worker, household, client_for):
    client = client_for(worker)
    target = url("household_create", world.nodes["B1"])
    response = client.post(target, {"number": "H002", "unit": "3", "room": "1203", "registration_kind": "floating"})
    created = Household.objects.get(number="H002")
    assert response.status_code == 302 and response["Location"] == url("household_detail", created)
    assert created.dwelling.floor == 12 and created.dwelling.unit == "3" and created.registration_kind == "floating"
    response = client.post(target, {"number": "H001", "unit": "9", "room": "901", "registration_kind": "registered"})
    assert response.status_code == 200
    assert response.context["form"].errors["number"]
    assert not Dwelling.objects.filter(unit="9").exists()  # rolled back with the household


def test_edit_household_moves_it_and_sets_head(world, worker, family, client_for):
    client = client_for(worker)
    household = family["household"]
    response = client.post(url("household_edit", household), {
        "registration_kind": "lodging", "building": world.nodes["B2"].pk, "unit": "1", "room": "602",
        "head": family["spouse"].pk, "note": "换房",
    })
    assert response.status_code == 302
    household.refresh_from_db()
    assert household.registration_kind == "lodging" and household.head_id == family["spouse"].pk
    assert household.dwelling.room == "602" and household.grid_id == world.nodes["G2"].pk
    assert Resident.objects.get(pk=family["head"].pk).grid_id == world.nodes["G2"].pk
    response = client.post(url("household_edit", household), {"registration_kind": "lodging",
                                                               "building": world.nodes["B2"].pk, "room": ""})
    assert response.context["form"].errors["room"]


def test_add_resident_errors_inline_and_warning(world, worker, household, client_for):
    client = client_for(worker)
    target = url("resident_create", household)
    bad = valid_id()[:-1] + ("0" if valid_id()[-1] != "0" else "1")
    response = client.post(target, {"name": "", "id_type": "id_card", "id_number": bad, "phone": "12345"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"name", "id_number", "phone"} <= errors.keys()
    html = main_text(response)
    assert html.count('class="errorlist"') >= 3 and bad in html  # the typed value is given back, nowhere stored
    unknown_area = valid_id("99010519800101003")
    response = client.post(target, {"name": "王五", "id_type": "id_card", "id_number": unknown_area,
                                    "relation": "child", "ethnicity": "回族"}, follow=True)
    assert Resident.objects.filter(name="王五", ethnicity="回族").exists()
    levels = [m.level_tag for m in response.context["messages"]]
    assert "warning" in levels and "990105" in main_text(response)
    assert unknown_area not in main_text(response)


def test_edit_resident_keeps_blank_id_and_phone(world, worker, family, client_for):
    head = Resident.objects.get(pk=family["head"].pk)
    client = client_for(worker)
    response = client.get(url("resident_edit", head))
    assert head.id_number_masked in main_text(response)
    response = client.post(url("resident_edit", head), {"name": "张叁", "id_type": "id_card", "id_number": "",
                                                        "phone": "", "relation": "head", "ethnicity": "汉族"})
    assert response.status_code == 302
    fresh = Resident.objects.get(pk=head.pk)
    assert fresh.name == "张叁" and fresh.id_number == head.id_number and fresh.phone == head.phone
    response = client.post(url("resident_edit", head), {"name": "张叁", "id_type": "id_card",
                                                        "id_number": family["spouse"].id_number, "relation": "head"})
    assert response.status_code == 200 and response.context["form"].errors["id_number"]


def test_move_out_death_transfer(world, worker, family, client_for):
    client = client_for(worker)
    other = registry.create_household(actor=worker, number="H777", node=world.nodes["G2"])
    response = client.post(url("resident_transfer", family["spouse"]),
                           {"household_number": "NOPE", "date": "2026-01-01"})
    assert response.context["form"].errors["household_number"]
    response = client.post(url("resident_transfer", family["spouse"]),
                           {"household_number": "H777", "date": "2026-01-01", "relation": "head"})
    assert response.status_code == 302 and response["Location"] == url("household_detail", other)
    assert Household.objects.get(pk=other.pk).head_id == family["spouse"].pk
    future = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    response = client.post(url("resident_move_out", family["head"]), {"date": future, "note": ""})
    assert response.status_code == 200 and response.context["form"].errors["date"]
    response = client.post(url("resident_death", family["head"]), {"date": "2025-06-01", "note": "病故"})
    assert response.status_code == 302
    assert Resident.objects.get(pk=family["head"].pk).status == ResidentStatus.DECEASED
    body = main_text(client.get(url("household_detail", family["household"])))
    assert "member-gone" in body and "2025-06-01" in body
    response = client.post(url("resident_move_out", family["head"]), {"date": "2025-07-01"})
    assert response.status_code == 200 and response.context["form"].non_field_errors()


def test_add_and_end_tag(world, worker, family, client_for):
    client = client_for(worker)
    spouse = family["spouse"]
    low_income = TagType.objects.get(code="low_income")
    target = url("tag_add", spouse)
    form = client.get(target).context["form"]
    assert f"detail_{low_income.pk}_certificate" in form.fields
    assert "elderly" not in [t.code for t in form.fields["tag_type"].queryset]
    response = client.post(target, {"tag_type": low_income.pk, "valid_from": "2025-01-01"})
    assert response.status_code == 200 and response.context["form"].errors[f"detail_{low_income.pk}_certificate"]
    response = client.post(target, {"tag_type": low_income.pk, "valid_from": "2025-01-01",
                                    f"detail_{low_income.pk}_certificate": "DB-001"})
    assert response.status_code == 302
    tag = spouse.tags.get(tag_type=low_income)
    assert tag.details == {"certificate": "DB-001"}
    response = client.post(url("tag_end", tag), {"valid_to": "2024-01-01"})
    assert response.context["form"].errors["valid_to"]
    assert client.post(url("tag_end", tag), {"valid_to": "2025-12-31"}).status_code == 302
    tag.refresh_from_db()
    assert tag.valid_to == dt.date(2025, 12, 31)


def test_territory_pages_link_to_registry_pages(world, client_for):
    client = client_for(world.user(Role.COMMUNITY_WORKER))
    assert url("compound_map", world.nodes["P1"]) in main_text(client.get(url("node_detail", world.nodes["P1"])))
    assert url("building_register", world.nodes["B1"]) in main_text(client.get(url("node_detail", world.nodes["B1"])))
    client = client_for(world.user(Role.AUDIT_ADMIN))
    response = client.get(url("node_detail", world.nodes["B1"]))
    if response.status_code == 200:
        assert url("building_register", world.nodes["B1"]) not in main_text(response)
