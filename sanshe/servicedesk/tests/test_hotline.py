"""The 12343 hotline and the message box: workflow, 并单, hand-offs, figures, scoping, public pages."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from sanshe.accounts.roles import Perm
from sanshe.core import crypto
from sanshe.core.exceptions import Denied, OutOfScope
from sanshe.core.testing import PASSWORD, bootstrap_account, login_as
from sanshe.gridops.choices import EventState, Source
from sanshe.gridops.models import Event
from sanshe.gridops.workcalendar import Calendar
from sanshe.servicedesk import services
from sanshe.servicedesk import services_hotline as sh
from sanshe.servicedesk.choices_hotline import (
    TIME_LIMIT_DAYS,
    TRANSITIONS,
    CallAction,
    CallState,
    MessageKind,
    MessageState,
)
from sanshe.servicedesk.models_hotline import HotlineCall, HotlineStep, Message
from sanshe.servicedesk.testing_hotline import PHONE, build_hotline, call, make_resident
from sanshe.territory.models import HouseholdTimelineEntry


@pytest.fixture
def hworld(sworld):
    return build_hotline(sworld)


def op(world):
    return world.user("hotline_operator")


def answer(world, c, **kw):
    return sh.transition(c, CallAction.ANSWER, actor=op(world), answer="已告知报修电话", **kw)


# --- recording -----------------------------------------------------------------------------------------------
def test_record_finds_the_caller_in_the_registry_and_masks_the_phone(hworld):
    c = call(hworld)
    assert c.number.startswith("RX") and c.state == CallState.NEW
    assert c.resident == hworld.resident and c.household == hworld.resident.household
    assert c.caller_phone_masked == "139****5678" and c.caller_phone_index == crypto.blind_index(PHONE)
    assert HotlineCall.objects.get(pk=c.pk).caller_phone == PHONE
    assert c.district == hworld.nodes["D1"] and c.street == hworld.nodes["S1"] and c.community == hworld.nodes["C1"]
    expected = Calendar.for_district(c.district_id).deadline(c.received_at, TIME_LIMIT_DAYS["help"], "working_days")
    assert c.deadline == expected
    assert [s.action for s in c.steps.all()] == [CallAction.RECORD]
    assert HouseholdTimelineEntry.objects.filter(household=c.household, kind="servicedesk.hotline").count() == 1


def test_record_refuses_missing_fields_with_field_errors(hworld):
    with pytest.raises(ValidationError) as exc:
        sh.record_call(actor=op(hworld), community=hworld.nodes["S1"], caller_name="", phone="123",
                       content="", category="nonsense")
    assert set(exc.value.message_dict) >= {"caller_name", "content", "category", "community", "phone"}


def test_record_needs_the_permission_and_the_territory(hworld):
    with pytest.raises(Denied):
        call(hworld, user="grid_worker")
    with pytest.raises(ValidationError) as exc:
        call(hworld, community="C4")
    assert "community" in exc.value.message_dict


def test_a_caller_of_another_community_is_not_linked_to_the_household(hworld):
    c = call(hworld, community="C2")
    assert c.resident is None and c.household is None


# --- the workflow --------------------------------------------------------------------------------------------
def test_answer_follow_up_close(hworld):
    c = call(hworld)
    c = answer(hworld, c)
    assert c.state == CallState.ANSWERED and c.resolved_at and c.on_time is True
    assert sh.due_for_follow_up(c)
    c = sh.transition(c, CallAction.FOLLOW_UP, actor=op(hworld), reached=True, rating="satisfied", note="很满意")
    assert c.state == CallState.FOLLOWED_UP and c.rating == "satisfied" and c.reached is True
    c = sh.transition(c, CallAction.CLOSE, actor=op(hworld))
    assert c.state == CallState.CLOSED and c.closed_at
    assert [s.action for s in c.steps.all()] == ["record", "answer", "follow_up", "close"]
    assert [(s.from_state, s.to_state) for s in c.steps.all()][1:] == [
        ("new", "answered"), ("answered", "followed_up"), ("followed_up", "closed")]


def test_every_action_is_refused_from_a_state_not_in_its_sources(hworld):
    for state in CallState.values:
        for action, step in TRANSITIONS.items():
            if state in step.sources:
                continue
            c = call(hworld, phone="")
            HotlineCall.objects.filter(pk=c.pk).update(state=state, master=c if state == "merged" else None)
            with pytest.raises(ValidationError) as exc:
                sh.transition(c, action, actor=op(hworld), note="x", answer="x")
            assert "action" in exc.value.message_dict, (state, action)


def test_refusals_with_reasons(hworld):
    c = call(hworld)
    with pytest.raises(ValidationError) as exc:
        sh.transition(c, CallAction.ANSWER, actor=op(hworld), answer="")
    assert "answer" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        sh.transition(c, CallAction.TO_EVENT, actor=op(hworld))
    assert "event_category" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        sh.transition(c, CallAction.TO_APPLICATION, actor=op(hworld))
    assert "item" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        sh.transition(c, CallAction.MERGE, actor=op(hworld))
    assert "master" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        sh.transition(c, CallAction.COMMENT, actor=op(hworld))
    assert "note" in exc.value.message_dict
    c = answer(hworld, c)
    with pytest.raises(ValidationError) as exc:
        sh.transition(c, CallAction.FOLLOW_UP, actor=op(hworld))
    assert "reached" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        sh.transition(c, CallAction.FOLLOW_UP, actor=op(hworld), reached=True)
    assert "rating" in exc.value.message_dict
    c = sh.transition(c, CallAction.FOLLOW_UP, actor=op(hworld), reached=False, note="无人接听")
    assert c.state == CallState.FOLLOWED_UP and c.rating == "" and c.reached is False
    assert HotlineCall.objects.get(pk=c.pk).state == CallState.FOLLOWED_UP


def test_other_roles_cannot_take_steps(hworld):
    c = call(hworld)
    with pytest.raises(Denied):
        sh.transition(c, CallAction.ANSWER, actor=hworld.user("community_worker"), answer="x")
    assert sh.allowed_actions(c, hworld.user("community_worker")) == []
    assert "answer" in sh.allowed_actions(c, op(hworld))


# --- hand-offs -----------------------------------------------------------------------------------------------
def test_to_event_reports_a_hotline_event_and_the_call_follows_it(hworld):
    c = call(hworld)
    c = sh.transition(c, CallAction.TO_EVENT, actor=op(hworld), event_category=hworld.categories["0301"])
    event = c.event
    assert c.state == CallState.TRANSFERRED and c.hand_off == "event"
    assert event.source == Source.HOTLINE and event.description == c.content
    assert event.reporter_name == "王建国" and event.reporter_phone == PHONE and event.community_id == c.community_id
    assert event.household == c.household
    assert not sh.due_for_follow_up(c) and "follow_up" not in sh.allowed_actions(c, op(hworld))
    with pytest.raises(ValidationError):
        sh.transition(c, CallAction.FOLLOW_UP, actor=op(hworld), reached=True, rating="satisfied")
    closed_at = timezone.now()
    Event.objects.filter(pk=event.pk).update(state=EventState.CLOSED, closed_at=closed_at)
    c = HotlineCall.objects.get(pk=c.pk)
    assert sh.due_for_follow_up(c)
    c = sh.transition(c, CallAction.FOLLOW_UP, actor=op(hworld), reached=True, rating="fairly_satisfied")
    assert c.resolved_at == closed_at and c.on_time is (closed_at <= c.deadline)


def test_to_application_is_accepted_at_the_callers_community_station(hworld):
    c = call(hworld)
    c = sh.transition(c, CallAction.TO_APPLICATION, actor=op(hworld), item=hworld.items["retire"])
    app = c.application
    assert c.state == CallState.TRANSFERRED and c.hand_off == "application"
    assert app.station == hworld.stations["C1"] and app.applicant_name == "王建国"
    # the operator does not read the registry: the application carries the caller's name and phone
    assert app.applicant_phone == PHONE and app.resident is None
    assert not sh.due_for_follow_up(c)
    services.transition(app, "complete", actor=hworld.user("dept_handler"))
    c = HotlineCall.objects.get(pk=c.pk)
    assert sh.due_for_follow_up(c)


def test_to_application_refused_without_a_station(hworld):
    c = call(hworld, community="C3")
    with pytest.raises(ValidationError) as exc:
        sh.transition(c, CallAction.TO_APPLICATION, actor=op(hworld), item=hworld.items["retire"])
    assert "station" in exc.value.message_dict
    assert HotlineCall.objects.get(pk=c.pk).state == CallState.NEW


def test_to_need_places_a_hotline_need(hworld):
    if not sh.orders_available():
        pytest.skip("the 五单法 orders module (services_orders.place_need) is not there yet")
    c = call(hworld)
    c = sh.transition(c, CallAction.TO_NEED, actor=op(hworld), title="楼道灯维修")
    assert c.state == CallState.TRANSFERRED and c.hand_off == "need" and c.need_id
    need = sh.need_of(c)
    assert need is not None and str(need.source) == "hotline"


def test_to_need_is_refused_cleanly_when_orders_are_absent(hworld, monkeypatch):
    monkeypatch.setattr(sh, "_orders", lambda: None)
    c = call(hworld)
    assert "to_need" not in sh.allowed_actions(c, op(hworld))
    with pytest.raises(ValidationError):
        sh.transition(c, CallAction.TO_NEED, actor=op(hworld))
    assert HotlineCall.objects.get(pk=c.pk).state == CallState.NEW


# --- 并单 ----------------------------------------------------------------------------------------------------
def test_repeats_by_phone_and_by_household(hworld):
    first = call(hworld)
    # same phone, typed differently
    assert [c.pk for c in sh.possible_repeats(actor=op(hworld), phone="139-1234-5678")] == [first.pk]
    # another member of the household on another phone
    other = make_resident(hworld, name="王小明", phone="13700001111")
    other.household = hworld.resident.household
    other.save()
    second = call(hworld, name="王小明", phone="13700001111")
    assert second.household == first.household
    found = sh.possible_repeats(actor=op(hworld), phone=second.caller_phone, household=second.household,
                                exclude_pk=second.pk)
    assert [c.pk for c in found] == [first.pk]
    # older than 30 days, or closed: not offered
    HotlineCall.objects.filter(pk=first.pk).update(received_at=timezone.now() - dt.timedelta(days=31))
    assert sh.possible_repeats(actor=op(hworld), phone=PHONE, exclude_pk=second.pk) == []
    # another district's operator sees none
    other_op = bootstrap_account(username="t_op2", password=PASSWORD, role="hotline_operator",
                                 node=hworld.nodes["D2"], full_name="邻区话务员")
    assert sh.possible_repeats(actor=other_op, phone=PHONE) == []


def test_merge_follows_the_master(hworld):
    master = call(hworld)
    repeat = call(hworld, content="还是楼道灯的事")
    repeat = sh.transition(repeat, CallAction.MERGE, actor=op(hworld), master=master)
    assert repeat.state == CallState.MERGED and repeat.master == master
    assert not sh.due_for_follow_up(repeat)
    assert HotlineStep.objects.filter(call=master, action="comment").exists()
    third = call(hworld, content="第三次")
    third = sh.transition(third, CallAction.MERGE, actor=op(hworld), master=repeat)
    assert third.master == master  # merged into the master, not into the merged one
    answer(hworld, master)
    repeat = HotlineCall.objects.get(pk=repeat.pk)
    assert sh.due_for_follow_up(repeat)
    repeat = sh.transition(repeat, CallAction.FOLLOW_UP, actor=op(hworld), reached=True, rating="satisfied")
    assert repeat.resolved_at == HotlineCall.objects.get(pk=master.pk).resolved_at
    with pytest.raises(ValidationError):
        sh.transition(call(hworld), CallAction.MERGE, actor=op(hworld),
                      master=HotlineCall.objects.get(pk=repeat.pk))


def test_merge_into_itself_refused(hworld):
    c = call(hworld)
    with pytest.raises(ValidationError):
        sh.transition(c, CallAction.MERGE, actor=op(hworld), master=c)


# --- figures -------------------------------------------------------------------------------------------------
def test_figures_against_an_independent_count(hworld):
    now = timezone.now()
    cal = Calendar.for_district(hworld.nodes["D1"].pk)
    made = []
    for i, (category, late, outcome) in enumerate([
            ("consult", False, ("satisfied",)), ("help", True, ("dissatisfied",)), ("complaint", False, (None,)),
            ("praise", False, ()), ("suggestion", False, ("fairly_satisfied",)), ("help", False, "open")]):
        received = now - dt.timedelta(days=20 - i)
        c = call(hworld, category=category, phone="", received_at=received)
        if outcome == "open":
            made.append((c, None, None, None))
            continue
        deadline = cal.deadline(received, TIME_LIMIT_DAYS[category], "working_days")
        at = deadline + dt.timedelta(hours=3) if late else received + dt.timedelta(minutes=30)
        c = sh.transition(c, CallAction.ANSWER, actor=op(hworld), answer="答复", at=at)
        rating = None
        if outcome:
            rating = outcome[0]
            c = sh.transition(c, CallAction.FOLLOW_UP, actor=op(hworld), reached=rating is not None,
                              rating=rating or "", at=at + dt.timedelta(days=1))
        made.append((c, at, deadline, rating if outcome else "none"))
    f = sh.figures(op(hworld))
    settled = [m for m in made if m[1] is not None]
    on_time = [m for m in settled if m[1] <= m[2]]
    followed = [m for m in settled if m[3] != "none"]
    rated = [m for m in made if m[3] not in (None, "none")]
    happy = [m for m in rated if m[3] in ("satisfied", "fairly_satisfied")]
    assert f.calls == 6 and f.settled == len(settled) == 5
    assert f.on_time_rate == round(100 * len(on_time) / len(settled), 1) == 80.0
    assert f.follow_up_rate == round(100 * len(followed) / len(settled), 1) == 80.0
    assert f.satisfaction_rate == round(100 * len(happy) / len(rated), 1) == pytest.approx(66.7)
    other_op = bootstrap_account(username="t_op3", password=PASSWORD, role="hotline_operator",
                                 node=hworld.nodes["D2"], full_name="邻区话务员")
    assert sh.figures(other_op).calls == 0


# --- pages and scoping ---------------------------------------------------------------------------------------
def test_desk_records_and_the_call_page_decides(client, hworld):
    login_as(client, op(hworld))
    page = client.get(reverse("servicedesk:hotline_desk"))
    assert page.status_code == 200 and "hotline-figures" in page.content.decode()
    response = client.post(reverse("servicedesk:hotline_desk"), {
        "caller_name": "李阿姨", "phone": PHONE, "community": hworld.nodes["C1"].pk, "category": "help",
        "content": "下水道堵了"})
    assert response.status_code == 302
    c = HotlineCall.objects.get(caller_name="李阿姨")
    first = call(hworld, content="更早的一次")  # a repeat candidate appears on the page
    page = client.get(reverse("servicedesk:hotline_call", args=[c.pk])).content.decode()
    assert first.number in page and PHONE not in page and "139****5678" in page
    response = client.post(reverse("servicedesk:hotline_call", args=[c.pk]), {
        "action": "to_event", "event_category": hworld.categories["0301"].pk})
    assert response.status_code == 302
    c.refresh_from_db()
    assert c.event.source == Source.HOTLINE
    bad = client.post(reverse("servicedesk:hotline_call", args=[first.pk]), {"action": "answer", "answer": ""})
    assert bad.status_code == 200 and "has-error" in bad.content.decode()


def test_the_desk_offers_repeats_while_the_phone_is_typed(client, hworld):
    first = call(hworld)
    login_as(client, op(hworld))
    url = reverse("servicedesk:hotline_repeats")
    page = client.get(url, {"phone": "139 1234 5678", "community": hworld.nodes["C1"].pk}).content.decode()
    assert first.number in page and "repeats-found" in page
    page = client.get(url, {"phone": "13000000000", "community": hworld.nodes["C1"].pk}).content.decode()
    assert first.number not in page and "repeats-none" in page


def test_the_other_districts_operator_gets_404(client, hworld):
    c = call(hworld)
    other_op = bootstrap_account(username="t_op4", password=PASSWORD, role="hotline_operator",
                                 node=hworld.nodes["D2"], full_name="邻区话务员")
    login_as(client, other_op)
    assert client.get(reverse("servicedesk:hotline_call", args=[c.pk])).status_code == 404
    assert client.post(reverse("servicedesk:hotline_call", args=[c.pk]),
                       {"action": "answer", "answer": "x"}).status_code == 404
    with pytest.raises(OutOfScope):
        sh.transition(c, CallAction.ANSWER, actor=other_op, answer="x")
    assert c.number not in client.get(reverse("servicedesk:hotline_list")).content.decode()


# --- messages ------------------------------------------------------------------------------------------------
def test_message_to_a_community_answered_by_its_worker_only(hworld):
    m = sh.leave_message(node=hworld.nodes["C1"], kind=MessageKind.MESSAGE, subject="小区停车难",
                         content="晚上车位不够", name="王建国", phone=PHONE)
    assert m.community == hworld.nodes["C1"] and m.household == hworld.resident.household
    assert m.author_phone_masked == "139****5678"
    assert HouseholdTimelineEntry.objects.filter(household=m.household, kind="servicedesk.message").exists()
    elsewhere = sh.leave_message(node=hworld.nodes["C2"], kind=MessageKind.SUGGESTION, subject="建议增设健身器材",
                                 content="广场上可以放几件", name="张三", phone="13600001111")
    district = sh.leave_message(node=hworld.nodes["D1"], kind=MessageKind.MESSAGE, subject="区里的事",
                                content="给区里的留言", name="赵四", phone="13600002222")
    worker = hworld.user("community_worker")  # of 和平社区 (C1)
    visible = set(Message.objects.visible_to(worker, Perm.MESSAGES_ANSWER).values_list("pk", flat=True))
    assert m.pk in visible and elsewhere.pk not in visible and district.pk not in visible
    with pytest.raises(OutOfScope):
        sh.answer_message(elsewhere, actor=worker, answer="不归我答")
    m = sh.answer_message(m, actor=worker, answer="已协调夜间共享车位")
    assert m.state == MessageState.ANSWERED and m.answered_by == worker
    with pytest.raises(ValidationError):
        sh.answer_message(m, actor=worker, answer="再答一次")
    sh.answer_message(district, actor=op(hworld), answer="区里答复")  # district staff answer the district's


def test_message_validation(hworld):
    with pytest.raises(ValidationError) as exc:
        sh.leave_message(node=hworld.nodes["S1"], kind="x", subject="", content="", name="", phone="")
    assert set(exc.value.message_dict) >= {"node", "kind", "subject", "content", "name", "phone"}
    with pytest.raises(ValidationError) as exc:
        sh.answer_message(sh.leave_message(node=hworld.nodes["C1"], kind="message", subject="s", content="c",
                                           name="n", phone="13600003333"),
                          actor=hworld.user("community_worker"), answer=" ")
    assert "answer" in exc.value.message_dict


def test_public_pages_show_the_answer_without_personal_data(client, hworld):
    response = client.post(reverse("servicedesk:message_box"), {
        "kind": "suggestion", "node": hworld.nodes["C1"].pk, "name": "欧阳小明", "phone": "13655556666",
        "subject": "增设快递柜", "content": "小区快递太多没地方放", "is_public": "on"})
    assert response.status_code == 200 and "message-thanks" in response.content.decode()
    m = Message.objects.get(subject="增设快递柜")
    private = sh.leave_message(node=hworld.nodes["C1"], kind="message", subject="私事", content="不公开",
                               name="钱五", phone="13655557777", is_public=False)
    sh.answer_message(m, actor=hworld.user("community_worker"), answer="已联系物业安装")
    sh.answer_message(private, actor=hworld.user("community_worker"), answer="私下答复")
    page = client.get(reverse("servicedesk:message_answers")).content.decode()
    assert "增设快递柜" in page and "已联系物业安装" in page and "欧***" in page
    assert "欧阳小明" not in page and "13655556666" not in page and "6666" not in page
    assert "私事" not in page and "私下答复" not in page
    bad = client.post(reverse("servicedesk:message_box"), {"kind": "message", "node": hworld.nodes["C1"].pk,
                                                             "name": "无电话", "subject": "s", "content": "c"})
    assert bad.status_code == 200 and "has-error" in bad.content.decode()


def test_inbox_and_answer_page(client, hworld):
    m = sh.leave_message(node=hworld.nodes["C1"], kind="message", subject="噪音扰民", content="夜里装修",
                         name="孙六", phone="13655558888")
    login_as(client, hworld.user("community_worker"))
    page = client.get(reverse("servicedesk:message_inbox")).content.decode()
    assert "噪音扰民" in page and "13655558888" not in page
    response = client.post(reverse("servicedesk:message_detail", args=[m.pk]), {"answer": "已上门劝导"})
    assert response.status_code == 302
    m.refresh_from_db()
    assert m.state == MessageState.ANSWERED
