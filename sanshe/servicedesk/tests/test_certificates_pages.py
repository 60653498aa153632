"""Certificate pages: issuing from the register or typed in, the list with its counts per type and month, the
page and its PDF (audited), revoking, the public verification page, the certificate types, scoping."""

from __future__ import annotations

import datetime as dt
import zlib
from zoneinfo import ZoneInfo

from django.urls import reverse

from sanshe.core.models import AuditEntry
from sanshe.servicedesk.certificate_seed import ensure_certificate_types
from sanshe.servicedesk.models import Certificate, CertificateType
from sanshe.servicedesk.pdf import certificate_pdf

from .test_certificates_services import id_number, issue, make_resident

TZ = ZoneInfo("Asia/Shanghai")


def test_issue_from_the_register_through_the_page(sworld, client_for):
    resident = make_resident(sworld)
    types = ensure_certificate_types(sworld.nodes["D1"])
    client = client_for(sworld.user("window_clerk"))
    response = client.get(reverse("servicedesk:certificate_issue"))
    assert response.status_code == 200 and "居住证明" in response.content.decode()
    # the holder picker answers masked data of the clerk's community only
    response = client.get(reverse("servicedesk:certificate_resident_pick"), {"q": "王"})
    rows = response.json()["results"]
    assert [r["id"] for r in rows] == [resident.pk] and "*" in rows[0]["id_number"]
    assert id_number() not in response.content.decode()
    response = client.post(reverse("servicedesk:certificate_issue"), {
        "type": types["ZM01"].pk, "community": sworld.nodes["C1"].pk, "resident": resident.pk,
        "purpose": "办理子女入学"})
    assert response.status_code == 302
    cert = Certificate.objects.get()
    assert response["Location"] == reverse("servicedesk:certificate_detail", args=[cert.pk])
    page = client.get(response["Location"]).content.decode()
    assert cert.serial in page and cert.holder_id_masked in page and id_number() not in page


def test_issue_typed_in_and_errors_on_the_form(sworld, client_for):
    types = ensure_certificate_types(sworld.nodes["D1"])
    client = client_for(sworld.user("window_clerk"))
    url = reverse("servicedesk:certificate_issue")
    response = client.post(url, {"type": types["ZM04"].pk, "community": sworld.nodes["C1"].pk,
                                 "holder_name": "", "holder_id_number": "123", "purpose": "失业登记"})
    assert response.status_code == 400 and not Certificate.objects.exists()
    assert "holder_name" in response.context["form"].errors
    response = client.post(url, {"type": types["ZM04"].pk, "community": sworld.nodes["C2"].pk,
                                 "holder_name": "李建国", "purpose": "失业登记"})
    assert response.status_code == 400  # not a community of the clerk: not a choice
    response = client.post(url, {"type": types["ZM04"].pk, "community": sworld.nodes["C1"].pk,
                                 "holder_name": "李建国", "holder_id_number": id_number("51019919700505001"),
                                 "address": "和平路8号", "purpose": "失业登记"})
    assert response.status_code == 302
    assert Certificate.objects.get().type.name.startswith("无业证明")


def test_list_counts_per_type_and_month_and_filters(sworld, client_for):
    issue(sworld, at=dt.datetime(2026, 10, 8, 10, tzinfo=TZ))
    issue(sworld, at=dt.datetime(2026, 11, 2, 10, tzinfo=TZ))
    issue(sworld, type_code="ZM03", at=dt.datetime(2026, 11, 3, 10, tzinfo=TZ))
    client = client_for(sworld.user("street_official"))
    response = client.get(reverse("servicedesk:certificate_list"))
    assert response.status_code == 200
    table = response.context["table"]
    assert table["total"] == 3
    lines = {line["name"]: line for line in table["lines"]}
    assert lines["居住证明"]["total"] == 2 and lines["家庭经济困难证明"]["total"] == 1
    assert lines["居住证明"]["cells"][table["months"].index("2026-10")] == 1
    types = ensure_certificate_types(sworld.nodes["D1"])
    response = client.get(reverse("servicedesk:certificate_list"), {"type": types["ZM01"].pk, "month": "2026-11"})
    assert response.context["page"].paginator.count == 1
    response = client.get(reverse("servicedesk:certificate_list"), {"community": sworld.nodes["C2"].pk})
    assert response.context["table"]["total"] == 0 and response.context["page"].paginator.count == 0
    response = client.get(reverse("servicedesk:certificate_list"), {"type": types["ZM03"].pk})
    assert response.context["table"]["total"] == 1  # the counts follow the type and community filters
    response = client.get(reverse("servicedesk:certificate_list"), {"month": "2026-13"})
    assert response.context["page"].paginator.count == 3  # a bad month filters nothing
    # another district's window sees none of them
    assert client_for(sworld.user("window_clerk")).get(reverse("servicedesk:certificate_list")).context[
        "table"]["total"] == 3


