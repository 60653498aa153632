"""The audit log itself: one row per change with the right who/where/diff, rollback, append-only, the chain."""

from __future__ import annotations

import json
from contextlib import contextmanager

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from sanshe.accounts import services as accounts
from sanshe.accounts.models import RoleGrant, User
from sanshe.accounts.roles import Role
from sanshe.core import audit, context
from sanshe.core.models import AppendOnlyError, AuditChainHead, AuditEntry
from sanshe.territory import services as territory
from sanshe.territory.models import Node

PASSWORD = "Very-secret-Pass-42"


def last_seq() -> int:
    return AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


@contextmanager
def new_entries():
    """Yields a list that, after the block, holds the audit entries the block wrote (oldest first)."""
    start = last_seq()
    found: list[AuditEntry] = []
    yield found
    found.extend(AuditEntry.objects.filter(seq__gt=start).order_by("seq"))


def only_entry(entries) -> AuditEntry:
    assert len(entries) == 1, [e.action for e in entries]
    return entries[0]


def assert_actor(entry: AuditEntry, user: User, roles: str, territory_code: str):
    assert entry.user_id == user.pk
    assert entry.username == user.username
    assert entry.roles == roles
    assert entry.territory == territory_code
    assert entry.result == AuditEntry.Result.SUCCESS


# --- Territory services -----------------------------------------------------------------------------------
def test_create_node_writes_one_entry_with_actor_territory_and_request(world):
    actor = world.user(Role.DISTRICT_ADMIN)
    with context.bind(request_id="req-create-0001", ip="10.1.2.3"), new_entries() as entries:
        node = territory.create_node(actor=actor, level=Node.Level.GRID, parent=world.nodes["C1"], name="新网格")
    entry = only_entry(entries)
    assert entry.action == "territory.node.created"
    assert_actor(entry, actor, "district_admin", node.code)
    assert entry.object_type == "territory.node" and entry.object_id == str(node.pk)
    assert entry.object_repr == "新网格"
    assert entry.request_id == "req-create-0001" and entry.ip == "10.1.2.3"
    assert entry.changes["name"] == [None, "新网格"]
    assert entry.changes["code"] == [None, node.code]
    assert entry.changes["level"] == [None, "grid"]
    assert entry.changes["parent"] == [None, world.nodes["C1"].pk]
    # A creation lists the fields that have a value; empty ones are not "changes".
    assert "geometry" not in entry.changes and "retired_at" not in entry.changes


def test_update_node_diff_holds_only_changed_fields(world):
    actor = world.user(Role.DISTRICT_ADMIN)
    grid = world.nodes["G2"]
    with new_entries() as entries:
        territory.update_node(grid, actor=actor, name="和平第二网格（新）")
    entry = only_entry(entries)
    assert entry.action == "territory.node.updated"
    assert entry.changes == {"name": ["和平第二网格", "和平第二网格（新）"]}
    assert_actor(entry, actor, "district_admin", grid.code)

    # Nothing changed → nothing written.
    with new_entries() as entries:
        territory.update_node(Node.objects.get(pk=grid.pk), actor=actor, name="和平第二网格（新）")
    assert entries == []


def test_recode_writes_one_entry_per_changed_node(world):
    actor = world.user(Role.DISTRICT_ADMIN)
    grid = world.nodes["G2"]  # has a compound and a building below it
    new_code = world.nodes["C1"].code + "009"
    with new_entries() as entries:
        territory.update_node(grid, actor=actor, code=new_code)
    actions = [e.action for e in entries]
    assert actions.count("territory.node.updated") == 1
    assert actions.count("territory.node.recoded") == 2
    updated = next(e for e in entries if e.action == "territory.node.updated")
    assert updated.changes == {"code": [grid.code, new_code]}
    for e in entries:
        if e.action == "territory.node.recoded":
            old, new = e.changes["code"]
            assert new == new_code + old[len(grid.code):]
            assert set(e.changes) == {"code"}


