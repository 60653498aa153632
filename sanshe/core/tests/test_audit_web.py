"""The audit log seen from the web: logins and denials recorded, the viewer, its pages, exports and checks."""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import path
from django.utils import timezone
from django.views import View
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from openpyxl import load_workbook

from sanshe.accounts.roles import Perm, Role
from sanshe.core import audit
from sanshe.core.exports import safe_cell
from sanshe.core.models import AuditEntry
from sanshe.core.testing import PASSWORD, login_as
from sanshe.core.views import ScopedObjectMixin
from sanshe.core.views_audit import EXPORT_COLUMNS, PAGE_SIZE
from sanshe.territory import services as territory
from sanshe.territory.models import Node
from sanshe.urls import urlpatterns as root_urlpatterns


# A probe page for the tests marked ``@pytest.mark.urls(__name__)``: one node through the scoped base view, and
# a rename through the territory service, so that denials and changes go through the whole middleware stack.
class ProbeNodeView(ScopedObjectMixin, View):
    model = Node
    required_permission = Perm.TERRITORY_VIEW

    def get(self, request, pk):
        return HttpResponse(self.get_object().code)

    def post(self, request, pk):
        territory.update_node(self.get_object(), actor=request.user, name=request.POST["name"])
        return HttpResponse("ok")


urlpatterns = [*root_urlpatterns, path("probe/nodes/<int:pk>/", ProbeNodeView.as_view())]


def newest(action: str) -> AuditEntry:
    return AuditEntry.objects.filter(action=action).order_by("-seq").first()


def count(action: str) -> int:
    return AuditEntry.objects.filter(action=action).count()


# --- Authentication through the real login page -------------------------------------------------------------
def test_login_and_logout_are_recorded(client, world):
    user = world.user(Role.GRID_WORKER)
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    entry = newest("auth.login")
    assert entry.user_id == user.pk and entry.username == user.username
    assert entry.roles == "grid_worker" and entry.territory == world.nodes["G1"].code
    assert entry.object_type == "accounts.user" and entry.object_id == str(user.pk)
    assert entry.ip == "127.0.0.1"
    assert entry.request_id == response["X-Request-ID"]
    assert entry.result == AuditEntry.Result.SUCCESS

    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    entry = newest("auth.logout")
    assert entry.user_id == user.pk and entry.request_id == response["X-Request-ID"]


def test_failed_login_is_recorded_without_the_password(client, world):
    before = count("auth.login_failed")
    response = client.post("/accounts/login/", {"username": "t_grid_worker", "password": "Wrong-pass-999"},
                           HTTP_X_REQUEST_ID="probe-failed-login-1")
    assert response.status_code == 200
    assert count("auth.login_failed") == before + 1
    entry = newest("auth.login_failed")
    assert entry.result == AuditEntry.Result.FAILURE
    assert entry.user_id is None and entry.username == "t_grid_worker"
    assert entry.request_id == "probe-failed-login-1" and entry.ip == "127.0.0.1"
    assert "Wrong-pass-999" not in str([entry.changes, entry.message, entry.object_repr])

    client.post("/accounts/login/", {"username": "no_such_person", "password": "x"})
    assert newest("auth.login_failed").username == "no_such_person"


@override_settings(AXES_FAILURE_LIMIT=3)
def test_lockout_is_recorded(client, world):
    for _i in range(3):
        response = client.post("/accounts/login/", {"username": "t_volunteer", "password": "Wrong-pass-999"})
    assert response.status_code == 403
    entry = newest("auth.lockout")
    assert entry is not None and entry.username == "t_volunteer"
    assert entry.result == AuditEntry.Result.DENIED
    # Even the right password is refused now, and no login is recorded.
    logins = count("auth.login")
    client.post("/accounts/login/", {"username": "t_volunteer", "password": PASSWORD})
    assert count("auth.login") == logins


def test_second_factor_is_recorded(client, world):
    admin = world.user(Role.AUDIT_ADMIN)
    device = TOTPDevice.objects.create(user=admin, name="phone", confirmed=True)
    response = client.post("/accounts/login/", {"username": admin.username, "password": PASSWORD})
    assert response.status_code == 302 and "/accounts/otp/" in response["Location"]
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    response = client.post("/accounts/otp/", {"token": f"{totp.token():06d}"})
    assert response.status_code == 302
    entry = newest("auth.second_factor")
    assert entry.user_id == admin.pk and entry.roles == "audit_admin"
    assert client.get("/audit/").status_code == 200


