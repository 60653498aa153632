"""The registry's remaining gaps (issue 3): dwelling occupancy, tag details to complete (待补充), re-import of a
household that moved, heads following the file, the territory picker of the search, ``reindex_registry``."""

import base64

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from sanshe.accounts.roles import Role
from sanshe.core import crypto
from sanshe.core.exceptions import Denied, OutOfScope
from sanshe.core.models import AuditEntry
from sanshe.territory import registry
from sanshe.territory.choices import MoveKind, Occupancy, Relation
from sanshe.territory.filters_registry import territory_cascade
from sanshe.territory.models import (
    Dwelling,
    Household,
    HouseholdTimelineEntry,
    Resident,
    ResidentMove,
    ResidentTag,
    TagType,
)

from .test_registry_import import csv_bytes, good_rows, run, valid_id


@pytest.fixture
def worker(world):
    return world.user(Role.COMMUNITY_WORKER)


@pytest.fixture
def household(world, worker):
    dwelling = registry.get_or_create_dwelling(actor=worker, building=world.nodes["B1"], unit="1", room="301")
    household = registry.create_household(actor=worker, number="G-1", node=world.nodes["B1"], dwelling=dwelling)
    registry.register_resident(actor=worker, household=household, name="甲", id_number=valid_id(7),
                               relation=Relation.HEAD)
    return household


# --- 1. occupancy ---------------------------------------------------------------------------------------------
def test_set_dwelling_occupancy_is_audited_and_noted(world, worker, household):
    dwelling = household.dwelling
    registry.set_dwelling_occupancy(dwelling, actor=worker, occupancy=Occupancy.RENTED)
    dwelling.refresh_from_db()
    assert dwelling.occupancy == Occupancy.RENTED
    entry = AuditEntry.objects.get(action="registry.dwelling.occupancy_changed")
    assert entry.changes["occupancy"] == ["occupied", "rented"]
    assert HouseholdTimelineEntry.objects.filter(household=household,
                                                 kind="registry.dwelling.occupancy_changed").count() == 1
    registry.set_dwelling_occupancy(dwelling, actor=worker, occupancy=Occupancy.RENTED)  # no change, no entry
    assert AuditEntry.objects.filter(action="registry.dwelling.occupancy_changed").count() == 1
    with pytest.raises(ValidationError) as err:
        registry.set_dwelling_occupancy(dwelling, actor=worker, occupancy="sold")
    assert "occupancy" in err.value.message_dict
    with pytest.raises(Denied):
        registry.set_dwelling_occupancy(dwelling, actor=world.user(Role.RESIDENT), occupancy=Occupancy.VACANT)
    outsider = world.user(Role.COMMUNITY_WORKER)
    outside = Dwelling(building=world.nodes["B5"], unit="", room="1")
    outside.copy_ancestors_from(world.nodes["B5"])
    outside.save()
    with pytest.raises(OutOfScope):
        registry.set_dwelling_occupancy(outside, actor=outsider, occupancy=Occupancy.VACANT)


def test_occupancy_form_from_the_building_register_and_the_household(world, worker, household, client_for):
    client = client_for(worker)
    dwelling = household.dwelling
    url = reverse("territory:dwelling_occupancy", args=[dwelling.pk])
    page = client.get(reverse("territory:building_register", args=[world.nodes["B1"].pk])).content.decode()
    assert url in page
    assert url in client.get(reverse("territory:household_detail", args=[household.pk])).content.decode()
    assert client.get(url).status_code == 200
    bad = client.post(url, {"occupancy": "sold"})
    assert bad.status_code == 200 and "has-error" in bad.content.decode()
    response = client.post(url, {"occupancy": Occupancy.VACANT})
    assert response.status_code == 302
    assert response["Location"] == reverse("territory:building_register", args=[world.nodes["B1"].pk])
    back = reverse("territory:household_detail", args=[household.pk])
    response = client.post(url, {"occupancy": Occupancy.RENTED, "next": back})
    assert response["Location"] == back
    assert client.post(url, {"occupancy": Occupancy.RENTED, "next": "https://evil.example/"})["Location"] \
        == reverse("territory:building_register", args=[world.nodes["B1"].pk])
    dwelling.refresh_from_db()
    assert dwelling.occupancy == Occupancy.RENTED


