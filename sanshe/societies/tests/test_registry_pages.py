"""Pages of the registry: list with filters and export, forms, the score sheet, the cut-offs, figures, and the
organization's own pages; plus the API with Idempotency-Key."""

import io
import json

import pytest
from openpyxl import load_workbook

from sanshe.core.models import AuditEntry
from sanshe.societies import services_registry as sr
from sanshe.societies.models import Evaluation, Member, Organization, OrganizationStaff

from .registry_helpers import credit_code, residents

pytestmark = pytest.mark.django_db


@pytest.fixture
def orgs(world):
    worker = world.user("community_worker")
    a = sr.register_organization(actor=worker, node=world.nodes["C1"], name="和平夕阳红协会", track="registered",
                                 credit_code=credit_code(1), service_field="elderly", status="registered",
                                 contact_phone="13800138000")
    b = sr.register_organization(actor=worker, node=world.nodes["C1"], name="和平舞蹈队", track="filed",
                                 filing_number="HP-001", service_field="culture_sports", status="filed")
    far = Organization(name="远方组织", track="filed", filing_number="YF-1", status="filed")
    far.copy_ancestors_from(world.nodes["C4"])
    far.save()
    return a, b, far


def test_list_filters_and_export(world, client_for, orgs):
    client = client_for(world.user("street_official"))
    page = client.get("/societies/").content.decode()
    assert "和平夕阳红协会" in page and "和平舞蹈队" in page and "远方组织" not in page
    page = client.get("/societies/", {"track": "filed"}).content.decode()
    assert "和平舞蹈队" in page and "和平夕阳红协会" not in page
    page = client.get("/societies/", {"service_field": "elderly", "status": "registered",
                                      "node": world.nodes["C1"].pk}).content.decode()
    assert "和平夕阳红协会" in page and "和平舞蹈队" not in page
    response = client.get("/societies/export/", {"track": "registered"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    names = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert "和平夕阳红协会" in names and "和平舞蹈队" not in names
    assert not any("13800138000" in str(c.value) for row in sheet.iter_rows() for c in row)
    assert AuditEntry.objects.filter(action="societies.organizations.exported").count() == 1


def test_register_a_filed_organization_through_the_form(world, client_for):
    client = client_for(world.user("community_worker"))
    assert client.get("/societies/new/").status_code == 200
    bad = client.post("/societies/new/", {"name": "x", "track": "filed", "credit_code": credit_code(3),
                                          "node": world.nodes["C1"].pk, "status": "filed",
                                          "service_field": "youth"})
    assert bad.status_code == 400
    response = client.post("/societies/new/", {"name": "四点半课堂志愿队", "track": "filed", "filing_number": "HP-9",
                                               "node": world.nodes["C1"].pk, "status": "filed",
                                               "service_field": "youth"})
    assert response.status_code == 302
    org = Organization.objects.get(name="四点半课堂志愿队")
    detail = client.get(response["Location"]).content.decode()
    assert "HP-9" in detail and org.get_status_display() in detail


def test_detail_status_member_seat_pages(world, client_for, orgs):
    a, b, far = orgs
    client = client_for(world.user("community_worker"))
    person = residents(world.nodes["G1"], 1)[0]
    from sanshe.territory import registry

    person.id_number = "110101199003074514"
    person.id_number_index = registry.id_number_index("110101199003074514")
    person.save()
    assert client.post(f"/societies/{b.pk}/status/", {"to": "incubating", "note": "入孵"}).status_code == 302
    b.refresh_from_db()
    assert b.status == "incubating"
    assert client.post(f"/societies/{a.pk}/members/new/", {"kind": "individual",
                                                           "resident_lookup": "110101199003074514"}).status_code == 302
    assert Member.objects.get(organization=a).resident_id == person.pk
    assert client.post(f"/societies/{a.pk}/council/new/", {"role": "chair",
                                                           "resident_lookup": "110101199003074514"}).status_code == 302
    page = client.get(f"/societies/{a.pk}/").content.decode()
    assert person.name in page and "民办非企业单位" not in page
    assert client.get(f"/societies/{far.pk}/").status_code == 404
    assert client.post(f"/societies/{a.pk}/incubation/", {"level": "community", "stage": "intake",
                                                          "entered_on": "2025-03-01"}).status_code == 302
    assert client.post(f"/societies/{a.pk}/inspection/", {"year": 2025, "result": "passed"}).status_code == 302
    assert client.post(f"/societies/{a.pk}/posts/new/", {"title": "会长", "holder_name": "王某"}).status_code == 302
    assert client.get(f"/societies/{a.pk}/evaluation/").status_code == 403  # community workers do not evaluate


def test_evaluation_and_cutoffs_pages(world, client_for, orgs):
    a = orgs[0]
    client = client_for(world.user("street_official"))
    page = client.get(f"/societies/{a.pk}/evaluation/").content.decode()
    assert "score_sheet.js" in page and "900" in page
    bad = client.post(f"/societies/{a.pk}/evaluation/", {"evaluated_on": "2025-06-01", "score_basic": 70,
                                                          "score_governance": 300, "score_performance": 300,
                                                          "score_social": 100})
    assert bad.status_code == 400
    ok = client.post(f"/societies/{a.pk}/evaluation/", {"evaluated_on": "2025-06-01", "score_basic": 50,
                                                         "score_governance": 300, "score_performance": 300,
                                                         "score_social": 100})
    assert ok.status_code == 302
    assert Evaluation.objects.get(organization=a).level == "3A"
    assert client.get("/societies/evaluation-config/").status_code == 200
    admin = client_for(world.user("district_admin"))
    data = {"effective_from": "2026-01-01", "cut_5a": 950, "cut_4a": 850, "cut_3a": 750, "cut_2a": 650,
            "cut_1a": 550, "max_basic": 60, "max_governance": 380, "max_performance": 420, "max_social": 140,
            "validity_years": 5}
    assert admin.post("/societies/evaluation-config/", data).status_code == 302
    assert admin.post("/societies/evaluation-config/", data).status_code == 400  # same date twice
    assert "950" in admin.get("/societies/evaluation-config/").content.decode()


def test_figures_page(world, client_for, orgs):
    client = client_for(world.user("district_admin"))
    page = client.get("/societies/figures/").content.decode()
    assert 'data-figure="registered"' in page and "幸福街道" in page
    assert client.get("/societies/figures/", {"node": world.nodes["C4"].pk}).status_code == 404


def test_own_pages_of_the_social_org_role(world, client_for, orgs):
    a, b, far = orgs
    own = world.user("social_org")
    OrganizationStaff.objects.create(organization=a, user=own)
    client = client_for(own)
    assert client.get("/societies/mine/")["Location"].endswith(f"/societies/mine/{a.pk}/")
    page = client.get(f"/societies/mine/{a.pk}/").content.decode()
    assert "和平夕阳红协会" in page and "status-history" not in page
    assert client.get(f"/societies/mine/{b.pk}/").status_code == 404
    assert client.get(f"/societies/{a.pk}/").status_code == 403
    assert client.post(f"/societies/mine/{a.pk}/contacts/", {"contact_name": "新联络人",
                                                             "contact_phone": "13900139000"}).status_code == 302
    a.refresh_from_db()
    assert a.contact_name == "新联络人"
    assert client.post(f"/societies/mine/{a.pk}/members/new/", {"kind": "individual", "name": "新会员"}).status_code == 302
    assert client.post(f"/societies/mine/{a.pk}/council/new/", {"role": "director", "holder_name": "新理事"}).status_code == 302
    assert a.members.count() == 1 and a.council_seats.count() == 1


def test_api_reads_and_idempotent_writes(world, client_for, orgs):
    a, b, far = orgs
    client = client_for(world.user("community_worker"))
    listing = client.get("/api/v1/societies/organizations/").json()
    names = {row["name"] for row in listing["results"]} if "results" in listing else {r["name"] for r in listing}
    assert names == {"和平夕阳红协会", "和平舞蹈队"}
    body = {"node": world.nodes["C1"].pk, "name": "API组织", "track": "filed", "filing_number": "API-1",
            "service_field": "volunteering"}
    first = client.post("/api/v1/societies/organizations/", json.dumps(body), content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post("/api/v1/societies/organizations/", json.dumps(body), content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201 and again.status_code == 201 and first.json()["id"] == again.json()["id"]
    assert Organization.objects.filter(name="API组织").count() == 1
    bad = client.post("/api/v1/societies/organizations/", json.dumps({**body, "filing_number": "API-1"}),
                      content_type="application/json")
    assert bad.status_code == 400 and "filing_number" in bad.json()
    pk = first.json()["id"]
    moved = client.post(f"/api/v1/societies/organizations/{pk}/status/", {"to": "incubating"},
                        content_type="application/json")
    assert moved.status_code == 200 and moved.json()["status"] == "incubating"
    member = client.post(f"/api/v1/societies/organizations/{pk}/members/", {"kind": "individual", "name": "甲"},
                         content_type="application/json")
    assert member.status_code == 201
    assert client.get(f"/api/v1/societies/organizations/{far.pk}/").status_code == 404
    figures = client.get("/api/v1/societies/figures/").json()
    assert figures["filed"] == 2 and figures["registered"] == 1 and figures["individual_members"] == 1
    official = client_for(world.user("street_official"))
    ev = official.post(f"/api/v1/societies/organizations/{a.pk}/evaluations/",
                       {"evaluated_on": "2025-01-01", "score_basic": 60, "score_governance": 380,
                        "score_performance": 400, "score_social": 140}, content_type="application/json")
    assert ev.status_code == 201 and ev.json()["level"] == "5A"
    sr.save_seat(actor=world.user("community_worker"), org=a, role="chair", holder_name="理事甲")
    detail = client.get(f"/api/v1/societies/organizations/{a.pk}/").json()
    assert detail["evaluations"][0]["level"] == "5A" and detail["council_seats"][0]["holder_is_resident"] is False
    assert detail["status_changes"][0]["to_status"] == "registered" and detail["member_counts"]["individual"] == 0


def test_staff_seat_and_post_editing(world, client_for, orgs):
    a = orgs[0]
    client = client_for(world.user("community_worker"))
    assert client.post(f"/societies/{a.pk}/staff/", {"username": "t_community_worker"}).status_code == 400
    assert client.post(f"/societies/{a.pk}/staff/", {"username": "t_social_org", "title": "秘书"}).status_code == 302
    staff = OrganizationStaff.objects.get(organization=a)
    assert staff.user.username == "t_social_org" and staff.title == "秘书"
    seat = sr.save_seat(actor=world.user("community_worker"), org=a, role="director", holder_name="甲")
    assert client.post(f"/societies/council/{seat.pk}/", {"role": "chair", "holder_name": "乙"}).status_code == 302
    seat.refresh_from_db()
    assert (seat.role, seat.holder_name) == ("chair", "乙")
    post = sr.save_post(actor=world.user("community_worker"), org=a, title="会长", holder_name="丙")
    assert client.post(f"/societies/posts/{post.pk}/", {"title": "秘书长", "holder_name": "丁",
                                                         "holder_is_cadre": "on"}).status_code == 302
    post.refresh_from_db()
    assert (post.title, post.holder_is_cadre) == ("秘书长", True)
    assert client.post(f"/societies/council/{seat.pk}/remove/").status_code == 302
    assert client.post(f"/societies/posts/{post.pk}/remove/").status_code == 302
    assert client.post(f"/societies/staff/{staff.pk}/remove/").status_code == 302
    assert not a.council_seats.exists() and not a.posts.exists() and not a.staff.exists()
    assert AuditEntry.objects.filter(action__in=["societies.council_seat.removed", "societies.post.removed",
                                                 "societies.staff.removed"]).count() == 3


def test_list_and_api_queries_do_not_grow_with_rows(world, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(world.user("street_official"))

    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    def add(n, start):
        for i in range(n):
            o = Organization(name=f"组织{start + i}", track="filed", filing_number=f"Q{start + i}", status="filed")
            o.copy_ancestors_from(world.nodes["C1" if i % 2 else "C2"])
            o.save()

    add(3, 0)
    few = (count("/societies/"), count("/api/v1/societies/organizations/"), count("/societies/figures/"))
    add(30, 100)
    many = (count("/societies/"), count("/api/v1/societies/organizations/"), count("/societies/figures/"))
    assert few == many