def test_pdf_download_is_audited_and_holds_the_serial(sworld, client_for):
    cert = issue(sworld, resident=make_resident(sworld))
    client = client_for(sworld.user("window_clerk"))
    response = client.get(reverse("servicedesk:certificate_pdf", args=[cert.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert f"{cert.serial}.pdf" in response["Content-Disposition"]
    assert AuditEntry.objects.filter(action="servicedesk.certificate.exported", object_id=str(cert.pk)).exists()
    # the serial is in the (compressed) text streams and the document info
    streams = []
    for chunk in response.content.split(b"stream\r\n")[1:] + response.content.split(b"stream\n")[1:]:
        try:
            streams.append(zlib.decompress(chunk.split(b"endstream")[0].strip()))
        except zlib.error:
            continue
    assert any(cert.serial.encode() in s for s in streams) or cert.serial.encode() in response.content


def test_pdf_uncompressed_is_stable_and_readable(sworld):
    cert = issue(sworld)
    url = "https://sanshe.example/services/verify/?code=" + cert.verify_code
    a = certificate_pdf(cert, url, invariant=True, compress=False)
    b = certificate_pdf(cert, url, invariant=True, compress=False)
    assert a == b and a.startswith(b"%PDF")
    assert cert.serial.encode() in a and cert.verify_code.encode() in a and b"STSong-Light" in a
    cert.revoked_at = cert.issued_at
    assert certificate_pdf(cert, url, invariant=True, compress=False) != a  # 已作废 stamped on a revoked one


def test_revoke_through_the_page_and_the_public_verification(sworld, client_for, client):
    cert = issue(sworld, holder_name="李建国")
    verify = reverse("servicedesk:certificate_verify")
    response = client.get(verify, {"code": cert.verify_code.lower()})
    html = response.content.decode()
    assert response.status_code == 200 and 'data-state="valid"' in html and cert.serial in html
    assert "李**" in html and "李建国" not in html and "办理子女入学" not in html
    assert client.get(verify, {"code": "NOPE"}).status_code == 404
    assert client.get(verify).status_code == 200
    clerk = client_for(sworld.user("window_clerk"))
    response = clerk.post(reverse("servicedesk:certificate_revoke", args=[cert.pk]), {"reason": "信息有误"})
    assert response.status_code == 302
    cert.refresh_from_db()
    assert cert.revoked_at is not None
    client.logout()
    response = client.get(verify, {"code": cert.verify_code})
    assert 'data-state="revoked"' in response.content.decode()


def test_scoping_404_outside_the_territory(sworld, client_for):
    cert = issue(sworld)
    Certificate.objects.filter(pk=cert.pk).update(community=sworld.nodes["C2"])
    client = client_for(sworld.user("window_clerk"))
    for name in ("servicedesk:certificate_detail", "servicedesk:certificate_pdf"):
        assert client.get(reverse(name, args=[cert.pk])).status_code == 404
    assert client.post(reverse("servicedesk:certificate_revoke", args=[cert.pk]), {"reason": "x"}).status_code == 404
    # the street sees it
    assert client_for(sworld.user("street_official")).get(
        reverse("servicedesk:certificate_detail", args=[cert.pk])).status_code == 200


def test_district_admin_edits_certificate_types(sworld, client_for):
    types = ensure_certificate_types(sworld.nodes["D1"])
    other = ensure_certificate_types(sworld.nodes["D2"])
    client = client_for(sworld.user("district_admin"))
    response = client.get(reverse("servicedesk:certificate_type_list"))
    assert response.status_code == 200 and list(response.context["types"]) == list(
        CertificateType.objects.filter(district=sworld.nodes["D1"]).order_by("sort_order", "code"))
    url = reverse("servicedesk:certificate_type_edit", args=[types["ZM01"].pk])
    response = client.post(url, {"code": "ZM01", "name": "居住证明", "template": "兹证明{name}居住于{address}",
                                 "is_active": "on", "sort_order": 0})
    assert response.status_code == 302
    assert CertificateType.objects.get(pk=types["ZM01"].pk).template == "兹证明{name}居住于{address}"
    entry = AuditEntry.objects.get(action="servicedesk.certificate_type.updated")
    assert "template" in entry.changes
    response = client.post(url, {"code": "ZM02", "name": "x", "template": "x", "sort_order": 0})
    assert response.status_code == 400  # the code is taken
    response = client.post(reverse("servicedesk:certificate_type_create"), {
        "code": "ZM50", "name": "测试证明", "template": "兹证明{name", "sort_order": 0})
    assert response.status_code == 400
    response = client.post(reverse("servicedesk:certificate_type_create"), {
        "code": "ZM50", "name": "测试证明", "template": "兹证明{name}。", "sort_order": 0})
    assert response.status_code == 302
    assert CertificateType.objects.get(code="ZM50").district == sworld.nodes["D1"]
    assert client.get(reverse("servicedesk:certificate_type_edit", args=[other["ZM01"].pk])).status_code == 404


def test_list_pages_do_not_query_per_row(sworld, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from sanshe.servicedesk import services_appointments as sa
    from sanshe.servicedesk.models import AppointmentSlot

    client = client_for(sworld.user("window_clerk"))
    slot = AppointmentSlot.objects.create(station=sworld.stations["C1"], date=dt.date.today() + dt.timedelta(days=1),
                                          start=dt.time(9), end=dt.time(12), capacity=50)

    def counts():
        found = []
        for name in ("servicedesk:certificate_list", "servicedesk:appointment_list"):
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(reverse(name)).status_code == 200
            found.append(len(ctx))
        return found

    def add(n, start):
        for i in range(n):
            issue(sworld, holder_name=f"居民{start + i}")
            sa.book(actor=None, slot=slot, item=sworld.items["retire"], name=f"居民{start + i}",
                    phone=f"1380000{start + i:04d}")

    add(3, 0)
    few = counts()
    add(10, 3)
    assert counts() == few
