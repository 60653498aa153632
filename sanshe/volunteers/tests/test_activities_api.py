"""The volunteers API: masked registry, activities, sign-up, check-in/out by token, confirmation, idempotency."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from sanshe.accounts.roles import Role
from sanshe.volunteers.choices import RecordState
from sanshe.volunteers.models import ServiceRecord, Volunteer
from sanshe.volunteers.testing_activities import activities_world, id_number, make_activity

pytestmark = pytest.mark.django_db
API = "/api/v1/volunteers"


def test_volunteers_are_masked_and_registered_once(world, client_for):
    data = activities_world(world)[True]
    client = client_for(world.user(Role.COMMUNITY_WORKER))
    body = client.get(f"{API}/volunteers/").json()
    assert data["volunteer"].id_number not in str(body) and "id_number" not in body["results"][0]
    payload = {"community": world.nodes["C1"].pk, "name": "吴", "id_number": id_number(95), "phone": "13800138095"}
    headers = {"HTTP_IDEMPOTENCY_KEY": "reg-95"}
    first = client.post(f"{API}/volunteers/", payload, content_type="application/json", **headers)
    again = client.post(f"{API}/volunteers/", payload, content_type="application/json", **headers)
    assert first.status_code == 201 and again.status_code == 201 and first.json() == again.json()
    assert Volunteer.objects.filter(name="吴").count() == 1
    dup = client.post(f"{API}/volunteers/", payload, content_type="application/json")
    assert dup.status_code == 400 and "id_number" in str(dup.json())
    bad = client.post(f"{API}/volunteers/", {**payload, "id_number": "1"}, content_type="application/json")
    assert bad.status_code == 400


def test_volunteer_signs_up_checks_in_and_out_and_organizer_confirms(world, client_for):
    data = activities_world(world)[True]
    activity = make_activity(world.nodes["C1"], title="接口活动", start=timezone.now() - dt.timedelta(minutes=5),
                             organization=data["org"])
    vol = client_for(world.user(Role.VOLUNTEER))
    listed = vol.get(f"{API}/my/activities/").json()
    assert activity.pk in [a["id"] for a in listed["results"]]
    assert vol.post(f"{API}/my/activities/{activity.pk}/signup/").status_code == 200
    assert vol.post(f"{API}/my/activities/{activity.pk}/signup/").status_code == 400
    wrong = vol.post(f"{API}/my/activities/{activity.pk}/check-in/", {"token": "x"}, content_type="application/json")
    assert wrong.status_code == 400
    r = vol.post(f"{API}/my/activities/{activity.pk}/check-in/", {"token": activity.token},
                 content_type="application/json")
    assert r.status_code == 200 and r.json()["state"] == RecordState.OPEN
    ServiceRecord.objects.filter(pk=r.json()["id"]).update(started_at=activity.starts_at)
    r = vol.post(f"{API}/my/activities/{activity.pk}/check-out/", {"token": activity.token},
                 content_type="application/json")
    assert r.status_code == 200 and r.json()["state"] == RecordState.PENDING
    record_id = r.json()["id"]
    assert [x["id"] for x in vol.get(f"{API}/my/records/").json()["results"]].count(record_id) == 1
    # the community worker may not confirm an organization's record; the organization does
    staff = client_for(world.user(Role.COMMUNITY_WORKER))
    assert staff.post(f"{API}/records/{record_id}/confirm/", {}, content_type="application/json").status_code == 403
    org = client_for(world.user(Role.SOCIAL_ORG))
    pending = org.get(f"{API}/org/records/", {"state": "pending", "activity": activity.pk}).json()
    assert [x["id"] for x in pending["results"]] == [record_id]
    ok = org.post(f"{API}/org/records/{record_id}/confirm/", {"hours": "1", "reason": "按实际"},
                  content_type="application/json")
    assert ok.status_code == 200 and ok.json()["state"] == RecordState.CONFIRMED and ok.json()["hours"] == "1.00"


def test_organization_posts_its_own_activities_only(world, client_for):
    data = activities_world(world)
    org = client_for(world.user(Role.SOCIAL_ORG))
    start = timezone.now() + dt.timedelta(days=5)
    payload = {"community": world.nodes["C1"].pk, "organization": data[True]["org"].pk, "title": "环保宣传",
               "place": "广场", "starts_at": start.isoformat(), "ends_at": (start + dt.timedelta(hours=2)).isoformat(),
               "slots": 4}
    created = org.post(f"{API}/org/activities/", payload, content_type="application/json")
    assert created.status_code == 201 and created.json()["organizer"] == data[True]["org"].name
    other = org.post(f"{API}/org/activities/", {**payload, "organization": data[False]["org"].pk},
                     content_type="application/json")
    assert other.status_code in (400, 403)
    ids = [a["id"] for a in org.get(f"{API}/org/activities/").json()["results"]]
    assert data[True]["org_activity"].pk in ids and data[True]["activity"].pk not in ids
