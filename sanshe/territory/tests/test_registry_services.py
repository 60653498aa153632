"""Registry services: identity checks, encryption at rest, uniqueness, moves, unmasking, tags, scope."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from sanshe.accounts.roles import Role
from sanshe.core.exceptions import Denied, OutOfScope
from sanshe.core.models import AuditEntry
from sanshe.core.validators import id_number_check_char
from sanshe.territory import registry
from sanshe.territory.choices import MoveKind, Relation, ResidentStatus
from sanshe.territory.models import Household, Resident, TagType


def valid_id(body17="11010519491231002"):
    return body17 + id_number_check_char(body17)


@pytest.fixture
def household(world):
    worker = world.user(Role.COMMUNITY_WORKER)
    dwelling = registry.get_or_create_dwelling(actor=worker, building=world.nodes["B1"], unit="2", room="501")
    return registry.create_household(actor=worker, number="H001", node=world.nodes["B1"], dwelling=dwelling)


def test_register_encrypts_masks_and_derives(world, household):
    worker = world.user(Role.COMMUNITY_WORKER)
    number = valid_id()
    resident, warnings = registry.register_resident(
        actor=worker, household=household, name="张三", id_number=number.lower(), phone="138 1234 5678",
        relation=Relation.HEAD,
    )
    resident.refresh_from_db()
    assert resident.id_number == number and resident.phone == "13812345678"
    assert resident.id_number_masked == number[:6] + "********" + number[-4:]
    assert resident.phone_masked == "138****5678"
    assert resident.birth_date == dt.date(1949, 12, 31) and resident.sex == "F"
    assert (resident.district_id, resident.grid_id, resident.building_id) == (
        world.nodes["D1"].pk, world.nodes["G1"].pk, world.nodes["B1"].pk)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM territory_resident WHERE id = %s", [resident.pk])
        stored_id, stored_phone = cursor.fetchone()
    assert number not in stored_id and "13812345678" not in stored_phone
    entry = AuditEntry.objects.get(action="registry.resident.registered")
    assert number not in str(entry.changes) and "13812345678" not in str(entry.changes)
    assert Household.objects.get(pk=household.pk).head_id == resident.pk
    assert resident.moves.get().kind == MoveKind.MOVE_IN
    assert household.timeline.filter(kind="registry.resident.moved_in").exists()
    assert Resident.objects.filter(id_number_index=registry.id_number_index(number.lower())).count() == 1


def test_same_id_twice_in_district_refused(world, household):
    worker = world.user(Role.COMMUNITY_WORKER)
    registry.register_resident(actor=worker, household=household, name="张三", id_number=valid_id())
    with pytest.raises(ValidationError) as exc:
        registry.register_resident(actor=worker, household=household, name="李四", id_number=valid_id())
    assert "id_number" in exc.value.message_dict


def test_bad_identity_is_field_errors(world, household):
    worker = world.user(Role.COMMUNITY_WORKER)
    bad = valid_id()[:-1] + ("0" if valid_id()[-1] != "0" else "1")
    with pytest.raises(ValidationError) as exc:
        registry.register_resident(actor=worker, household=household, name="", id_number=bad, phone="12345")
    assert {"name", "id_number", "phone"} <= exc.value.message_dict.keys()
    assert not Resident.objects.exists()


def test_move_out_death_and_transfer(world, household):
    worker = world.user(Role.COMMUNITY_WORKER)
    a, _ = registry.register_resident(actor=worker, household=household, name="甲", relation=Relation.HEAD)
    b, _ = registry.register_resident(actor=worker, household=household, name="乙")
    other = registry.create_household(actor=worker, number="H002", node=world.nodes["G2"])
    registry.transfer(b, actor=worker, to_household=other, date=dt.date(2026, 1, 1))
    b.refresh_from_db()
    assert b.household_id == other.pk and b.grid_id == world.nodes["G2"].pk and b.building_id is None
    registry.move_out(a, actor=worker, date=dt.date(2026, 2, 1), note="迁往外地")
    a.refresh_from_db()
    assert a.status == ResidentStatus.MOVED_OUT and Household.objects.get(pk=household.pk).head_id is None
    with pytest.raises(ValidationError):
        registry.record_death(a, actor=worker, date=dt.date(2026, 3, 1))
    registry.record_death(b, actor=worker, date=dt.date(2026, 3, 1))
    assert Resident.objects.get(pk=b.pk).status == ResidentStatus.DECEASED


def test_scope_and_permissions(world, household):
    worker = world.user(Role.COMMUNITY_WORKER)
    resident, _ = registry.register_resident(actor=worker, household=household, name="丙", id_number=valid_id())
    with pytest.raises(OutOfScope):  # grid 2's worker cannot reach grid 1
        registry.update_resident(resident, actor=_grid2_worker(world),
                                 name="改")
    with pytest.raises(Denied):  # a street official reads but does not keep the register
        registry.update_resident(resident, actor=world.user(Role.STREET_OFFICIAL), name="改")
    assert Resident.objects.visible_to(world.user(Role.GRID_WORKER)).count() == 1
    assert Resident.objects.visible_to(world.user(Role.AUDIT_ADMIN)).count() == 0


def _grid2_worker(world):
    from sanshe.accounts.services import bootstrap_account

    return bootstrap_account(username="g2", password="x", role=Role.GRID_WORKER, node=world.nodes["G2"])


def test_unmask_needs_permission_and_reason_and_is_audited(world, household):
    worker = world.user(Role.COMMUNITY_WORKER)
    number = valid_id()
    resident, _ = registry.register_resident(actor=worker, household=household, name="丁", id_number=number)
    with pytest.raises(Denied):
        registry.unmask(resident, actor=world.user(Role.GRID_WORKER), field="id_number", reason="走访核对")
    with pytest.raises(ValidationError):
        registry.unmask(resident, actor=worker, field="id_number", reason="")
    assert registry.unmask(resident, actor=worker, field="id_number", reason="办理低保核对") == number
    entry = AuditEntry.objects.get(action="registry.resident.unmasked")
    assert entry.message == "办理低保核对" and entry.changes["field"] == "id_number"


def test_tags(world, household):
    worker = world.user(Role.COMMUNITY_WORKER)
    resident, _ = registry.register_resident(actor=worker, household=household, name="戊")
    disabled = TagType.objects.get(code="disabled")
    with pytest.raises(ValidationError):
        registry.add_tag(resident, actor=worker, tag_type=disabled, details={})
    tag = registry.add_tag(resident, actor=worker, tag_type=disabled, details={"grade": "二级"},
                           valid_from=dt.date(2025, 1, 1))
    assert tag.community_id == world.nodes["C1"].pk
    with pytest.raises(ValidationError):
        registry.add_tag(resident, actor=worker, tag_type=TagType.objects.get(code="elderly"))
    registry.end_tag(tag, actor=worker, valid_to=dt.date(2025, 12, 31))


def test_node_move_carries_registry_rows(world, household):
    from sanshe.territory import services

    worker = world.user(Role.COMMUNITY_WORKER)
    resident, _ = registry.register_resident(actor=worker, household=household, name="己")
    services.move_node(world.nodes["G1"], actor=world.user(Role.DISTRICT_ADMIN), new_parent=world.nodes["C2"])
    resident.refresh_from_db()
    assert resident.community_id == world.nodes["C2"].pk and resident.grid_id == world.nodes["G1"].pk