# --- Denials --------------------------------------------------------------------------------------------------
def test_403_is_recorded(client_for, world):
    gw = world.user(Role.GRID_WORKER)
    response = client_for(gw).get("/audit/")
    assert response.status_code == 403
    entry = newest("permission.denied")
    assert entry.user_id == gw.pk and entry.result == AuditEntry.Result.DENIED
    assert entry.message == "GET /audit/ audit.view"
    assert entry.request_id == response["X-Request-ID"] and entry.ip == "127.0.0.1"


@pytest.mark.urls(__name__)
def test_out_of_scope_404_is_recorded(client_for, world):
    gw = world.user(Role.GRID_WORKER)
    client = client_for(gw)
    assert client.get(f"/probe/nodes/{world.nodes['G1'].pk}/").status_code == 200
    before = count("permission.out_of_scope")
    outside = world.nodes["G2"]
    response = client.get(f"/probe/nodes/{outside.pk}/")
    assert response.status_code == 404
    assert count("permission.out_of_scope") == before + 1
    entry = newest("permission.out_of_scope")
    assert entry.user_id == gw.pk and entry.result == AuditEntry.Result.DENIED
    assert (entry.object_type, entry.object_id, entry.territory) == ("territory.node", str(outside.pk), outside.code)
    assert entry.request_id == response["X-Request-ID"]
    # A node that does not exist at all is a plain 404, nothing to record.
    assert client.get("/probe/nodes/999999/").status_code == 404
    assert count("permission.out_of_scope") == before + 1


@pytest.mark.urls(__name__)
def test_change_through_a_web_request_carries_its_request_id_and_ip(client_for, world):
    admin = world.user(Role.DISTRICT_ADMIN)
    grid = world.nodes["G2"]
    response = client_for(admin).post(f"/probe/nodes/{grid.pk}/", {"name": "改名网格"},
                                      HTTP_X_REQUEST_ID="web-rename-0001", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 200 and response["X-Request-ID"] == "web-rename-0001"
    entry = newest("territory.node.updated")
    assert entry.changes == {"name": ["和平第二网格", "改名网格"]}
    assert entry.request_id == "web-rename-0001" and entry.ip == "203.0.113.9"
    assert entry.user_id == admin.pk and entry.roles == "district_admin" and entry.territory == grid.code


# --- Who may read the log -------------------------------------------------------------------------------------
def _audit_requests(client, entry_pk):
    return [
        ("GET /audit/", client.get("/audit/")),
        ("GET /audit/<pk>/", client.get(f"/audit/{entry_pk}/")),
        ("POST /audit/export/", client.post("/audit/export/", {"format": "csv"})),
        ("POST /audit/verify/", client.post("/audit/verify/")),
    ]


def test_only_the_audit_administrator_reads_the_log(client, world):
    entry_pk = AuditEntry.objects.order_by("seq").first().pk
    for label, response in _audit_requests(client, entry_pk):
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], label
    failures = []
    for role in Role.values:
        if role == Role.AUDIT_ADMIN:
            continue
        c = Client()
        login_as(c, world.user(role))
        for label, response in _audit_requests(c, entry_pk):
            if response.status_code != 403:
                failures.append(f"{role} {label}: {response.status_code}")
    assert not failures, failures
    assert not AuditEntry.objects.filter(action__in=["audit.exported", "audit.verified"]).exists()
    c = Client()
    login_as(c, world.user(Role.AUDIT_ADMIN))
    assert [r.status_code for _label, r in _audit_requests(c, entry_pk)] == [200, 200, 200, 302]


def test_audit_admin_without_second_factor_is_sent_to_it(client, world):
    admin = world.user(Role.AUDIT_ADMIN)
    client.force_login(admin)
    response = client.get("/audit/")
    assert response.status_code == 302 and "/accounts/otp/" in response["Location"]


# --- The list: filters and keyset pages -----------------------------------------------------------------------
@pytest.fixture
def auditor(client_for, world):
    return client_for(world.user(Role.AUDIT_ADMIN))


def seqs(response) -> list[int]:
    return [row.seq for row in response.context["entries"]]


def test_reading_the_log_is_not_audited(auditor, world):
    n = AuditEntry.objects.count()
    response = auditor.get("/audit/")
    assert response.status_code == 200
    entry = AuditEntry.objects.order_by("seq").first()
    assert auditor.get(f"/audit/{entry.pk}/").status_code == 200
    assert AuditEntry.objects.count() == n
    # The newest entry comes first, labelled in the reader's language.
    assert seqs(response)[0] == AuditEntry.objects.order_by("-seq").first().seq