def test_move_node_diff(world):
    actor = world.user(Role.DISTRICT_ADMIN)
    compound = world.nodes["P1"]
    target = world.nodes["G2"]
    with new_entries() as entries:
        moved = territory.move_node(compound, actor=actor, new_parent=target)
    moves = [e for e in entries if e.action == "territory.node.moved"]
    assert len(moves) == 1
    move = moves[0]
    assert move.changes["parent"] == [world.nodes["G1"].pk, target.pk]
    assert move.changes["grid"] == [world.nodes["G1"].pk, target.pk]
    assert move.changes["code"] == [compound.code, moved.code]
    assert "name" not in move.changes and "level" not in move.changes
    assert move.territory == moved.code
    # The building under it was re-coded: one entry for it.
    assert [e.action for e in entries].count("territory.node.recoded") == 1


def test_retire_node_diff(world):
    actor = world.user(Role.DISTRICT_ADMIN)
    building = world.nodes["B1"]
    with new_entries() as entries:
        territory.retire_node(building, actor=actor, reason="拆迁")
    entry = only_entry(entries)
    assert entry.action == "territory.node.retired"
    assert set(entry.changes) == {"is_active", "retired_at", "retired_reason"}
    assert entry.changes["is_active"] == [True, False]
    assert entry.changes["retired_reason"] == ["", "拆迁"]
    assert entry.changes["retired_at"][0] is None and entry.changes["retired_at"][1]


# --- Accounts services ------------------------------------------------------------------------------------
def test_create_user_masks_the_password(world):
    actor = world.user(Role.SYSTEM_ADMIN)
    with new_entries() as entries:
        user, generated = accounts.create_user(actor=actor, username="new_worker", full_name="张三",
                                               password=PASSWORD, district=world.nodes["D1"])
    assert generated is None
    entry = only_entry(entries)
    assert entry.action == "accounts.user.created"
    # A user has no territory of its own: the actor's grants are recorded.
    assert_actor(entry, actor, "system_admin", world.nodes["D1"].code)
    assert entry.object_type == "accounts.user" and entry.object_id == str(user.pk)
    assert entry.changes["username"] == [None, "new_worker"]
    assert entry.changes["full_name"] == [None, "张三"]
    assert entry.changes["password"] == [None, "******"]
    stored = json.dumps([entry.changes, entry.message, entry.object_repr], ensure_ascii=False)
    assert PASSWORD not in stored
    assert User.objects.get(pk=user.pk).password not in stored  # not even the hash


def test_generated_password_never_reaches_the_log(world):
    actor = world.user(Role.SYSTEM_ADMIN)
    with new_entries() as entries:
        _user, generated = accounts.create_user(actor=actor, username="gen_pw", district=world.nodes["D1"])
        reset = accounts.reset_password(_user, actor=actor)
    assert [e.action for e in entries] == ["accounts.user.created", "accounts.password.reset"]
    text = json.dumps([[e.changes, e.message] for e in entries], ensure_ascii=False)
    assert generated and generated not in text and reset not in text


def test_update_user_deactivate(world):
    actor = world.user(Role.SYSTEM_ADMIN)
    target = world.user("nobody")
    with new_entries() as entries:
        accounts.update_user(target, actor=actor, is_active=False)
    entry = only_entry(entries)
    assert entry.action == "accounts.user.deactivated"
    assert entry.changes == {"is_active": [True, False]}