def test_occupancy_through_the_api(world, worker, household, client_for):
    client = client_for(worker)
    url = reverse("registry-dwelling-detail", args=[household.dwelling_id])
    response = client.patch(url, {"occupancy": "vacant"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["occupancy"] == "vacant"
    response = client.patch(url, {"occupancy": "sold"}, content_type="application/json")
    assert response.status_code == 400 and "occupancy" in response.json()
    assert Dwelling.objects.get(pk=household.dwelling_id).occupancy == Occupancy.VACANT


# --- 2. tag details -------------------------------------------------------------------------------------------
def imported_disabled(world):
    rows = good_rows(world, 2)
    rows[1][12] = "残疾人"
    run(world, csv_bytes(rows))
    resident = Resident.objects.get(id_number_index=registry.id_number_index(valid_id(2)))
    return resident, ResidentTag.objects.get(resident=resident, tag_type__code="disabled")


def test_imported_tag_without_details_shows_as_missing_and_is_found(world, worker, client_for):
    resident, tag = imported_disabled(world)
    assert registry.tag_missing_details(tag) == ["残疾等级"]
    client = client_for(worker)
    page = client.get(reverse("territory:household_detail", args=[resident.household_id])).content.decode()
    assert "details-missing" in page and reverse("territory:tag_details", args=[tag.pk]) in page
    search = reverse("territory:resident_search")
    found = client.get(search, {"details_missing": "on"}).content.decode()
    assert resident.name in found and "details-missing" in found
    assert "居民0" not in found  # the head's 退役军人 tag needs no details
    api = client.get(reverse("registry-resident-list"), {"details_missing": "true"}).json()
    assert [r["id"] for r in api["results"]] == [resident.pk]

    url = reverse("territory:tag_details", args=[tag.pk])
    form = client.get(url).content.decode()
    assert 'name="detail_grade"' in form and 'class="req"' in form
    bad = client.post(url, {"detail_grade": "  ", "detail_certificate": "X1"})
    assert bad.status_code == 200 and bad.context["form"].errors["detail_grade"]
    response = client.post(url, {"detail_grade": "二级", "detail_certificate": ""})
    assert response.status_code == 302
    tag.refresh_from_db()
    assert tag.details == {"grade": "二级"} and registry.tag_missing_details(tag) == []
    assert AuditEntry.objects.filter(action="registry.tag.details_changed", object_id=str(tag.pk)).exists()
    assert resident.name not in client.get(search, {"details_missing": "on"}).content.decode()
    # a type that starts requiring a detail makes its tags incomplete again
    veteran = TagType.objects.get(code="veteran")
    veteran.detail_fields = [{"key": "number", "label": "优待证号", "required": True}]
    veteran.save()
    assert "居民0" in client.get(search, {"details_missing": "on"}).content.decode()


def test_tag_form_marks_and_checks_required_details(world, worker, household, client_for):
    client = client_for(worker)
    resident = household.members.get()
    url = reverse("territory:tag_add", args=[resident.pk])
    disabled = TagType.objects.get(code="disabled")
    page = client.get(url).content.decode()
    assert f'name="detail_{disabled.pk}_grade"' in page and 'class="req"' in page
    bad = client.post(url, {"tag_type": disabled.pk})
    assert bad.status_code == 200 and bad.context["form"].errors[f"detail_{disabled.pk}_grade"]
    assert f"detail_{disabled.pk}_certificate" not in bad.context["form"].errors
    assert client.post(url, {"tag_type": disabled.pk, f"detail_{disabled.pk}_grade": "一级"}).status_code == 302
    with pytest.raises(ValidationError) as err:
        registry.add_tag(resident, actor=worker, tag_type=TagType.objects.get(code="low_income"), details={})
    assert "低保证号" in err.value.message_dict["details"][0]


# --- 3. re-import: the household and its head follow the file -------------------------------------------------
def test_reimported_household_moves_to_its_new_dwelling(world):
    run(world, csv_bytes(good_rows(world)))
    household = Household.objects.get(number="H001")
    old = household.dwelling
    rows = good_rows(world, compound=world.nodes["P2"].name)  # the compound of the other grid (G2)
    for row in rows:
        row[10] = "602"
    result = run(world, csv_bytes(rows))
    assert (result["updated"], result["errors"]) == (3, [])
    household.refresh_from_db()
    assert household.dwelling != old and household.dwelling.room == "602"
    assert (household.grid_id, household.compound_id, household.building_id) == (
        world.nodes["G2"].pk, world.nodes["P2"].pk, world.nodes["B2"].pk)
    members = Resident.objects.filter(household=household)
    assert {(m.dwelling_id, m.grid_id, m.building_id) for m in members} == {
        (household.dwelling_id, world.nodes["G2"].pk, world.nodes["B2"].pk)}
    assert set(ResidentTag.objects.filter(resident__household=household).values_list("grid_id", flat=True)) == {
        world.nodes["G2"].pk}
    moved = HouseholdTimelineEntry.objects.get(household=household, kind="registry.household.moved")
    assert "501" in moved.title and "602" in moved.title
    assert AuditEntry.objects.filter(action="registry.import").order_by("-seq")[0].changes["households_moved"] == 1
    assert run(world, csv_bytes(rows))["unchanged"] == 3  # idempotent again
    assert HouseholdTimelineEntry.objects.filter(kind="registry.household.moved").count() == 1


def test_head_follows_the_file(world):
    run(world, csv_bytes(good_rows(world)))
    household = Household.objects.get(number="H001")
    first = Resident.objects.get(id_number_index=registry.id_number_index(valid_id(1)))
    assert household.head_id == first.pk
    rows = good_rows(world)
    rows[0][5], rows[1][5] = "配偶", "户主"
    run(world, csv_bytes(rows))
    household.refresh_from_db()
    second = Resident.objects.get(id_number_index=registry.id_number_index(valid_id(2)))
    assert household.head_id == second.pk
    assert HouseholdTimelineEntry.objects.filter(household=household, kind="registry.household.head_changed",
                                                 resident=second).count() == 1
    run(world, csv_bytes(rows))
    assert HouseholdTimelineEntry.objects.filter(kind="registry.household.head_changed").count() == 1


def test_head_moving_to_another_household(world, worker):
    run(world, csv_bytes(good_rows(world)))
    old = Household.objects.get(number="H001")
    rows = good_rows(world)
    rows[0][6], rows[0][10] = "H002", "502"  # the head moves out to a new household next door
    rows[1][5] = "户主"
    run(world, csv_bytes(rows))
    head = Resident.objects.get(id_number_index=registry.id_number_index(valid_id(1)))
    new = Household.objects.get(number="H002")
    old.refresh_from_db()
    assert head.household_id == new.pk and new.head_id == head.pk
    assert old.head_id == Resident.objects.get(id_number_index=registry.id_number_index(valid_id(2))).pk
    move = ResidentMove.objects.get(resident=head, kind=MoveKind.TRANSFER)
    assert (move.from_household_id, move.to_household_id, move.actor_id) == (old.pk, new.pk, worker.pk)
    kinds = set(HouseholdTimelineEntry.objects.filter(resident=head, kind="registry.resident.transferred")
                .values_list("household_id", flat=True))
    assert kinds == {old.pk, new.pk}
    # a head who left without a new 户主 in the file leaves the household without a head
    rows[1][6], rows[1][10] = "H002", "502"
    rows[1][5] = "子女"
    rows[2][5] = "子女"
    run(world, csv_bytes(rows))
    old.refresh_from_db()
    assert old.head_id is None


# --- 4. the territory picker of the search ---------------------------------------------------------------------
def test_territory_cascade_lists_one_level_at_a_time(world, client_for):
    admin = world.user(Role.DISTRICT_ADMIN)
    selects = territory_cascade(admin, None)
    assert len(selects) == 1 and {n.pk for n in selects[0]["options"]} == {world.nodes["S1"].pk,
                                                                           world.nodes["S2"].pk}
    chain = territory_cascade(admin, world.nodes["G1"])
    assert [s["selected"] for s in chain] == [world.nodes[k].pk for k in ("S1", "C1", "G1")] + [None]
    assert [n.pk for n in chain[3]["options"]] == [world.nodes["P1"].pk]
    worker_selects = territory_cascade(world.user(Role.GRID_WORKER), None)
    assert [n.pk for n in worker_selects[0]["options"]] == [world.nodes["G1"].pk]

    client = client_for(admin)
    page = client.get(reverse("territory:resident_search")).content.decode()
    assert world.nodes["S2"].name in page and world.nodes["P1"].name not in page
    assert world.nodes["C1"].name not in page
    url = reverse("territory:resident_search_territory")
    fragment = client.get(url, {"pick": world.nodes["S1"].pk}).content.decode()
    assert world.nodes["C1"].name in fragment and world.nodes["C2"].name in fragment
    assert f'name="node" value="{world.nodes["S1"].pk}"' in fragment
    back = client.get(url, {"pick": "", "parent": world.nodes["S1"].pk}).content.decode()
    assert f'name="node" value="{world.nodes["S1"].pk}"' in back
    outside = client.get(url, {"pick": world.nodes["S4"].pk}).content.decode()
    assert 'name="node" value=""' in outside and world.nodes["S4"].name not in outside
    found = client.get(reverse("territory:resident_search"), {"node": world.nodes["G1"].pk}).content.decode()
    assert world.nodes["P1"].name in found  # the chosen grid's compounds are offered below it


# --- 5. reindex_registry -----------------------------------------------------------------------------------------
NEW_KEY = base64.b64encode(b"n" * 32).decode()


def test_reindex_after_key_rotation(world, settings, monkeypatch, capsys):
    run(world, csv_bytes(good_rows(world)))
    old_key = settings.SANSHE_FIELD_KEY
    number = valid_id(1)
    settings.SANSHE_FIELD_KEY = f"{NEW_KEY},{old_key}"
    assert not Resident.objects.filter(id_number_index=registry.id_number_index(number)).exists()

    call_command("reindex_registry", "--dry-run", "--chunk", "2")
    assert "3 read, 3 would change, 0 unreadable" in capsys.readouterr().out
    assert not Resident.objects.filter(id_number_index=registry.id_number_index(number)).exists()

    settings.SANSHE_FIELD_KEY = NEW_KEY  # the old key only in the command's environment
    with pytest.raises(CommandError, match="3 residents could not be decrypted"):
        call_command("reindex_registry")
    monkeypatch.setenv("SANSHE_FIELD_KEY_OLD", old_key)
    call_command("reindex_registry", "--chunk", "2")
    assert "3 read, 3 changed, 0 unreadable" in capsys.readouterr().out
    resident = Resident.objects.get(id_number_index=registry.id_number_index(number))
    assert resident.id_number == number and resident.phone == "13812340000"
    current = crypto._keys()[0].key_id
    with connection.cursor() as cursor:  # the stored tokens: all under the new key
        cursor.execute("SELECT id_number, phone FROM territory_resident")
        assert all(v.split(":")[1] == current for row in cursor.fetchall() for v in row if v)
    assert Resident.objects.filter(phone_index=crypto.blind_index("13812340000")).count() == 1
    call_command("reindex_registry")
    assert "3 read, 0 changed" in capsys.readouterr().out
    # every run that wrote (the refused one too: it left the unreadable rows alone) is on record; not the dry run
    assert AuditEntry.objects.filter(action="registry.reindexed").count() == 3
