"""Certificates: serial numbers per community and year, masked ID numbers in the frozen wording, the household
file, revoking, scoping (404 outside the territory, 403 without the right) and the certificate types."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from sanshe.core.exceptions import Denied, OutOfScope
from sanshe.core.models import AuditEntry
from sanshe.core.validators import id_number_check_char
from sanshe.servicedesk import services_certificates as sc
from sanshe.servicedesk.certificate_seed import CERTIFICATE_TYPES, ensure_certificate_types
from sanshe.servicedesk.models import Certificate
from sanshe.territory import registry
from sanshe.territory.models import HouseholdTimelineEntry, Node

TZ = ZoneInfo("Asia/Shanghai")


def id_number(first17: str = "51019919800101123") -> str:
    return first17 + id_number_check_char(first17)


def make_resident(world, *, building="B1", number="H1", name="王秀英", id17="51019919800101123",
                  phone="13900002222"):
    cw = world.user("community_worker")
    if world.nodes[building].community_id != cw.active_grants()[0].node_id:
        from sanshe.accounts.models import User
        from sanshe.accounts.roles import Role
        from sanshe.core.testing import bootstrap_account

        node = Node.objects.get(pk=world.nodes[building].community_id)
        cw = User.objects.filter(username=f"t_cw_{node.code}").first() or bootstrap_account(
            username=f"t_cw_{node.code}", password="Test-pass-123", role=Role.COMMUNITY_WORKER, node=node)
    dwelling = registry.get_or_create_dwelling(actor=cw, building=world.nodes[building], unit="2", room="501")
    household = registry.create_household(actor=cw, number=number, node=world.nodes[building], dwelling=dwelling)
    resident, _warnings = registry.register_resident(actor=cw, household=household, name=name,
                                                     id_number=id_number(id17), phone=phone, relation="head")
    return resident


def issue(world, type_code="ZM01", community="C1", user="window_clerk", **kwargs):
    types = ensure_certificate_types(world.nodes["D1"])
    kwargs.setdefault("purpose", "办理子女入学")
    if "resident" not in kwargs:
        kwargs.setdefault("holder_name", "李建国")
    return sc.issue_certificate(actor=world.user(user), type=types[type_code], community=world.nodes[community],
                                **kwargs)


def test_seed_is_idempotent_and_every_wording_renders(sworld):
    types = ensure_certificate_types(sworld.nodes["D1"])
    assert len(types) == len(CERTIFICATE_TYPES) >= 6
    assert {"居住证明", "家庭成员关系证明", "家庭经济困难证明"} <= {t.name for t in types.values()}
    assert ensure_certificate_types(sworld.nodes["D1"]) == types
    for t in types.values():
        sc.check_template(t.template)
        assert "{name}" in t.template and "{id_number}" in t.template


def test_issue_for_a_resident_masks_the_id_number_and_writes_the_household_file(sworld):
    resident = make_resident(sworld)
    cert = issue(sworld, resident=resident, at=dt.datetime(2026, 11, 20, 10, tzinfo=TZ))
    full = id_number()
    assert cert.holder_name == "王秀英" and cert.holder_id_masked == full[:6] + "********" + full[-4:]
    assert full not in cert.body and cert.holder_id_masked in cert.body
    assert "2单元501" in cert.body and "办理子女入学" in cert.body
    assert cert.serial == "ZM510199001001202600001" and len(cert.verify_code) == 12
    assert cert.community_id == sworld.nodes["C1"].pk and cert.household == resident.household
    entry = HouseholdTimelineEntry.objects.get(household=resident.household, kind="servicedesk.certificate")
    assert cert.serial in entry.title and entry.object_id == str(cert.pk)
    audit = AuditEntry.objects.get(action="servicedesk.certificate.issued", object_id=str(cert.pk))
    assert full not in str(audit.changes)


def test_serials_run_per_community_and_year(sworld):
    a = issue(sworld, at=dt.datetime(2026, 3, 1, 10, tzinfo=TZ))
    b = issue(sworld, at=dt.datetime(2026, 3, 2, 10, tzinfo=TZ))
    d = issue(sworld, at=dt.datetime(2027, 1, 5, 10, tzinfo=TZ))
    assert [a.serial, b.serial, d.serial] == [
        "ZM510199001001202600001", "ZM510199001001202600002", "ZM510199001001202700001"]
    # another community counts from 1 (issued by its own window: the community worker of C1 cannot)
    from sanshe.accounts.roles import Role
    from sanshe.core.testing import bootstrap_account

    bootstrap_account(username="t_clerk_c2", password="Test-pass-123", role=Role.WINDOW_CLERK,
                      node=sworld.nodes["C2"])
    from sanshe.accounts.models import User

    types = ensure_certificate_types(sworld.nodes["D1"])
    c = sc.issue_certificate(actor=User.objects.get(username="t_clerk_c2"), type=types["ZM02"],
                             community=sworld.nodes["C2"], holder_name="赵六", purpose="落户",
                             at=dt.datetime(2026, 3, 2, 10, tzinfo=TZ))
    assert c.serial == "ZM510199001002202600001"
    assert len({x.verify_code for x in (a, b, d)}) == 3


def test_typed_holder_id_number_is_validated_and_masked(sworld):
    with pytest.raises(ValidationError) as exc:
        issue(sworld, holder_name="", holder_id_number="123", purpose="")
    assert {"holder_name", "holder_id_number", "purpose"} <= set(exc.value.message_dict)
    cert = issue(sworld, holder_name="李建国", holder_id_number=id_number("51019919700505001"),
                 address="和平路8号")
    assert cert.resident is None and cert.household is None
    assert id_number("51019919700505001") not in cert.body and "和平路8号" in cert.body


def test_scoping_and_permissions(sworld):
    with pytest.raises(OutOfScope):
        issue(sworld, community="C2")  # the window clerk is at C1
    with pytest.raises(Denied):
        issue(sworld, user="street_official")  # can view, cannot certify
    outsider = make_resident(sworld, building="B3", number="H9", name="钱七", id17="51019919800101456",
                             phone="13900003333")  # B3 is in G3 of C2
    with pytest.raises(OutOfScope):
        issue(sworld, resident=outsider)
    gone = make_resident(sworld, number="H2", name="孙八", id17="51019919500101789", phone="13900004444")
    registry.record_death(gone, actor=sworld.user("community_worker"), date=dt.date(2026, 1, 5))
    with pytest.raises(ValidationError) as exc:
        issue(sworld, type_code="ZM07", resident=gone)  # no 健在证明 for someone who died
    assert "resident" in exc.value.message_dict
    types = ensure_certificate_types(sworld.nodes["D1"])
    types["ZM01"].is_active = False
    types["ZM01"].save()
    with pytest.raises(ValidationError):
        issue(sworld)


def test_revoke(sworld):
    resident = make_resident(sworld)
    cert = issue(sworld, resident=resident)
    clerk = sworld.user("window_clerk")
    with pytest.raises(ValidationError):
        sc.revoke_certificate(cert, actor=clerk, reason=" ")
    cert = sc.revoke_certificate(cert, actor=clerk, reason="身份证号码有误")
    assert cert.revoked_at is not None and cert.revoke_reason == "身份证号码有误"
    with pytest.raises(ValidationError):
        sc.revoke_certificate(cert, actor=clerk, reason="again")
    assert HouseholdTimelineEntry.objects.filter(kind="servicedesk.certificate").count() == 2
    assert AuditEntry.objects.filter(action="servicedesk.certificate.revoked").count() == 1
    other = issue(sworld)
    with pytest.raises(Denied):
        sc.revoke_certificate(other, actor=sworld.user("street_official"), reason="x")
    Certificate.objects.filter(pk=other.pk).update(community=sworld.nodes["C2"])
    with pytest.raises(OutOfScope):
        sc.revoke_certificate(other, actor=clerk, reason="x")


def test_certificate_types_are_edited_by_district_admins(sworld):
    admin = sworld.user("district_admin")
    t = sc.save_type(actor=admin, district=sworld.nodes["D1"], code="ZM99", name="测试证明",
                     template="兹证明{name}。")
    assert t.pk and AuditEntry.objects.filter(action="servicedesk.certificate_type.created").exists()
    with pytest.raises(ValidationError) as exc:
        sc.save_type(actor=admin, district=sworld.nodes["D1"], type=t, code="ZM99", name="测试证明",
                     template="兹证明{name")
    assert "template" in exc.value.message_dict
    with pytest.raises(Denied):
        sc.save_type(actor=sworld.user("window_clerk"), district=sworld.nodes["D1"], code="ZM98", name="x",
                     template="x")
    with pytest.raises(OutOfScope):
        sc.save_type(actor=admin, district=sworld.nodes["D2"], code="ZM98", name="x", template="x")


@pytest.mark.django_db(transaction=True)
def test_concurrent_issuance_draws_distinct_serials_in_sequence():
    import threading

    from django.db import connection, connections

    if connection.vendor == "sqlite" and "memory" in str(connection.settings_dict["NAME"]):
        pytest.skip("an in-memory SQLite database is not shared between threads")
    from sanshe.core.testing import build_world
    from sanshe.servicedesk.testing import build_servicedesk

    world = build_servicedesk(build_world())
    types = ensure_certificate_types(world.nodes["D1"])
    barrier = threading.Barrier(5)
    errors: list = []

    def worker(i):
        try:
            barrier.wait()
            sc.issue_certificate(actor=world.user("window_clerk"), type=types["ZM01"], community=world.nodes["C1"],
                                 holder_name=f"居民{i}", purpose="并发")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    year = Certificate.objects.first().issued_at.year
    serials = sorted(Certificate.objects.values_list("serial", flat=True))
    assert serials == [f"ZM510199001001{year}{n:05d}" for n in range(1, 6)]