def test_grant_and_revoke_role(world):
    actor = world.user(Role.SECURITY_ADMIN)
    target = world.user("nobody")
    grid = world.nodes["G2"]
    with context.bind(request_id="req-grant-0001", ip="192.0.2.7"), new_entries() as entries:
        grant = accounts.grant_role(target, actor=actor, role=Role.GRID_WORKER, node=grid)
    entry = only_entry(entries)
    assert entry.action == "accounts.role.granted"
    # A grant belongs to the node it is held at.
    assert_actor(entry, actor, "security_admin", grid.code)
    assert entry.object_type == "accounts.rolegrant" and entry.object_id == str(grant.pk)
    assert entry.changes["role"] == "grid_worker"  # the named details ride along
    assert entry.changes["node"] == grid.code
    assert entry.changes["user"] == "t_nobody"
    assert entry.changes["granted_by"] == [None, actor.pk]
    assert entry.request_id == "req-grant-0001" and entry.ip == "192.0.2.7"

    with new_entries() as entries:
        accounts.revoke_role(grant, actor=actor)
    entry = only_entry(entries)
    assert entry.action == "accounts.role.revoked"
    diff = {k: v for k, v in entry.changes.items() if isinstance(v, list)}
    assert set(diff) == {"revoked_at", "revoked_by"}
    assert diff["revoked_by"] == [None, actor.pk]
    assert RoleGrant.objects.get(pk=grant.pk).revoked_at is not None


def test_refused_service_writes_nothing(world):
    """A refusal inside a service rolls back; the denial is recorded by the layer that answers (web/API)."""
    grid_worker = world.user(Role.GRID_WORKER)
    with new_entries() as entries, pytest.raises(Exception):  # noqa: B017 - Denied
        territory.create_node(actor=grid_worker, level=Node.Level.COMPOUND, parent=world.nodes["G1"], name="x")
    assert entries == []


# --- Same transaction ---------------------------------------------------------------------------------------
def test_audit_row_rolls_back_with_the_change(world):
    actor = world.user(Role.DISTRICT_ADMIN)
    head_before = AuditChainHead.objects.get(pk=1)
    with new_entries() as entries, pytest.raises(RuntimeError):
        with transaction.atomic():
            territory.create_node(actor=actor, level=Node.Level.GRID, parent=world.nodes["C1"], name="回滚网格")
            assert AuditEntry.objects.filter(action="territory.node.created", object_repr="回滚网格").exists()
            raise RuntimeError("boom")
    assert entries == []
    assert not Node.objects.filter(name="回滚网格").exists()
    head = AuditChainHead.objects.get(pk=1)
    assert (head.seq, head.hash) == (head_before.seq, head_before.hash)
    assert audit.verify_chain()[1] is None
    # The chain goes on from where it was.
    with new_entries() as entries:
        territory.create_node(actor=actor, level=Node.Level.GRID, parent=world.nodes["C1"], name="下一个")
    assert only_entry(entries).seq == head_before.seq + 1


# --- Append-only --------------------------------------------------------------------------------------------
def test_orm_refuses_to_change_or_delete_entries(world):
    entry = AuditEntry.objects.order_by("seq").first()
    entry.message = "edited"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(message="edited")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).message == ""


def _raw(sql: str, params=()):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_database_refuses_raw_update_delete(world):
    seq = AuditEntry.objects.order_by("seq").values_list("seq", flat=True)[3]
    with pytest.raises(DatabaseError):
        _raw("UPDATE core_auditentry SET message = 'x' WHERE seq = %s", [seq])
    with pytest.raises(DatabaseError):
        _raw("DELETE FROM core_auditentry WHERE seq = %s", [seq])
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError):
            _raw("TRUNCATE core_auditentry")
    assert AuditEntry.objects.filter(seq=seq, message="").exists()
    assert audit.verify_chain()[1] is None


def test_no_url_edits_or_deletes(client_for, world):
    from sanshe.core import urls

    assert sorted(p.name for p in urls.urlpatterns) == ["detail", "export", "list", "verify"]
    client = client_for(world.user(Role.AUDIT_ADMIN))
    entry = AuditEntry.objects.order_by("seq").first()
    url = f"/audit/{entry.pk}/"
    for method in ("post", "put", "patch", "delete"):
        assert getattr(client, method)(url).status_code == 405
    assert client.get(f"/audit/{entry.pk}/edit/").status_code == 404
    assert client.get(f"/audit/{entry.pk}/delete/").status_code == 404
    assert AuditEntry.objects.get(pk=entry.pk).hash == entry.hash


