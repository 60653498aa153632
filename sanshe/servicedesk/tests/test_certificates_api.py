"""The certificates API: issuing with Idempotency-Key (serial number, verification and PDF addresses), refusals
as 400s keyed by field, the scoped list and detail with masked ID numbers, the PDF (an audited export),
revoking with a reason, the public verification by serial number and code, the certificate types."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.utils import timezone

from sanshe.core.models import AuditEntry
from sanshe.core.testing import login_as
from sanshe.servicedesk import services_certificates as sc
from sanshe.servicedesk.certificate_seed import CERTIFICATE_TYPES, ensure_certificate_types
from sanshe.servicedesk.models import Certificate

from .test_certificates_services import id_number, issue, make_resident

pytestmark = pytest.mark.django_db
URL = "/api/v1/servicedesk/certificates/"
TYPES = "/api/v1/servicedesk/certificate-types/"


def client_for(world, role) -> Client:
    client = Client()
    login_as(client, world.user(role))
    return client


def post(client, url, data=None, **headers):
    return client.post(url, json.dumps(data or {}), content_type="application/json", **headers)


def rows(response):
    data = response.json()
    return data["results"] if isinstance(data, dict) and "results" in data else data


def body(world, **extra):
    types = ensure_certificate_types(world.nodes["D1"])
    return {"type": types["ZM04"].pk, "community": world.nodes["C1"].pk, "holder_name": "李建国",
            "holder_id_number": id_number("51019919700505001"), "address": "和平路8号", "purpose": "失业登记",
            **extra}


def outside_certificate(world) -> Certificate:
    """A certificate of the other district's community (made directly: nobody of the world certifies there)."""
    community = world.nodes["C4"]
    types = ensure_certificate_types(world.nodes["D2"])
    made = Certificate(serial=sc.next_serial(community, timezone.localdate().year), verify_code=sc.new_verify_code(),
                       type=types["ZM01"], holder_name="远方居民", purpose="远方", body="兹证明远方居民。",
                       issued_at=timezone.now())
    made.copy_ancestors_from(community)
    made.save()
    return made


