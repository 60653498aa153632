"""Pages of the volunteer registry and activities: the volunteer's phone pages, staff pages, organization pages,
the QR code, the audited export, the figures page."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from sanshe.accounts.roles import Role
from sanshe.core.models import AuditEntry
from sanshe.volunteers.choices import RecordState, SignUpState
from sanshe.volunteers.models import Activity, ServiceRecord, SignUp, Team, Volunteer
from sanshe.volunteers.testing_activities import activities_world, id_number, make_activity

pytestmark = pytest.mark.django_db


def test_self_registration_page(world, client_for):
    client = client_for(world.user(Role.RESIDENT))
    page = client.get(reverse("volunteers:my_home"))
    assert page.status_code == 200 and reverse("volunteers:my_register").encode() in page.content
    bad = client.post(reverse("volunteers:my_register"), {"community": world.nodes["C1"].pk, "name": "孙",
                                                          "id_number": "123", "phone": "138"})
    assert bad.status_code == 400
    ok = client.post(reverse("volunteers:my_register"), {"community": world.nodes["C1"].pk, "name": "孙志愿",
                                                         "id_number": id_number(77), "phone": "13800138077",
                                                         "skills": "助老,理发"})
    assert ok.status_code == 302
    v = Volunteer.objects.get(user=world.users[Role.RESIDENT])
    assert v.skills == ["助老", "理发"]
    assert v.number.encode() in client.get(reverse("volunteers:my_home")).content

    # He keeps his skills and availability current himself; the change is audited, a bad one is a 400.
    changed = client.post(reverse("volunteers:my_home"), {"skills": "助老，陪诊", "availability": "周末上午"})
    assert changed.status_code == 302
    v.refresh_from_db()
    assert v.skills == ["助老", "陪诊"] and v.availability == "周末上午"
    assert AuditEntry.objects.filter(action="volunteers.volunteer.updated", object_id=str(v.pk)).exists()
    assert client.post(reverse("volunteers:my_home"), {"availability": "很" * 300}).status_code == 400


def test_volunteer_signs_up_checks_in_and_out_through_pages(world, client_for):
    data = activities_world(world)[True]
    client = client_for(world.user(Role.VOLUNTEER))
    now = timezone.now()
    activity = make_activity(world.nodes["C1"], title="助老探访", start=now - dt.timedelta(minutes=10), slots=3)
    listing = client.get(reverse("volunteers:my_activities"))
    assert "助老探访" in listing.content.decode()
    assert client.post(reverse("volunteers:my_signup", args=[activity.pk])).status_code == 302
    assert SignUp.objects.get(activity=activity, volunteer=data["self"]).state == SignUpState.SIGNED_UP
    checkin = reverse("volunteers:checkin", args=[activity.token])
    assert 'id="va-checkin-btn"' in client.get(checkin).content.decode()
    client.post(checkin, {"action": "in"})
    assert 'id="va-checkout-btn"' in client.get(checkin).content.decode()
    client.post(checkin, {"action": "out"})
    record = ServiceRecord.objects.get(activity=activity, volunteer=data["self"])
    assert record.state == RecordState.PENDING
    assert "助老探访" in client.get(reverse("volunteers:my_records")).content.decode()
    # an unknown token is a plain 404
    assert client.get(reverse("volunteers:checkin", args=["nope"])).status_code == 404


def test_organizer_page_shows_qr_and_confirms(world, client_for):
    data = activities_world(world)[True]
    client = client_for(world.user(Role.SOCIAL_ORG))
    page = client.get(reverse("volunteers:org_activity_detail", args=[data["org_activity"].pk]))
    html = page.content.decode()
    assert page.status_code == 200 and 'id="va-qr"' in html and data["org_activity"].token in html
    qr = client.get(reverse("volunteers:org_activity_qr", args=[data["org_activity"].pk]))
    assert qr["Content-Type"] == "image/svg+xml" and b"<svg" in qr.content
    record = data["record"]
    response = client.post(reverse("volunteers:org_record_confirm", args=[record.pk]), {"hours": "2", "reason": ""})
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.state == RecordState.PENDING  # adjusting needs a reason
    client.post(reverse("volunteers:org_record_confirm", args=[record.pk]), {"hours": "2", "reason": "提前离开"})
    record.refresh_from_db()
    assert record.state == RecordState.CONFIRMED and str(record.hours) == "2.00"
    # the community worker sees the organization's activity but confirms nothing there
    staff = client_for(world.user(Role.COMMUNITY_WORKER))
    html = staff.get(reverse("volunteers:activity_detail", args=[data["org_activity"].pk])).content.decode()
    assert 'id="va-qr"' not in html


def test_staff_post_activity_team_and_volunteer(world, client_for):
    client = client_for(world.user(Role.COMMUNITY_WORKER))
    c1 = world.nodes["C1"]
    start = (timezone.localtime() + dt.timedelta(days=3)).replace(second=0, microsecond=0)
    response = client.post(reverse("volunteers:activity_create"), {
        "community": c1.pk, "title": "文明劝导", "place": "东门", "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"), "slots": 6, "skills": "治安巡逻",
        "allow_walk_in": "on"})
    assert response.status_code == 302
    activity = Activity.objects.get(title="文明劝导")
    assert activity.skills == ["治安巡逻"] and activity.created_by_id == world.users[Role.COMMUNITY_WORKER].pk
    response = client.post(reverse("volunteers:volunteer_create"), {
        "community": c1.pk, "name": "周", "id_number": id_number(91), "phone": "13800138091"})
    assert response.status_code == 302
    v = Volunteer.objects.get(name="周")
    response = client.post(reverse("volunteers:team_create"), {"community": c1.pk, "name": "平安巡逻队",
                                                               "leader": v.number, "members": ""})
    assert response.status_code == 302
    assert list(Team.objects.get(name="平安巡逻队").members.all()) == [v]
    assert client.post(reverse("volunteers:team_create"), {"community": c1.pk, "name": "x",
                                                           "members": "NOPE"}).status_code == 400


def test_volunteer_list_filters_masks_and_export_is_audited(world, client_for):
    data = activities_world(world)[True]
    client = client_for(world.user(Role.COMMUNITY_WORKER))
    html = client.get(reverse("volunteers:volunteer_list"), {"q": "王服务"}).content.decode()
    assert "王服务" in html and "张志愿" not in html and data["volunteer"].id_number not in html
    assert data["volunteer"].id_number_masked in html
    response = client.get(reverse("volunteers:volunteer_export"), {"q": "王"})
    assert response.status_code == 200 and response["X-Export-Rows"] == "1"
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][1] == "王服务" and data["volunteer"].id_number not in str(rows)
    assert AuditEntry.objects.filter(action="volunteers.volunteer.exported").exists()


def test_figures_page_states_the_rule(world, client_for):
    activities_world(world)
    client = client_for(world.user(Role.STREET_OFFICIAL))
    html = client.get(reverse("volunteers:figures")).content.decode()
    assert 'id="va-fig-volunteers">3<' in html  # the three volunteers of C1 (S1)
    assert 'id="va-fig-active"' in html
    html = client.get(reverse("volunteers:figures"), {"node": world.nodes["C1"].pk}).content.decode()
    assert "和平社区" in html
    assert client.get(reverse("volunteers:figures"), {"node": world.nodes["C4"].pk}).status_code == 404


def test_staff_change_a_volunteer(world, client_for):
    data = activities_world(world)[True]
    client = client_for(world.user(Role.COMMUNITY_WORKER))
    v = data["volunteer"]
    assert 'id="va-edit"' in client.get(reverse("volunteers:volunteer_detail", args=[v.pk])).content.decode()
    client.post(reverse("volunteers:volunteer_edit", args=[v.pk]), {"skills": "助老，理发", "availability": "周末"})
    v.refresh_from_db()
    assert v.skills == ["助老", "理发"] and v.availability == "周末" and not v.is_active
    assert AuditEntry.objects.filter(action="volunteers.volunteer.updated").exists()
    street = client_for(world.user(Role.STREET_OFFICIAL))
    assert street.post(reverse("volunteers:volunteer_edit", args=[data["self"].pk]),
                       {"is_active": "on"}).status_code == 302