# --- verify_audit -------------------------------------------------------------------------------------------
def append_only_off():
    """Let the test tamper like someone with direct database access (undone by the test's rollback)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER core_auditentry_no_update")
            cursor.execute("DROP TRIGGER core_auditentry_no_delete")
        else:
            cursor.execute("ALTER TABLE core_auditentry DISABLE TRIGGER USER")


def verify_fails() -> str:
    with pytest.raises(CommandError) as info:
        call_command("verify_audit")
    return str(info.value)


def middle_seq() -> int:
    return last_seq() // 2


def test_verify_audit_passes_on_an_intact_chain(world, capsys):
    n = AuditEntry.objects.count()
    assert n > 20
    call_command("verify_audit")
    assert str(n) in capsys.readouterr().out
    assert audit.verify_chain() == (n, None)


def test_tampered_row_is_named(world):
    seq = middle_seq()
    append_only_off()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditentry SET message = 'nothing happened' WHERE seq = %s", [seq])
    message = verify_fails()
    assert f"seq={seq} " in message
    checked, broken = audit.verify_chain()
    assert (broken.seq, broken.reason, checked) == (seq, "content", seq - 1)


def test_tampered_diff_is_caught(world):
    entry = AuditEntry.objects.filter(action="accounts.role.granted").order_by("seq").first()
    append_only_off()
    changes = dict(entry.changes, role="district_admin")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditentry SET changes = %s WHERE seq = %s", [json.dumps(changes), entry.seq])
    assert f"seq={entry.seq} " in verify_fails()


def test_deleted_middle_row_is_reported_missing(world):
    seq = middle_seq()
    append_only_off()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditentry WHERE seq = %s", [seq])
    assert f"seq={seq}" in verify_fails()
    assert audit.verify_chain()[1].reason == "missing"


def test_deleted_last_rows_are_reported(world):
    top = last_seq()
    append_only_off()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditentry WHERE seq >= %s", [top - 1])
    assert f"seq={top - 1}" in verify_fails()
    assert audit.verify_chain()[1].reason == "tail"


def test_swapped_rows_break_the_link(world):
    seq = middle_seq()
    append_only_off()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditentry SET seq = -1 WHERE seq = %s", [seq])
        cursor.execute("UPDATE core_auditentry SET seq = %s WHERE seq = %s", [seq, seq + 1])
        cursor.execute("UPDATE core_auditentry SET seq = %s WHERE seq = -1", [seq + 1])
    assert f"seq={seq} " in verify_fails()
    assert audit.verify_chain()[1].reason == "link"


def test_inserted_forged_row_breaks_the_link(world):
    """A forger shifts the later rows up and slips in a row whose own hash is right: the next link breaks."""
    seq = middle_seq()
    previous = AuditEntry.objects.get(seq=seq)
    append_only_off()
    with connection.cursor() as cursor:
        for later in AuditEntry.objects.filter(seq__gt=seq).order_by("-seq").values_list("seq", flat=True):
            cursor.execute("UPDATE core_auditentry SET seq = %s WHERE seq = %s", [later + 1, later])
    forged = AuditEntry(
        seq=seq + 1, at=previous.at, username="t_audit_admin", action="accounts.user.created",
        object_type="accounts.user", object_id="999", object_repr="ghost", changes={}, prev_hash=previous.hash,
    )
    forged.hash = audit.compute_hash(forged)
    forged.save(force_insert=True)  # inserting is allowed: only the chain can tell it is forged
    checked, broken = audit.verify_chain()
    assert (broken.seq, broken.reason) == (seq + 2, "link")
    assert checked == seq + 1
    assert f"seq={seq + 2} " in verify_fails()