def test_issue_with_idempotency_key_returns_serial_and_addresses(sworld):
    clerk = client_for(sworld, "window_clerk")
    first = post(clerk, URL, body(sworld), HTTP_IDEMPOTENCY_KEY="cert-1")
    assert first.status_code == 201, first.content
    data = first.json()
    certificate = Certificate.objects.get()
    assert data["id"] == certificate.pk and data["serial"] == certificate.serial
    assert data["serial"].startswith(sc.serial_prefix(sworld.nodes["C1"], timezone.localdate().year))
    assert data["verify_url"].startswith("http") and data["verify_url"].endswith(
        f"?code={certificate.verify_code}")
    assert data["pdf_url"].endswith(f"{URL}{certificate.pk}/pdf/")
    assert data["holder_id_masked"] and "*" in data["holder_id_masked"] and data["can_revoke"] is True
    assert id_number("51019919700505001") not in first.content.decode() and "holder_id_number" not in data
    assert "李建国" in data["body"] and data["revoked"] is False
    # a retry with the same key: the same certificate, no second serial number
    again = post(clerk, URL, body(sworld), HTTP_IDEMPOTENCY_KEY="cert-1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == data["id"] and again.json()["serial"] == data["serial"]
    assert Certificate.objects.count() == 1
    assert AuditEntry.objects.filter(action="servicedesk.certificate.issued").count() == 1
    # another request is another certificate with the next serial number
    second = post(clerk, URL, body(sworld), HTTP_IDEMPOTENCY_KEY="cert-2")
    assert second.status_code == 201 and second.json()["serial"] > data["serial"]


def test_issue_for_a_resident_of_the_register(sworld):
    resident = make_resident(sworld)
    clerk = client_for(sworld, "window_clerk")
    types = ensure_certificate_types(sworld.nodes["D1"])
    response = post(clerk, URL, {"type": types["ZM01"].pk, "community": sworld.nodes["C1"].pk,
                                 "resident": resident.pk, "purpose": "办理子女入学"})
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["resident"] == resident.pk and data["holder_name"] == resident.name and data["household"]
    assert id_number() not in response.content.decode() and data["holder_id_masked"]


def test_refusals_are_400s_keyed_by_field(sworld):
    clerk = client_for(sworld, "window_clerk")
    response = post(clerk, URL, body(sworld, purpose="", holder_name="", holder_id_number="123"))
    assert response.status_code == 400
    assert {"purpose", "holder_name", "holder_id_number"} <= response.json().keys()
    response = post(clerk, URL, body(sworld, community=sworld.nodes["C2"].pk))  # not the clerk's community
    assert response.status_code == 400 and "community" in response.json()
    response = post(clerk, URL, body(sworld, community=sworld.nodes["S1"].pk))
    assert response.status_code == 400 and "community" in response.json()
    other = ensure_certificate_types(sworld.nodes["D2"])["ZM01"]
    response = post(clerk, URL, body(sworld, type=other.pk))  # another district's type: not a choice
    assert response.status_code == 400 and "type" in response.json()
    inactive = ensure_certificate_types(sworld.nodes["D1"])["ZM02"]
    inactive.is_active = False
    inactive.save()
    response = post(clerk, URL, body(sworld, type=inactive.pk))
    assert response.status_code == 400 and "type" in response.json()
    resident = make_resident(sworld, building="B3", number="H9", name="赵六", id17="51019919900101123",
                             phone="13900009999")
    response = post(clerk, URL, body(sworld, resident=resident.pk))  # not a resident the clerk reaches
    assert response.status_code == 400 and "resident" in response.json()
    response = post(clerk, URL, body(sworld, type="x", community=None))
    assert response.status_code == 400 and {"type", "community"} <= response.json().keys()
    assert not Certificate.objects.exists()
    assert post(client_for(sworld, "street_official"), URL, body(sworld)).status_code == 403
    assert post(Client(), URL, body(sworld)).status_code in (401, 403)


def test_list_and_detail_are_scoped_and_masked(sworld):
    mine = issue(sworld, holder_id_number=id_number("51019919700505001"))
    revoked = issue(sworld, "ZM04")
    sc.revoke_certificate(revoked, actor=sworld.user("window_clerk"), reason="信息有误")
    far = outside_certificate(sworld)
    clerk = client_for(sworld, "window_clerk")
    response = clerk.get(URL)
    assert response.status_code == 200
    assert [r["id"] for r in rows(response)] == [revoked.pk, mine.pk]  # newest first, never another district's
    assert id_number("51019919700505001") not in response.content.decode()
    assert [r["id"] for r in rows(clerk.get(URL, {"revoked": "false"}))] == [mine.pk]
    assert [r["id"] for r in rows(clerk.get(URL, {"q": mine.serial[-5:]}))] == [mine.pk]
    assert [r["id"] for r in rows(clerk.get(URL, {"type": mine.type_id}))] == [mine.pk]
    assert [r["id"] for r in rows(clerk.get(URL, {"community": sworld.nodes["C2"].pk}))] == []
    today = timezone.localdate().isoformat()
    assert len(rows(clerk.get(URL, {"issued_from": today, "issued_to": today}))) == 2
    response = clerk.get(URL, {"issued_from": "nope", "revoked": "maybe"})
    assert response.status_code == 400 and {"issued_from", "revoked"} <= response.json().keys()
    detail = clerk.get(f"{URL}{mine.pk}/")
    assert detail.status_code == 200 and detail.json()["body"] == mine.body
    assert detail.json()["can_revoke"] is True and clerk.get(f"{URL}{revoked.pk}/").json()["can_revoke"] is False
    assert clerk.get(f"{URL}{far.pk}/").status_code == 404
    assert AuditEntry.objects.filter(action="permission.out_of_scope").exists()
    street = client_for(sworld, "street_official")  # reads (servicedesk.view), does not certify
    assert street.get(f"{URL}{mine.pk}/").json()["can_revoke"] is False
    assert client_for(sworld, "grid_worker").get(URL).status_code == 403
    assert client_for(sworld, "grid_worker").get(f"{URL}{mine.pk}/").status_code == 403


def test_issue_then_download_the_pdf(sworld):
    clerk = client_for(sworld, "window_clerk")
    data = post(clerk, URL, body(sworld)).json()
    response = clerk.get(data["pdf_url"])
    assert response.status_code == 200, response.content[:200]
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    assert f'{data["serial"]}.pdf' in response["Content-Disposition"] and response["Cache-Control"] == "no-store"
    entry = AuditEntry.objects.get(action="servicedesk.certificate.exported")
    assert entry.object_id == str(data["id"])
    assert clerk.get(f"{URL}{data['id']}/pdf/", HTTP_ACCEPT="application/pdf").status_code == 200
    # scoped and refused as the detail
    far = outside_certificate(sworld)
    assert clerk.get(f"{URL}{far.pk}/pdf/").status_code == 404
    assert clerk.get(f"{URL}{far.pk}/pdf/", HTTP_ACCEPT="application/pdf").status_code == 404
    assert client_for(sworld, "grid_worker").get(f"{URL}{data['id']}/pdf/").status_code == 403
    assert AuditEntry.objects.filter(action="servicedesk.certificate.exported").count() == 2  # the two above


def test_revoke_with_a_reason(sworld):
    certificate = issue(sworld)
    far = outside_certificate(sworld)
    clerk = client_for(sworld, "window_clerk")
    url = f"{URL}{certificate.pk}/revoke/"
    response = post(clerk, url, {"reason": ""})
    assert response.status_code == 400 and "reason" in response.json()
    assert post(client_for(sworld, "street_official"), url, {"reason": "错误"}).status_code == 403
    response = post(clerk, url, {"reason": "信息有误"}, HTTP_IDEMPOTENCY_KEY="rv-1")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["revoked"] is True and data["revoke_reason"] == "信息有误" and data["can_revoke"] is False
    replay = post(clerk, url, {"reason": "信息有误"}, HTTP_IDEMPOTENCY_KEY="rv-1")
    assert replay.status_code == 200 and replay["Idempotent-Replayed"] == "true"
    response = post(clerk, url, {"reason": "再次"})
    assert response.status_code == 400 and "reason" in response.json()
    assert AuditEntry.objects.filter(action="servicedesk.certificate.revoked").count() == 1
    assert post(clerk, f"{URL}{far.pk}/revoke/", {"reason": "越权"}).status_code == 404
    assert Certificate.objects.get(pk=far.pk).revoked_at is None


def test_public_verification_by_serial_and_code(sworld):
    certificate = issue(sworld, holder_name="李建国")
    anonymous = Client()
    url = f"{URL}verify/"
    response = anonymous.get(url, {"serial": certificate.serial, "code": certificate.verify_code.lower()})
    assert response.status_code == 200, response.content
    assert response.json() == {"serial": certificate.serial, "valid": True, "type_name": certificate.type.name,
                               "holder": "李**", "issued_by": "和平社区",
                               "issued_on": timezone.localtime(certificate.issued_at).date().isoformat()}
    assert anonymous.get(url, {"serial": certificate.serial, "code": "WRONGCODE234"}).status_code == 404
    assert anonymous.get(url, {"serial": "ZM1", "code": certificate.verify_code}).status_code == 404
    response = anonymous.get(url, {"serial": certificate.serial})
    assert response.status_code == 400 and "code" in response.json()
    sc.revoke_certificate(certificate, actor=sworld.user("window_clerk"), reason="信息有误")
    assert anonymous.get(url, {"serial": certificate.serial, "code": certificate.verify_code}).json()[
        "valid"] is False


def test_certificate_types_of_ones_districts(sworld):
    ensure_certificate_types(sworld.nodes["D1"])
    ensure_certificate_types(sworld.nodes["D2"])
    clerk = client_for(sworld, "window_clerk")
    response = clerk.get(TYPES)
    assert response.status_code == 200
    listed = rows(response)
    assert len(listed) == len(CERTIFICATE_TYPES) and {t["district"] for t in listed} == {sworld.nodes["D1"].pk}
    first = ensure_certificate_types(sworld.nodes["D1"])["ZM01"]
    first.is_active = False
    first.save()
    assert len(rows(clerk.get(TYPES, {"active": "true"}))) == len(CERTIFICATE_TYPES) - 1
    assert client_for(sworld, "grid_worker").get(TYPES).status_code == 403
    assert Client().get(TYPES).status_code in (401, 403)
