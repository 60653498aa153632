"""Disputes: registering, risk-level alerts, the transition table and its refusals, scoping, attachments."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from sanshe.accounts.models import Notification
from sanshe.core.exceptions import Denied, OutOfScope
from sanshe.core.models import AuditEntry
from sanshe.gridops import services_disputes as sd
from sanshe.gridops.models import Dispute, DisputeParty, DisputeStep
from sanshe.gridops.models.disputes import DisputeAction, DisputeState, RiskLevel, SettledLevel
from sanshe.gridops.testing import PNG, report
from sanshe.territory import registry

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def register(w, *, user="grid_worker", node="G1", risk=RiskLevel.YELLOW, **kwargs):
    kwargs.setdefault("parties", [{"role": "applicant", "name": "张三", "phone": "13800001234"},
                                  {"role": "respondent", "name": "李四"}])
    return sd.register_dispute(actor=w.user(user), node=w.nodes[node], kind="neighbour",
                               summary="楼上漏水，楼下住户要求赔偿", risk_level=risk, **kwargs)


def test_register_yellow_no_alert_and_parties_masked(gworld):
    d = register(gworld)
    assert d.number.startswith("JF") and d.state == DisputeState.ACCEPTED and d.accepted
    assert (d.district_id, d.street_id, d.community_id, d.grid_id) == (
        gworld.nodes["D1"].pk, gworld.nodes["S1"].pk, gworld.nodes["C1"].pk, gworld.nodes["G1"].pk)
    assert d.level == SettledLevel.GRID and d.alerted_at is None
    parties = list(d.parties.all())
    assert [p.phone_masked for p in parties] == ["138****1234", ""]
    assert parties[0].phone == "13800001234"
    assert not Notification.objects.exists()
    entry = AuditEntry.objects.filter(action="gridops.dispute.registered").get()
    assert "13800001234" not in str(entry.changes)


def test_red_alerts_street_and_district_at_once(gworld):
    d = register(gworld, risk=RiskLevel.RED)
    users = set(Notification.objects.values_list("user__username", flat=True))
    assert {"t_street_official", "t_district_admin"} <= users
    assert "t_community_worker" not in users
    assert d.alerted_at is not None and d.alert_due_at == d.alerted_at


def test_orange_alerts_the_street_the_same_day(gworld):
    d = register(gworld, risk=RiskLevel.ORANGE)
    users = set(Notification.objects.values_list("user__username", flat=True))
    assert "t_street_official" in users and "t_district_admin" not in users
    due = timezone.localtime(d.alert_due_at)
    assert due.date() == timezone.localtime(d.found_at).date() and due.hour == 23
    assert f"{due:%Y-%m-%d %H:%M}" in Notification.objects.get(user__username="t_street_official").title


def test_yellow_settled_on_the_spot(gworld):
    d = register(gworld, settle_now=True, outcome="当场调解，楼上同意维修")
    assert d.state == DisputeState.RESOLVED and d.settled_level == SettledLevel.GRID and d.settled_at
    assert d.resolved_inside_community
    assert list(d.steps.values_list("action", flat=True)) == ["register", "resolve"]


def test_red_cannot_be_settled_on_the_spot(gworld):
    with pytest.raises(ValidationError) as exc:
        register(gworld, risk=RiskLevel.RED, settle_now=True, outcome="x")
    assert "settle_now" in exc.value.message_dict


def test_register_refusals(gworld):
    w = gworld
    with pytest.raises(ValidationError) as exc:
        sd.register_dispute(actor=w.user("grid_worker"), node=w.nodes["G1"], kind="nope", summary="",
                            risk_level="purple", parties=[{"name": "", "role": "applicant"},
                                                          {"name": "王五", "phone": "123"}])
    errors = exc.value.message_dict
    assert {"kind", "summary", "risk_level", "parties"} <= set(errors)
    with pytest.raises(ValidationError) as exc:
        register(w, node="G2")  # the grid worker's grant is G1
    assert "node" in exc.value.message_dict
    with pytest.raises(Denied):
        register(w, user="supervisor")  # can view disputes, not manage them
    with pytest.raises(ValidationError):
        register(w, parties=[])


def test_party_from_the_registry(gworld):
    w = gworld
    household = registry.create_household(actor=w.user("community_worker"), number="H1", node=w.nodes["B1"])
    resident, _ = registry.register_resident(actor=w.user("community_worker"), household=household,
                                             name="赵六", phone="13900002222", relation="head")
    d = register(w, parties=[{"role": "applicant", "resident": resident.pk}, {"role": "respondent",
                                                                               "name": "物业公司"}])
    party = d.parties.get(role="applicant")
    assert party.resident == resident and party.name == "赵六" and party.phone_masked == "139****2222"
    outside_hh = registry.create_household(actor=w.user("community_worker"), number="H2", node=w.nodes["B2"])
    outsider, _ = registry.register_resident(actor=w.user("community_worker"), household=outside_hh, name="钱七",
                                             relation="head")
    with pytest.raises(ValidationError) as exc:
        register(w, parties=[{"role": "applicant", "resident": outsider.pk}])
    assert "parties" in exc.value.message_dict


def test_full_workflow_and_history(gworld):
    w = gworld
    d = register(w, risk=RiskLevel.ORANGE)
    gw = w.user("grid_worker")
    s = sd.record_session(d, actor=gw, held_on=timezone.localdate(), minutes="双方陈述，约定下周再谈",
                          result="continue", mediator=gw, participants="张三、李四")
    d.refresh_from_db()
    assert d.state == DisputeState.MEDIATING and d.session_count == 1 and s.mediator_name
    d = sd.transition_dispute(d, DisputeAction.ESCALATE, actor=gw, note="网格调解未果，上报社区")
    assert d.level == SettledLevel.COMMUNITY
    assert Notification.objects.filter(user__username="t_community_worker", kind="gridops.dispute.escalate").exists()
    cw = w.user("community_worker")
    sd.record_session(d, actor=cw, held_on=timezone.localdate(), minutes="达成协议，赔偿2000元",
                      result="agreed", mediator_name="社区人民调解委员会 王主任")
    d = sd.transition_dispute(d, DisputeAction.RESOLVE, actor=cw, outcome="达成协议，赔偿2000元")
    assert d.state == DisputeState.RESOLVED and d.settled_level == SettledLevel.COMMUNITY and d.settled_at
    assert list(DisputeStep.objects.filter(dispute=d).values_list("action", flat=True)) == [
        "register", "mediate", "session", "escalate", "session", "resolve"]
    assert AuditEntry.objects.filter(action="gridops.dispute.resolve").exists()
    # final: no more steps
    with pytest.raises(ValidationError):
        sd.transition_dispute(d, DisputeAction.FAIL, actor=cw, note="x")
    with pytest.raises(ValidationError):
        sd.record_session(d, actor=cw, held_on=timezone.localdate(), minutes="x", mediator_name="x")


@pytest.mark.parametrize("action,state", [
    (DisputeAction.FAIL, DisputeState.UNRESOLVED), (DisputeAction.LITIGATION, DisputeState.LITIGATION),
    (DisputeAction.ARBITRATION, DisputeState.ARBITRATION), (DisputeAction.PETITION, DisputeState.PETITION),
    (DisputeAction.DECLINE, DisputeState.NOT_ACCEPTED)])
def test_final_states(gworld, action, state):
    d = register(gworld)
    with pytest.raises(ValidationError) as exc:
        sd.transition_dispute(d, action, actor=gworld.user("grid_worker"))
    assert "note" in exc.value.message_dict
    d = sd.transition_dispute(d, action, actor=gworld.user("grid_worker"), note="理由")
    assert d.state == state and d.settled_at and d.settled_level == ""
    assert d.accepted == (action != DisputeAction.DECLINE)


def test_referral_after_unresolved_and_refusals(gworld):
    d = register(gworld)
    gw = gworld.user("grid_worker")
    d = sd.transition_dispute(d, DisputeAction.FAIL, actor=gw, note="调解不成")
    d = sd.transition_dispute(d, DisputeAction.LITIGATION, actor=gw, note="当事人起诉")
    assert d.state == DisputeState.LITIGATION
    with pytest.raises(ValidationError):
        sd.transition_dispute(d, DisputeAction.RESOLVE, actor=gw, outcome="x")
    with pytest.raises(ValidationError):
        sd.transition_dispute(d, "fly", actor=gw)
    d2 = register(gworld)
    with pytest.raises(ValidationError) as exc:
        sd.transition_dispute(d2, DisputeAction.RESOLVE, actor=gw)
    assert "outcome" in exc.value.message_dict


def test_escalate_to_the_top_then_refused(gworld):
    d = register(gworld, user="district_admin", node="C1")
    assert d.level == SettledLevel.DISTRICT
    with pytest.raises(ValidationError):
        sd.transition_dispute(d, DisputeAction.ESCALATE, actor=gworld.user("district_admin"), note="x")
    assert DisputeAction.ESCALATE not in sd.allowed_actions(d, gworld.user("district_admin"))


def test_scoping(gworld):
    w = gworld
    d = register(w)
    assert Dispute.objects.visible_to(w.user("grid_worker")).filter(pk=d.pk).exists()
    assert Dispute.objects.visible_to(w.user("street_official")).filter(pk=d.pk).exists()
    assert Dispute.objects.visible_to(w.user("supervisor")).filter(pk=d.pk).exists()
    assert not Dispute.objects.visible_to(w.user("handler")).filter(pk=d.pk).exists()
    other = register(w, user="district_admin", node="G2")
    assert not Dispute.objects.visible_to(w.user("grid_worker")).filter(pk=other.pk).exists()
    with pytest.raises(OutOfScope):
        sd.transition_dispute(other, DisputeAction.FAIL, actor=w.user("grid_worker"), note="x")
    with pytest.raises(Denied):
        sd.transition_dispute(d, DisputeAction.FAIL, actor=w.user("supervisor"), note="x")
    assert sd.allowed_actions(other, w.user("grid_worker")) == []


def test_attachments_checked_by_magic_bytes(gworld):
    d = register(gworld)
    gw = gworld.user("grid_worker")
    a = sd.add_attachment(d, actor=gw, file=PDF, name="协议书.pdf")
    assert a.content_type == "application/pdf" and len(a.sha256) == 64 and a.original_name == "协议书.pdf"
    assert sd.add_attachment(d, actor=gw, file=PNG).content_type == "image/png"
    with pytest.raises(ValidationError) as exc:
        sd.add_attachment(d, actor=gw, file=b"MZ\x90\x00 not a pdf", name="x.pdf")
    assert "file" in exc.value.message_dict


def test_dispute_from_an_event(gworld):
    w = gworld
    cat = next(c for c in w.categories.values() if c.is_dispute and c.parent_id)
    event = report(w, category=cat.code)
    d = sd.register_dispute(actor=w.user("grid_worker"), node=None, event=event, kind="neighbour",
                            summary="由事件转入", parties=[{"name": "张三"}])
    assert d.event == event and d.grid_id == event.grid_id
    with pytest.raises(ValidationError):
        sd.register_dispute(actor=w.user("grid_worker"), node=None, event=event, kind="neighbour",
                            summary="再次", parties=[{"name": "张三"}])
    plain = report(w, category="0301")
    with pytest.raises(ValidationError):
        sd.register_dispute(actor=w.user("grid_worker"), node=None, event=plain, kind="neighbour",
                            summary="x", parties=[{"name": "张三"}])


def test_idempotent_register(gworld):
    a = register(gworld, submission_key="k-1")
    b = register(gworld, submission_key="k-1")
    assert a.pk == b.pk and Dispute.objects.count() == 1 and DisputeParty.objects.count() == 2


def test_change_risk_alerts(gworld):
    d = register(gworld)
    d = sd.change_risk(d, actor=gworld.user("grid_worker"), risk_level=RiskLevel.RED, note="当事人情绪激动")
    assert d.risk_level == RiskLevel.RED and d.alerted_at
    assert Notification.objects.filter(user__username="t_district_admin").exists()


def test_ledger_rows(gworld):
    d = register(gworld, found_at=timezone.now() - dt.timedelta(days=3))
    sd.record_session(d, actor=gworld.user("grid_worker"), held_on=timezone.localdate(), minutes="调解",
                      mediator_name="王调解员", result="agreed")
    sd.transition_dispute(d, DisputeAction.RESOLVE, actor=gworld.user("grid_worker"), outcome="已赔偿")
    rows = list(sd.ledger_rows(Dispute.objects.all()))
    assert len(rows) == 1 and len(rows[0]) == len(sd.ledger_columns()) == 10
    row = rows[0]
    assert row[0] == 1 and "张三" in row[3] and "李四" in row[3] and row[6] == "王调解员"
    assert "已赔偿" in row[7] and row[9] == timezone.localdate()
