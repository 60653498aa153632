"""The event pages: report (idempotent, photos, territory), the desk, the handler's queue, the event page and its
one action view (refusals inline, nothing changed), residents' reports and rating, notifications."""

import uuid

import pytest
from django.urls import reverse

from sanshe.accounts.models import Notification
from sanshe.core.testing import login_as
from sanshe.gridops.choices import Action, EventState, Rating, Source
from sanshe.gridops.models import Event, EventPhoto, EventStep
from sanshe.gridops.services import report_event, transition
from sanshe.gridops.testing import PNG, report

pytestmark = pytest.mark.django_db


def client_as(client, world, role):
    client.logout()
    login_as(client, world.user(role))
    return client


def png_upload(name="p.png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, PNG, content_type="image/png")


def report_data(world, **extra):
    data = {"major": world.categories["0301"].parent_id, "category": world.categories["0301"].pk,
            "description": "小区门口垃圾桶满溢", "node": world.nodes["G1"].pk, "latitude": "30.650000",
            "longitude": "104.060000", "submission_key": uuid.uuid4().hex}
    data.update(extra)
    return data


def dispatched(world):
    event = report(world, latitude=30.65, longitude=104.06)
    desk = world.user("community_worker")
    event = transition(event, Action.FILE, actor=desk)
    return transition(event, Action.DISPATCH, actor=desk)


# --- reporting -------------------------------------------------------------------------------------------------
def test_report_form_renders_with_camera_input_and_key(client, gworld):
    client_as(client, gworld, "grid_worker")
    response = client.get(reverse("gridops:event_report"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'capture="environment"' in html and 'accept="image/*"' in html and "multiple" in html
    assert 'name="submission_key"' in html
    assert f'value="{gworld.nodes["G1"].pk}" selected' in html  # his grid by default
    territory = {n.pk for n in response.context["form"].territory_choices()}
    assert gworld.nodes["G1"].pk in territory and gworld.nodes["P1"].pk in territory
    assert gworld.nodes["G2"].pk not in territory and gworld.nodes["G5"].pk not in territory


def test_subcategories_follow_the_major_category(client, gworld):
    client_as(client, gworld, "grid_worker")
    sub = gworld.categories["0301"]
    response = client.get(reverse("gridops:event_subcategories"), {"major": sub.parent_id})
    html = response.content.decode()
    assert response.status_code == 200 and f'value="{sub.pk}"' in html
    other = next(c for c in gworld.categories.values() if c.parent_id and c.parent_id != sub.parent_id)
    assert f'value="{other.pk}"' not in html


def test_report_with_photo_stores_the_photo_with_the_event(client, gworld):
    client_as(client, gworld, "grid_worker")
    response = client.post(reverse("gridops:event_report"), {**report_data(gworld), "photos": [png_upload()]})
    assert response.status_code == 302
    event = Event.objects.get()
    assert response["Location"] == reverse("gridops:event_detail", args=[event.pk]) + "?submitted=1"
    assert event.source == Source.GRID and event.grid_id == gworld.nodes["G1"].pk
    photo = EventPhoto.objects.get(event=event)
    assert photo.step.action == Action.REPORT and photo.size == len(PNG)
    page = client.get(reverse("gridops:event_detail", args=[event.pk]))
    assert reverse("gridops:event_photo", args=[event.pk, photo.pk]) in page.content.decode()
    image = client.get(reverse("gridops:event_photo", args=[event.pk, photo.pk]))
    assert image.status_code == 200 and b"".join(image.streaming_content) == PNG


def test_retried_submission_with_the_same_key_creates_one_event(client, gworld):
    client_as(client, gworld, "grid_worker")
    data = report_data(gworld)
    first = client.post(reverse("gridops:event_report"), {**data, "photos": [png_upload()]})
    second = client.post(reverse("gridops:event_report"), {**data, "photos": [png_upload()]})
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Event.objects.count() == 1 and EventPhoto.objects.count() == 1


def test_grid_worker_cannot_report_in_another_grid(client, gworld):
    client_as(client, gworld, "grid_worker")
    response = client.post(reverse("gridops:event_report"), report_data(gworld, node=gworld.nodes["G2"].pk))
    assert response.status_code == 400
    assert Event.objects.count() == 0
    assert response.context["form"].errors["node"]


def test_bad_report_input_is_a_400_with_field_errors(client, gworld):
    client_as(client, gworld, "grid_worker")
    bad_photo = __import__("django.core.files.uploadedfile", fromlist=["x"]).SimpleUploadedFile(
        "x.png", b"not an image", content_type="image/png")
    response = client.post(reverse("gridops:event_report"),
                           {**report_data(gworld, description=""), "photos": [bad_photo]})
    assert response.status_code == 400
    assert set(response.context["form"].errors) >= {"description"}
    response = client.post(reverse("gridops:event_report"), {**report_data(gworld), "photos": [bad_photo]})
    assert response.status_code == 400 and "photos" in response.context["form"].errors
    assert Event.objects.count() == 0


def test_possible_duplicates_are_shown_after_submitting(client, gworld):
    first = report(gworld, latitude=30.65, longitude=104.06)
    client_as(client, gworld, "grid_worker")
    response = client.post(reverse("gridops:event_report"), report_data(gworld), follow=True)
    html = response.content.decode()
    assert 'id="possible-duplicates"' in html and first.number in html


def test_resident_reports_at_his_place_and_rates_it(client, gworld):
    from sanshe.territory.models import Node

    square = [[104.05, 30.64], [104.07, 30.64], [104.07, 30.66], [104.05, 30.66], [104.05, 30.64]]
    Node.objects.filter(pk=gworld.nodes["G1"].pk).update(geometry={"type": "Polygon", "coordinates": [square]})
    client_as(client, gworld, "resident")
    form = client.get(reverse("gridops:event_report"))
    assert form.status_code == 200 and 'name="node"' not in form.content.decode()
    data = report_data(gworld)
    data.pop("node")
    response = client.post(reverse("gridops:event_report"), data)
    assert response.status_code == 302
    event = Event.objects.get()
    assert event.source == Source.RESIDENT and event.reporter == gworld.user("resident")
    assert event.grid_id == gworld.nodes["G1"].pk  # his community's grid that contains the point
    desk, handler = gworld.user("community_worker"), gworld.user("handler")
    for action, actor, kw in [(Action.FILE, desk, {}), (Action.DISPATCH, desk, {}), (Action.START, handler, {}),
                              (Action.FEED_BACK, handler, {"note": "已清理"}),
                              (Action.VERIFY, gworld.user("grid_worker"), {}), (Action.CLOSE, desk, {})]:
        event = transition(event, action, actor=actor, **kw)
    mine = client.get(reverse("gridops:my_reports"))
    assert mine.status_code == 200 and 'data-rate="satisfied"' in mine.content.decode()
    detail = client.get(reverse("gridops:event_detail", args=[event.pk]))
    assert detail.status_code == 200
    html = detail.content.decode()
    assert gworld.user("handler").get_full_name() not in html  # the public timeline names no staff
    response = client.post(reverse("gridops:event_act", args=[event.pk]),
                           {"action": "rate", "rating": Rating.FAIRLY, "next": reverse("gridops:my_reports")})
    assert response.status_code == 302 and response["Location"] == reverse("gridops:my_reports")
    event.refresh_from_db()
    assert event.rating == Rating.FAIRLY


# --- the event page and its actions ----------------------------------------------------------------------------
def test_reporter_phone_is_masked(client, gworld):
    event = report_event(actor=gworld.user("community_worker"), category=gworld.categories["0301"],
                         description="热线来电：路灯不亮", node=gworld.nodes["G1"], source=Source.HOTLINE,
                         reporter_name="张先生", reporter_phone="13812345678").event
    client_as(client, gworld, "community_worker")
    html = client.get(reverse("gridops:event_detail", args=[event.pk])).content.decode()
    assert "138****5678" in html and "13812345678" not in html


def test_refused_transition_shows_an_error_and_changes_nothing(client, gworld):
    event = report(gworld)
    client_as(client, gworld, "community_worker")
    steps = EventStep.objects.filter(event=event).count()
    # 不予立案 needs a reason
    response = client.post(reverse("gridops:event_act", args=[event.pk]), {"action": "not_file", "note": ""})
    assert response.status_code == 400
    assert 'data-action="not_file" open' in response.content.decode()
    assert response.context["actions"][0]["form"].errors or any(
        item["form"].errors for item in response.context["actions"])
    # closing an event that is not verified
    response = client.post(reverse("gridops:event_act", args=[event.pk]), {"action": "close"})
    assert response.status_code == 400 and "msg-error" in response.content.decode()
    event.refresh_from_db()
    assert event.state == EventState.REPORTED
    assert EventStep.objects.filter(event=event).count() == steps


def test_desk_files_and_dispatches_by_the_responsibility_table(client, gworld):
    event = report(gworld)
    client_as(client, gworld, "community_worker")
    url = reverse("gridops:event_act", args=[event.pk])
    assert client.post(url, {"action": "file"}).status_code == 302
    assert client.post(url, {"action": "dispatch", "unit": ""}).status_code == 302
    event.refresh_from_db()
    assert event.state == EventState.DISPATCHED and event.handling_unit == gworld.units["street"]
    assert event.deadline is not None


def test_batch_dispatch_each_to_its_responsible_unit(client, gworld):
    events = [report(gworld, description=f"第{i}处垃圾") for i in range(3)]
    client_as(client, gworld, "community_worker")
    url = reverse("gridops:event_batch")
    ids = [e.pk for e in events]
    assert client.post(url, {"action": "file", "events": ids}).status_code == 302
    assert client.post(url, {"action": "dispatch", "events": ids, "unit": ""}).status_code == 302
    assert set(Event.objects.filter(pk__in=ids).values_list("state", flat=True)) == {EventState.DISPATCHED}
    assert set(Event.objects.filter(pk__in=ids).values_list("handling_unit", flat=True)) == {
        gworld.units["street"].pk}


def test_desk_list_puts_overdue_first_and_filters(client, gworld):
    import datetime as dt

    from django.utils import timezone

    late = dispatched(gworld)
    Event.objects.filter(pk=late.pk).update(deadline=timezone.now() - dt.timedelta(hours=1),
                                            yellow_at=timezone.now() - dt.timedelta(hours=5))
    fresh = report(gworld, description="新的事件")
    client_as(client, gworld, "community_worker")
    response = client.get(reverse("gridops:event_list"))
    rows = [e.pk for e in response.context["page"].object_list]
    assert rows.index(late.pk) < rows.index(fresh.pk)
    assert response.context["page"].object_list[0].light_value == "red"
    only_red = client.get(reverse("gridops:event_list"), {"light": "red"})
    assert [e.pk for e in only_red.context["page"].object_list] == [late.pk]
    reported = client.get(reverse("gridops:event_list"), {"state": "reported", "period": "today"})
    assert [e.pk for e in reported.context["page"].object_list] == [fresh.pk]


def test_handler_queue_and_feedback_with_photo(client, gworld):
    event = dispatched(gworld)
    client_as(client, gworld, "handler")
    queue = client.get(reverse("gridops:handler_queue"))
    assert queue.status_code == 200 and [e.pk for e in queue.context["page"].object_list] == [event.pk]
    url = reverse("gridops:event_act", args=[event.pk])
    assert client.post(url, {"action": "start"}).status_code == 302
    response = client.post(url, {"action": "feed_back", "note": "已清运完毕", "photos": [png_upload()]})
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.state == EventState.FED_BACK
    assert EventPhoto.objects.filter(event=event, step__action=Action.FEED_BACK).count() == 1


def test_handler_cannot_act_on_another_units_event(client, gworld):
    event = report(gworld)
    desk = gworld.user("community_worker")
    event = transition(event, Action.FILE, actor=desk)
    event = transition(event, Action.DISPATCH, actor=desk, unit=gworld.units["community"])
    client_as(client, gworld, "handler")
    assert client.get(reverse("gridops:event_detail", args=[event.pk])).status_code in (403, 404)
    response = client.post(reverse("gridops:event_act", args=[event.pk]), {"action": "start"})
    assert response.status_code in (403, 404)
    event.refresh_from_db()
    assert event.state == EventState.DISPATCHED


def test_grid_worker_verifies_on_the_verify_page(client, gworld):
    event = dispatched(gworld)
    handler = gworld.user("handler")
    event = transition(event, Action.FEED_BACK, actor=handler, note="已处理")
    client_as(client, gworld, "grid_worker")
    tasks = client.get(reverse("gridops:my_tasks"))
    assert [e.pk for e in tasks.context["to_verify"]] == [event.pk]
    page = client.get(reverse("gridops:event_verify", args=[event.pk]))
    assert page.status_code == 200 and 'data-submit="rework"' in page.content.decode()
    response = client.post(reverse("gridops:event_act", args=[event.pk]),
                           {"action": "rework", "note": "", "next": reverse("gridops:my_tasks")})
    assert response.status_code == 400  # a failed verification needs what is still wrong
    response = client.post(reverse("gridops:event_act", args=[event.pk]),
                           {"action": "rework", "note": "仍有残留", "photos": [png_upload()],
                            "next": reverse("gridops:my_tasks")})
    assert response.status_code == 302 and response["Location"] == reverse("gridops:my_tasks")
    event.refresh_from_db()
    assert event.state == EventState.HANDLING and event.rework_count == 1


def test_desk_merges_a_duplicate(client, gworld):
    master = report(gworld, latitude=30.65, longitude=104.06)
    child = report(gworld, latitude=30.6501, longitude=104.0601, description="同一处垃圾")
    client_as(client, gworld, "community_worker")
    page = client.get(reverse("gridops:event_detail", args=[child.pk]))
    assert master in page.context["duplicates"]
    response = client.post(reverse("gridops:event_act", args=[child.pk]), {"action": "merge", "master": master.pk})
    assert response.status_code == 302
    child.refresh_from_db()
    assert child.state == EventState.MERGED and child.merged_into == master
    assert child in client.get(reverse("gridops:event_detail", args=[master.pk])).context["merged"]


def test_outside_event_is_404_and_no_permission_is_403(client, gworld):
    event = report(gworld)
    client_as(client, gworld, "grid_worker")
    other = report_event(actor=None, category=gworld.categories["0301"], description="外区",
                         node=gworld.nodes["G5"], source=Source.OPEN311).event
    assert client.get(reverse("gridops:event_detail", args=[other.pk])).status_code == 404
    client_as(client, gworld, "volunteer")
    assert client.get(reverse("gridops:event_detail", args=[event.pk])).status_code == 403


# --- notifications ---------------------------------------------------------------------------------------------
def test_notifications_inbox_open_and_mark_read(client, gworld):
    event = dispatched(gworld)
    handler = gworld.user("handler")
    note = Notification.objects.filter(user=handler).latest("id")
    client_as(client, gworld, "handler")
    inbox = client.get(reverse("gridops:notifications"))
    assert inbox.status_code == 200 and note.title in inbox.content.decode()
    assert 'class="notif-badge"' in inbox.content.decode()
    response = client.get(reverse("gridops:notification_open", args=[note.pk]))
    assert response.status_code == 302 and response["Location"] == f"/gridops/events/{event.pk}/"
    note.refresh_from_db()
    assert note.read_at is not None
    Notification.objects.create(user=handler, title="另一条")
    assert client.post(reverse("gridops:notifications_read")).status_code == 302
    assert not Notification.objects.filter(user=handler, read_at__isnull=True).exists()
    other = Notification.objects.create(user=gworld.user("grid_worker"), title="不是你的")
    assert client.get(reverse("gridops:notification_open", args=[other.pk])).status_code == 404
