"""The social workers API: scoped roster and certificates, writes with Idempotency-Key, field errors as 400,
trainings, the subsidy table and the roll (computed and confirmed)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from sanshe.socialwork.choices_workers import CertificateLevel as L
from sanshe.socialwork.models import SocialWorker
from sanshe.socialwork.models_workers import SubsidyRoll, Training, WorkerCertificate

from .workers_support import agency, cert, chenghua_table, worker

pytestmark = pytest.mark.django_db
API = "/api/v1/socialwork/"


def post(client, url, data, **headers):
    return client.post(url, data=json.dumps(data), content_type="application/json", **headers)


def test_roster_is_scoped_and_created_idempotently(world, client_for):
    n = world.nodes
    inside = worker(n["C1"], "和平社工")
    cert(inside, L.ASSISTANT, number="API-1")
    far = worker(n["C4"], "远方社工")
    client = client_for(world.user("street_official"))
    names = [row["name"] for row in client.get(API + "workers/").json()["results"]]
    assert names == ["和平社工"]
    assert client.get(f"{API}workers/{far.pk}/").status_code == 404
    detail = client.get(f"{API}workers/{inside.pk}/").json()
    assert detail["certificates"][0]["number"] == "API-1" and detail["certificates"][0]["valid_today"] is True
    org = agency(n["S1"])
    body = {"name": "新社工", "node": n["C2"].pk, "employer": org.pk, "post": "社工", "started_on": "2026-01-01"}
    first = post(client, API + "workers/", body, HTTP_IDEMPOTENCY_KEY="w-1")
    again = post(client, API + "workers/", body, HTTP_IDEMPOTENCY_KEY="w-1")
    assert first.status_code == 201 and again.status_code == 201 and first.json() == again.json()
    assert SocialWorker.objects.filter(name="新社工").count() == 1
    bad = post(client, API + "workers/", {"name": "", "node": n["C3"].pk})
    assert bad.status_code == 400 and {"name", "node"} <= bad.json().keys()
    # a community worker reads but does not write
    reader = client_for(world.user("community_worker"))
    assert reader.get(API + "workers/").status_code == 200
    assert post(reader, API + "workers/", body).status_code == 403


def test_certificates_created_and_revoked(world, client_for):
    w = worker(world.nodes["C1"], "证书社工")
    client = client_for(world.user("district_admin"))
    body = {"worker": w.pk, "level": L.SENIOR, "number": "GJ-2025-01", "issued_on": "2025-01-01",
            "registered_on": "2025-02-01", "valid_until": "2030-01-31"}
    first = post(client, API + "certificates/", body, HTTP_IDEMPOTENCY_KEY="c-1")
    assert first.status_code == 201 and post(client, API + "certificates/", body,
                                             HTTP_IDEMPOTENCY_KEY="c-1").json() == first.json()
    assert WorkerCertificate.objects.count() == 1
    dup = post(client, API + "certificates/", {**body, "number": "gj-2025-01"})
    assert dup.status_code == 400 and "number" in dup.json()
    pk = first.json()["id"]
    revoked = post(client, f"{API}certificates/{pk}/revoke/", {"reason": "注销", "revoked_on": "2026-01-01"})
    assert revoked.status_code == 200 and revoked.json()["revoked_on"] == "2026-01-01"
    assert revoked.json()["valid_today"] is False
    assert post(client, f"{API}certificates/{pk}/revoke/", {"reason": "again"}).status_code == 400


def test_trainings_and_the_roll(world, client_for):
    n = world.nodes
    chenghua_table(n["D1"])
    a = worker(n["C1"], "甲")
    cert(a, L.INTERMEDIATE)
    b = worker(n["C3"], "乙")
    cert(b, L.STAFF, registered=None)
    official = client_for(world.user("street_official"))
    body = {"title": "小组工作督导", "kind": "on_site", "node": n["C1"].pk, "held_on": "2026-03-02", "hours": "2.0",
            "attendees": [a.pk]}
    created = post(official, API + "trainings/", body, HTTP_IDEMPOTENCY_KEY="t-1")
    assert created.status_code == 201 and Training.objects.get().attendees.get() == a
    assert post(official, API + "trainings/", {**body, "attendees": [b.pk]}).status_code == 400  # S2's worker
    assert official.get(API + "subsidy-rolls/compute/", {"node": n["D1"].pk, "month": "2026-03"}).status_code == 403
    admin = client_for(world.user("district_admin"))
    roll = admin.get(API + "subsidy-rolls/compute/", {"node": n["D1"].pk, "month": "2026-03"}).json()
    assert roll["total"] == "600.00" and [line["name"] for line in roll["lines"]] == ["甲"]
    assert roll["excluded"] == [{"worker": b.pk, "name": "乙", "reason": "not_registered"}]
    assert admin.get(API + "subsidy-rolls/compute/", {"node": n["D1"].pk, "month": "2026-13"}).status_code == 400
    assert admin.get(API + "subsidy-rolls/compute/", {"node": n["D2"].pk, "month": "2026-03"}).status_code == 400
    rates = admin.get(API + "subsidy-rates/").json()["results"]
    assert sorted(float(r["amount"]) for r in rates) == [200, 400, 600, 800]
    new = post(admin, API + "subsidy-rates/", {"region": n["S1"].pk, "level": L.INTERMEDIATE,
                                                "effective_from": "2026-03-01", "amount": "650"})
    assert new.status_code == 201
    roll = admin.get(API + "subsidy-rolls/compute/", {"node": n["D1"].pk, "month": "2026-03"}).json()
    assert roll["total"] == "650.00"
    confirmed = post(admin, API + "subsidy-rolls/confirm/", {"node": n["D1"].pk, "month": "2026-03"},
                     HTTP_IDEMPOTENCY_KEY="r-1")
    assert confirmed.status_code == 201 and confirmed.json()["payments"][0]["amount"] == "650.00"
    assert post(admin, API + "subsidy-rolls/confirm/", {"node": n["D1"].pk, "month": "2026-03"}).status_code == 400
    assert SubsidyRoll.objects.count() == 1
    assert admin.get(API + "subsidy-rolls/").json()["results"][0]["total"] == "650.00"
    assert dt.date(2026, 3, 1) == SubsidyRoll.objects.get().month
