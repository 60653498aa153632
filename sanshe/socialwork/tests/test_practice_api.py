"""The practice API: staff see no notes; the worker's detail has them (audited); writes with Idempotency-Key."""

import pytest
from django.utils import timezone

from sanshe.core.models import AuditEntry
from sanshe.socialwork.models import CaseSession, GroupAttendance
from sanshe.socialwork.services_practice import NOTES_READ
from sanshe.socialwork.testing_practice import build_practice, make_case, serving_case

pytestmark = pytest.mark.django_db

NOTE_KEYS = {"problem", "assessment", "plan", "closure_note", "sessions"}


def test_staff_api_has_no_notes(world, client_for):
    case = serving_case(world)
    client = client_for(world.user("community_worker"))
    data = client.get("/api/v1/socialwork/cases/").json()
    row = next(r for r in data["results"] if r["id"] == case.pk)
    assert row["title"] == case.title and not NOTE_KEYS & row.keys()
    assert str(row["hours"]) in ("1.5", "1.50")
    assert client.get(f"/api/v1/socialwork/my-cases/{case.pk}/").status_code == 403


def test_worker_api_detail_has_notes_and_is_audited(world, client_for):
    case = serving_case(world)
    client = client_for(world.user("social_worker"))
    listing = client.get("/api/v1/socialwork/my-cases/").json()
    assert not NOTE_KEYS & listing["results"][0].keys()
    before = AuditEntry.objects.filter(action=NOTES_READ).count()
    detail = client.get(f"/api/v1/socialwork/my-cases/{case.pk}/").json()
    assert detail["sessions"][0]["notes"] == "机密会谈记录：谈到失眠"
    assert AuditEntry.objects.filter(action=NOTES_READ).count() == before + 1
    other = client_for(world.user("sw3"))
    assert other.get(f"/api/v1/socialwork/my-cases/{case.pk}/").status_code == 404


def test_api_writes_are_idempotent_and_validated(world, client_for):
    build_practice(world)
    client = client_for(world.user("social_worker"))
    body = {"client": world.residents["r2"].pk, "title": "接口个案", "referral_source": "hotline",
            "supervisor": world.sw["sup"].pk}
    first = client.post("/api/v1/socialwork/my-cases/", body, content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="k-1")
    second = client.post("/api/v1/socialwork/my-cases/", body, content_type="application/json",
                         HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201 and second.json()["id"] == first.json()["id"]
    pk = first.json()["id"]
    r = client.post(f"/api/v1/socialwork/my-cases/{pk}/transition/", {"action": "start"},
                    content_type="application/json")
    assert r.status_code == 400 and "action" in r.json()
    r = client.post(f"/api/v1/socialwork/my-cases/{pk}/sessions/",
                    {"date": timezone.localdate().isoformat(), "hours": "30", "method": "phone"},
                    content_type="application/json")
    assert r.status_code == 400 and "hours" in r.json()
    for key in ("s-1", "s-1"):
        r = client.post(f"/api/v1/socialwork/my-cases/{pk}/sessions/",
                        {"date": timezone.localdate().isoformat(), "hours": "1", "method": "phone", "notes": "n"},
                        content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)
        assert r.status_code == 201
    assert CaseSession.objects.filter(case_id=pk).count() == 1
    r = client.post("/api/v1/socialwork/my-cases/", {"title": ""}, content_type="application/json")
    assert r.status_code == 400


def test_group_api(world, client_for):
    build_practice(world)
    client = client_for(world.user("social_worker"))
    r = client.post("/api/v1/socialwork/my-groups/", {"title": "接口小组", "goals": "目标",
                                                      "community": world.nodes["C1"].pk},
                    content_type="application/json")
    assert r.status_code == 201
    gid = r.json()["id"]
    r = client.post(f"/api/v1/socialwork/my-groups/{gid}/sessions/",
                    {"date": timezone.localdate().isoformat(), "hours": "1.5", "topic": "相识"},
                    content_type="application/json")
    sid = r.json()["id"]
    ids = [world.residents["r1"].pk, world.residents["r3"].pk]
    r = client.post(f"/api/v1/socialwork/my-groups/{gid}/attendance/", {"session": sid, "residents": ids},
                    content_type="application/json", HTTP_IDEMPOTENCY_KEY="a-1")
    assert r.status_code == 200 and r.json()["present"] == sorted(ids)
    assert GroupAttendance.objects.filter(session_id=sid).count() == 2
    staff = client_for(world.user("district_admin"))
    row = staff.get(f"/api/v1/socialwork/groups/{gid}/").json()
    assert row["person_times"] == 2
    make_case(world)
