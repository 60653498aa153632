"""Pages rendered through Django's test client (the whole middleware stack, sessions, templates) as each role."""

from __future__ import annotations

from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sanshe.accounts.models import User
from sanshe.core.testing import login_as

TITLE = "Pages through the test client, per role"
NOTE = "status = HTTP status of the page; queries = SQL statements for one request (session and auth included)."
ORDER = 20
ROLES = ["district_admin", "street_official", "community_worker", "grid_worker", "system_admin"]


def _pages(user) -> dict[str, str]:
    pages = {"home /": reverse("home"), "territory browser": reverse("territory:browser")}
    grants = user.scope_nodes("territory.view")
    if grants:
        pages["own node page"] = reverse("territory:node_detail", args=[grants[0][1]])
    return pages


def run(b) -> None:
    for username in ROLES:
        user = User.objects.get(username=username)
        client = Client()
        login_as(client, user)
        for label, url in _pages(user).items():
            response = client.get(url)
            reset_queries()  # a request starts by clearing the log; start the count from an empty log too
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            n_queries = len(queries)  # read now: the log is cleared by the next request
            stats = b.timed(lambda url=url, client=client: client.get(url), runs=b.page_runs, warmup=2)
            b.add(f"{label} · {username}", status=response.status_code, queries=n_queries,
                  KiB=len(response.content) / 1024, p50=stats.p50, p95=stats.p95)