def test_list_shows_labels_roles_and_result(auditor, world):
    territory.update_node(world.nodes["G2"], actor=world.user(Role.DISTRICT_ADMIN), name="标签网格")
    response = auditor.get("/audit/", {"action": "territory.node.updated"})
    html = response.content.decode()
    row = response.context["entries"][0]
    assert row.action_label == str(territory_label())
    assert row.role_labels == [str(Role.DISTRICT_ADMIN.label)]
    assert row.territory_codes == [(world.nodes["G2"].code, "标签网格")]
    assert str(Role.DISTRICT_ADMIN.label) in html and "territory.node.updated" in html
    assert 'class="tag tag-ok"' in html


def territory_label():
    from sanshe.core.views_audit import ACTION_LABELS

    return ACTION_LABELS["territory.node.updated"]


def test_filters(auditor, world):
    admin = world.user(Role.DISTRICT_ADMIN)
    from sanshe.core import context

    with context.bind(request_id="filter-req-0001", ip="198.51.100.4"):
        territory.update_node(world.nodes["G3"], actor=admin, name="过滤网格")
        audit.record("test.failed_thing", actor=admin, result=AuditEntry.Result.FAILURE)

    def matching(**params):
        response = auditor.get("/audit/", params)
        assert response.status_code == 200
        return set(seqs(response))

    auth_seqs = matching(action="accounts.")
    assert auth_seqs and auth_seqs == set(
        AuditEntry.objects.filter(action__startswith="accounts.").order_by("-seq")
        .values_list("seq", flat=True)[:PAGE_SIZE])
    by_request = matching(request_id="filter-req-0001")
    assert len(by_request) == 2
    assert matching(ip="198.51.100.4") == by_request
    assert matching(result="failure") == {newest("test.failed_thing").seq}
    by_user = matching(user="t_district")
    assert by_user and by_user == set(
        AuditEntry.objects.filter(username__startswith="t_district").values_list("seq", flat=True))
    node_entry = newest("territory.node.updated")
    assert matching(object_type="territory.node", object_id=str(world.nodes["G3"].pk)) >= {node_entry.seq}
    assert all(AuditEntry.objects.get(seq=s).object_id == str(world.nodes["G3"].pk)
               for s in matching(object_type="territory.node", object_id=str(world.nodes["G3"].pk)))
    # Territory: a prefix, also matching the second code of an actor with several grants.
    under_c2 = matching(territory=world.nodes["C2"].code)
    assert node_entry.seq in under_c2
    assert all(world.nodes["C2"].code in AuditEntry.objects.get(seq=s).territory for s in under_c2)
    multi = audit.record("test.multi", actor=two_grid_worker(world))
    assert multi.territory == f"{world.nodes['G1'].code},{world.nodes['G2'].code}"
    assert multi.seq in matching(territory=world.nodes["G2"].code)
    assert multi.seq in matching(territory=world.nodes["C1"].code)
    assert multi.seq not in matching(territory=world.nodes["C2"].code)
    # Time: local dates and minutes; the stored time is UTC.
    today = timezone.localdate()
    assert matching(date_from=str(today + timedelta(days=1))) == set()
    assert matching(date_to=str(today - timedelta(days=1))) == set()
    assert multi.seq in matching(date_from=str(today), date_to=str(today))
    local = timezone.localtime(multi.at)
    minute = local.strftime("%Y-%m-%dT%H:%M")
    assert multi.seq in matching(date_from=minute, date_to=minute)
    assert multi.seq not in matching(date_to=(local - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M"))
    # Bad input is shown on the form, not a crash.
    response = auditor.get("/audit/", {"ip": "300.1", "date_from": "yesterday"})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"ip", "date_from"}
    assert seqs(response) == []


def two_grid_worker(world):
    """An actor holding two grants, so that his entries' territory is 'code1,code2'."""
    from sanshe.accounts import services as accounts

    user = world.user("nobody")
    for grid in ("G1", "G2"):
        accounts.grant_role(user, actor=world.user(Role.SECURITY_ADMIN), role=Role.GRID_WORKER,
                            node=world.nodes[grid])
    user.clear_grant_cache()
    return user


def test_keyset_pagination_walks_every_entry_once(auditor, world):
    for i in range(2 * PAGE_SIZE + 7):
        audit.record("test.ping", message=str(i))
    expected = list(AuditEntry.objects.order_by("-seq").values_list("seq", flat=True))
    seen, url, pages, query_counts = [], "/audit/", 0, []
    while url:
        with CaptureQueriesContext(connection) as queries:
            response = auditor.get(url)
        sql = " ".join(q["sql"] for q in queries.captured_queries).upper()
        assert "OFFSET" not in sql
        query_counts.append(len(queries.captured_queries))
        seen += seqs(response)
        older = response.context["older_url"]
        url = "/audit/" + older if older else ""
        pages += 1
    assert seen == expected
    assert pages == -(-len(expected) // PAGE_SIZE)
    # The same few queries whatever the page: +1 for "is there a newer page?", +1 for territory names.
    assert max(query_counts) - min(query_counts) <= 2

    # And back, newer and newer, from the oldest page.
    response = auditor.get("/audit/", {"after": 0})
    back = seqs(response)
    assert back == expected[-len(back):]
    while response.context["newer_url"]:
        response = auditor.get("/audit/" + response.context["newer_url"])
        back = seqs(response) + back
    assert back == expected

    # With a filter, the cursor keeps the filter.
    response = auditor.get("/audit/", {"action": "test.ping"})
    assert len(seqs(response)) == PAGE_SIZE
    older = response.context["older_url"]
    assert "action=test.ping" in older
    response = auditor.get("/audit/" + older)
    assert all(AuditEntry.objects.get(seq=s).action == "test.ping" for s in seqs(response))
    # "Go to no." puts that entry on top.
    target = expected[len(expected) // 2]
    assert seqs(auditor.get("/audit/", {"seq": target}))[0] == target


# --- One entry ------------------------------------------------------------------------------------------------
def test_detail_shows_the_diff_hashes_and_neighbours(auditor, world):
    from sanshe.core import context

    with context.bind(request_id="detail-req-0001", ip="10.0.0.8"):
        territory.update_node(world.nodes["G2"], actor=world.user(Role.DISTRICT_ADMIN), name="明细网格")
        audit.record("test.same_request")
    entry = newest("territory.node.updated")
    response = auditor.get(f"/audit/{entry.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["diffs"] == [{
        "field": "name", "label": str(Node._meta.get_field("name").verbose_name),
        "before": "和平第二网格", "after": "明细网格", "before_none": False, "after_none": False,
    }]
    assert "和平第二网格" in html and "明细网格" in html
    assert entry.hash in html and entry.prev_hash in html
    assert response.context["hash_ok"] and response.context["link_ok"]
    assert response.context["previous"].seq == entry.seq - 1
    assert response.context["following"].seq == entry.seq + 1
    assert response.context["same_request"] == 2
    assert "request_id=detail-req-0001" in html
    assert f'href="/audit/{response.context["previous"].pk}/"' in html
    assert "UTC" in html and "10.0.0.8" in html
    assert auditor.get("/audit/99999999/").status_code == 404


def test_detail_of_a_grant_shows_details_and_masked_password(auditor, world):
    from sanshe.accounts.services import create_user

    created, _pw = create_user(
        actor=world.user(Role.SYSTEM_ADMIN), username="detail_user", password="Other-secret-77",
        district=world.nodes["D1"])
    entry = newest("accounts.user.created")
    html = auditor.get(f"/audit/{entry.pk}/").content.decode()
    assert "******" in html and "Other-secret-77" not in html and created.password not in html


# --- Export ---------------------------------------------------------------------------------------------------
def _content(response) -> bytes:
    return b"".join(response.streaming_content)


HEADERS = [str(h) for h, _w in EXPORT_COLUMNS]


def test_export_xlsx(auditor, world):
    expected = list(AuditEntry.objects.filter(action__startswith="territory.").order_by("-seq")
                    .values_list("seq", flat=True))
    response = auditor.post("/audit/export/", {"format": "xlsx", "action": "territory."})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'attachment; filename="audit-' in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(_content(response))).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    assert [r[0] for r in rows[1:]] == expected
    first = AuditEntry.objects.get(seq=expected[0])
    assert rows[1][17] == first.hash and rows[1][6] == first.action
    assert rows[1][2] == first.at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert rows[1][1] == timezone.localtime(first.at).replace(tzinfo=None, microsecond=0)

    entry = newest("audit.exported")
    assert entry.user.username == "t_audit_admin" and entry.roles == "audit_admin"
    assert entry.changes == {"filter": {"action": "territory."}, "format": "xlsx", "rows": len(expected),
                             "truncated": False}
    assert entry.request_id == response["X-Request-ID"]


def test_export_csv_has_bom_and_escapes_formulas(auditor, world):
    evil = audit.record("test.evil", object_repr="=HYPERLINK(\"http://evil\",\"点我\")", message="+1+2",
                        username="@SUM(A1)", object_id="-3")
    response = auditor.post("/audit/export/", {"format": "csv", "action": "test.evil"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    raw = _content(response)
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == HEADERS
    row = rows[1]
    assert row[0] == str(evil.seq)
    assert row[10] == "'=HYPERLINK(\"http://evil\",\"点我\")"
    assert row[15] == "'+1+2" and row[3] == "'@SUM(A1)" and row[9] == "'-3"
    assert rows[2:] == [] or rows[2] == []  # the notes follow a blank line

    xlsx = auditor.post("/audit/export/", {"format": "xlsx", "action": "test.evil"})
    cells = list(load_workbook(io.BytesIO(_content(xlsx))).worksheets[0].iter_rows())[1]
    assert cells[10].value == "'=HYPERLINK(\"http://evil\",\"点我\")" and cells[10].data_type == "s"
    assert cells[15].value == "'+1+2"


@override_settings(SANSHE_AUDIT_EXPORT_MAX_ROWS=10)
def test_export_is_capped_and_says_so(auditor, world):
    total = AuditEntry.objects.count()
    assert total > 10
    assert auditor.get("/audit/").context["export_max_rows"] == 10
    response = auditor.post("/audit/export/", {"format": "csv"})
    assert response["X-Export-Truncated"] == "1" and response["X-Export-Rows"] == "10"
    rows = list(csv.reader(io.StringIO(_content(response).decode("utf-8-sig"))))
    assert len([r for r in rows[1:11] if r and r[0].isdigit()]) == 10
    assert "10" in rows[11][0] and not rows[11][0].isdigit()  # the "cut at 10 rows" line
    entry = newest("audit.exported")
    assert entry.changes["rows"] == 10 and entry.changes["truncated"] is True


def test_invalid_export_filter_exports_nothing(auditor, world):
    response = auditor.post("/audit/export/", {"format": "csv", "ip": "not-an-ip"})
    assert response.status_code == 302
    assert not AuditEntry.objects.filter(action="audit.exported").exists()
    assert auditor.post("/audit/export/", {"format": "pdf"}).status_code == 400
    assert auditor.get("/audit/export/").status_code == 405


@pytest.mark.parametrize("value,expected", [
    ("=1+2", "'=1+2"), ("+1", "'+1"), ("-1", "'-1"), ("@A1", "'@A1"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("plain", "plain"), ("中文=1", "中文=1"), ("", ""), (None, None), (5, 5), (-5, -5), (1.5, 1.5), (True, True),
])
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


# --- The chain status on the list page -----------------------------------------------------------------------
def test_verify_button(auditor, world):
    n = AuditEntry.objects.count()
    response = auditor.post("/audit/verify/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    chain = response.context["chain"]
    assert chain["ok"] and chain["checked"] == n and chain["fresh"]
    assert 'id="chain-status"' in response.content.decode()
    entry = newest("audit.verified")
    assert entry.result == AuditEntry.Result.SUCCESS and entry.changes == {"entries": n}
    # The list page shows the last check.
    listed = auditor.get("/audit/").context["chain"]
    assert listed["ok"] and listed["checked"] == n and not listed["fresh"]
    # Without htmx: back to the list with a message.
    response = auditor.post("/audit/verify/")
    assert response.status_code == 302


def test_verify_button_names_the_broken_link(auditor, world):
    from sanshe.core.tests.test_audit_log import append_only_off

    seq = AuditEntry.objects.count() // 2
    append_only_off()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditentry SET username = 'someone_else' WHERE seq = %s", [seq])
    response = auditor.post("/audit/verify/", HTTP_HX_REQUEST="true")
    chain = response.context["chain"]
    assert not chain["ok"] and chain["broken_seq"] == seq
    assert f"?seq={seq}" in response.content.decode()
    entry = newest("audit.verified")
    assert entry.result == AuditEntry.Result.FAILURE
    assert entry.changes == {"entries": seq - 1, "broken_seq": seq, "reason": "content"}
    tampered = AuditEntry.objects.get(seq=seq)
    detail = auditor.get(f"/audit/{tampered.pk}/")
    assert detail.context["hash_ok"] is False
