"""Pages of the social workers' roster: the list and its filters, the worker's page and forms, my profile, the
subsidy table, the roll with its .xlsx export (audited) and confirmation, trainings, figures, scoping."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from sanshe.core.models import AuditEntry
from sanshe.socialwork.choices_workers import CertificateLevel as L
from sanshe.socialwork.models import SocialWorker
from sanshe.socialwork.models_workers import SubsidyRate, SubsidyRoll, Training, WorkerCertificate

from .workers_support import agency, cert, chenghua_table, worker

pytestmark = pytest.mark.django_db
LAST_MONTH = (dt.date.today().replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def test_street_official_puts_a_worker_on_the_roster_with_a_certificate(world, client_for):
    org = agency(world.nodes["S1"])
    client = client_for(world.user("street_official"))
    page = client.get(reverse("socialwork:worker_create"))
    assert page.status_code == 200 and org.name in page.content.decode()
    response = client.post(reverse("socialwork:worker_create"), {
        "name": "陈静", "node": world.nodes["C1"].pk, "username": "t_social_worker", "employer": org.pk,
        "post": "一线社工", "started_on": "2025-03-01"})
    assert response.status_code == 302
    w = SocialWorker.objects.get(name="陈静")
    assert w.user.username == "t_social_worker" and w.posts.get().started_on == dt.date(2025, 3, 1)
    response = client.post(reverse("socialwork:worker_certificate_create", args=[w.pk]), {
        "level": L.INTERMEDIATE, "number": "ZJ2024-0001", "issued_on": "2024-06-01", "registered_on": "2024-07-01"})
    assert response.status_code == 302
    detail = client.get(reverse("socialwork:worker_detail", args=[w.pk])).content.decode()
    assert "ZJ2024-0001" in detail and org.name in detail
    assert 'id="current-level"><span class="tag tag-ok" data-level="intermediate">' in detail
    # a duplicate number is refused on the form
    response = client.post(reverse("socialwork:worker_certificate_create", args=[w.pk]), {
        "level": L.ASSISTANT, "number": "zj2024-0001", "issued_on": "2024-06-01"})
    assert response.status_code == 400 and WorkerCertificate.objects.count() == 1
    # a bad account name is an error on the field
    response = client.post(reverse("socialwork:worker_create"), {"name": "无账号", "node": world.nodes["C1"].pk,
                                                                 "username": "nobody-here"})
    assert response.status_code == 400 and not SocialWorker.objects.filter(name="无账号").exists()
    # revoke through the page
    c = WorkerCertificate.objects.get()
    response = client.post(reverse("socialwork:worker_certificate_revoke", args=[c.pk]), {"reason": "注销"})
    assert response.status_code == 302
    c.refresh_from_db()
    assert c.revoked_on == dt.date.today()


def test_the_list_filters_by_valid_level_and_community_workers_only_read(world, client_for):
    n = world.nodes
    a = worker(n["C1"], "中级甲")
    cert(a, L.INTERMEDIATE)
    cert(a, L.ASSISTANT)
    b = worker(n["C1"], "过期乙")
    cert(b, L.SENIOR, until=dt.date(2021, 1, 1))
    worker(n["C2"], "团结丙")
    worker(n["C4"], "远方丁")
    client = client_for(world.user("community_worker"))
    page = client.get(reverse("socialwork:worker_list")).content.decode()
    assert "中级甲" in page and "过期乙" in page and "团结丙" not in page and "远方丁" not in page
    page = client.get(reverse("socialwork:worker_list"), {"level": L.INTERMEDIATE, "active": "1"}).content.decode()
    assert "中级甲" in page and "过期乙" not in page
    page = client.get(reverse("socialwork:worker_list"), {"level": L.ASSISTANT, "active": "1"}).content.decode()
    assert "中级甲" not in page  # his highest valid level is 中级
    page = client.get(reverse("socialwork:worker_list"), {"level": "none", "active": "1"}).content.decode()
    assert "过期乙" in page and "中级甲" not in page
    assert client.get(reverse("socialwork:worker_create")).status_code == 403
    assert client.get(reverse("socialwork:worker_edit", args=[a.pk])).status_code == 403
    assert "worker-new-link" not in client.get(reverse("socialwork:worker_detail", args=[a.pk])).content.decode()


def test_my_profile_shows_the_social_workers_own_page(world, client_for):
    me = worker(world.nodes["C1"], "我自己", user=world.user("social_worker"))
    cert(me, L.INTERMEDIATE, number="ME-001")
    client = client_for(world.user("social_worker"))
    page = client.get(reverse("socialwork:my_profile")).content.decode()
    assert "ME-001" in page and "我自己" in page and 'id="my-practice-links"' in page
    # he cannot read the roster
    assert client.get(reverse("socialwork:worker_detail", args=[me.pk])).status_code == 403
    # not linked: a hint, not an error
    me.user = None
    me.save()
    page = client.get(reverse("socialwork:my_profile"))
    assert page.status_code == 200 and 'id="not-on-roster"' in page.content.decode()


def test_district_admin_enters_rates_and_exports_the_roll(world, client_for):
    n = world.nodes
    admin = world.user("district_admin")
    client = client_for(admin)
    for level, amount in ((L.STAFF, 200), (L.ASSISTANT, 400), (L.INTERMEDIATE, 600), (L.SENIOR, 800)):
        response = client.post(reverse("socialwork:subsidy_rates"), {
            "region": n["D1"].pk, "level": level, "effective_from": "2020-01-01", "amount": str(amount)})
        assert response.status_code == 302
    assert SubsidyRate.objects.count() == 4
    response = client.post(reverse("socialwork:subsidy_rates"), {
        "region": n["D2"].pk, "level": L.STAFF, "effective_from": "2020-01-01", "amount": "1"})
    assert response.status_code == 400  # not a region of his
    page = client.get(reverse("socialwork:subsidy_rates")).content.decode()
    assert "600.00" in page and "800.00" in page
    paid = worker(n["C1"], "领补贴")
    cert(paid, L.SENIOR)
    unpaid = worker(n["C3"], "未注册")
    cert(unpaid, L.SENIOR, registered=None)
    query = {"node": n["D1"].pk, "month": f"{LAST_MONTH:%Y-%m}"}
    page = client.get(reverse("socialwork:subsidy_roll"), query).content.decode()
    assert 'id="roll-total">800.00<' in page and f'data-worker="{unpaid.pk}" data-reason="not_registered"' in page
    response = client.get(reverse("socialwork:subsidy_roll_export"), query)
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[1][0] == "领补贴" and rows[1][4] == paid.certificates.get().number and rows[1][-1] == 800
    assert rows[-1][-1] == 800 and len(rows) == 3  # header, one line, total
    entry = AuditEntry.objects.filter(action="socialwork.subsidy_roll.exported").get()
    assert entry.username == admin.username
    response = client.post(reverse("socialwork:subsidy_roll_confirm"), query)
    assert response.status_code == 302
    roll = SubsidyRoll.objects.get()
    assert roll.total == Decimal(800) and roll.headcount == 1
    page = client.get(reverse("socialwork:subsidy_roll"), query).content.decode()
    assert 'id="roll-confirmed"' in page and 'id="roll-confirm"' not in page
    detail = client.get(reverse("socialwork:worker_detail", args=[paid.pk])).content.decode()
    assert 'id="payment-table"' in detail and "800.00" in detail
    # the street official keeps the roster but not the subsidy
    official = client_for(world.user("street_official"))
    assert official.get(reverse("socialwork:subsidy_roll")).status_code == 403
    assert 'id="payment-table"' not in official.get(reverse("socialwork:worker_detail", args=[paid.pk])).content.decode()


def test_trainings_recorded_by_a_street_official_and_the_figures(world, client_for):
    n = world.nodes
    chenghua_table(n["D1"])
    a = worker(n["C1"], "培训甲")
    cert(a, L.INTERMEDIATE)
    b = worker(n["C2"], "培训乙")
    client = client_for(world.user("street_official"))
    form = client.get(reverse("socialwork:training_create")).content.decode()
    assert "培训甲" in form and "培训乙" in form
    response = client.post(reverse("socialwork:training_create"), {
        "title": "个案工作实务", "kind": "central", "node": n["S1"].pk, "held_on": "2026-04-10", "hours": "3.5",
        "place": "街道党群服务中心", "attendees": [a.pk, b.pk]})
    assert response.status_code == 302
    t = Training.objects.get()
    assert set(t.attendees.all()) == {a, b}
    page = client.get(reverse("socialwork:training_list")).content.decode()
    assert "个案工作实务" in page
    assert "个案工作实务" in client.get(reverse("socialwork:training_detail", args=[t.pk])).content.decode()
    response = client.post(reverse("socialwork:training_edit", args=[t.pk]), {
        "title": "个案工作实务（二）", "kind": "on_site", "node": n["S1"].pk, "held_on": "2026-04-10", "hours": "2",
        "attendees": [a.pk]})
    assert response.status_code == 302
    t.refresh_from_db()
    assert t.kind == "on_site" and list(t.attendees.all()) == [a]
    figures = client.get(reverse("socialwork:worker_figures"), {"node": n["S1"].pk}).content.decode()
    assert 'id="fig-certified">1<' in figures
    # another street's training is out of reach
    far = Training(title="远方", kind="central", held_on=dt.date(2026, 1, 1), hours=1)
    far.copy_ancestors_from(n["C3"])
    far.save()
    assert client.get(reverse("socialwork:training_detail", args=[far.pk])).status_code == 404


def test_list_pages_query_count_does_not_grow_with_rows(world, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(world.user("district_admin"))
    org = agency(world.nodes["S1"])
    urls = [reverse("socialwork:worker_list"), reverse("socialwork:training_list"), "/api/v1/socialwork/workers/",
            "/api/v1/socialwork/certificates/",
            reverse("socialwork:subsidy_roll") + f"?node={world.nodes['D1'].pk}&month=2026-03"]
    chenghua_table(world.nodes["D1"])

    def counts():
        out = []
        for url in urls:
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            out.append(len(ctx.captured_queries))
        return out

    def add(k):
        for i in range(k):
            w = worker(world.nodes["C1" if i % 2 else "C3"], f"社工{SocialWorker.objects.count()}", employer=org)
            cert(w, [L.STAFF, L.ASSISTANT, L.INTERMEDIATE, L.SENIOR][i % 4])
            t = Training(title=f"培训{i}", kind="central", held_on=dt.date(2026, 1, 1 + i), hours=2)
            t.copy_ancestors_from(world.nodes["S1"])
            t.save()
            t.attendees.set([w])

    add(3)
    small = counts()
    add(12)
    assert counts() == small
