"""Resident search at district scale (issue 3 item 8): the search of the resident search page and API
(:mod:`sanshe.territory.views_registry_search`, :mod:`sanshe.territory.filters_registry`) on the 1,000,000
residents of ``seed_demo --scale district``, as ``grid_worker`` and as ``district_admin``.

Each measure builds the queryset exactly as the view does for that user (``ResidentFilter`` on the request
parameters, ``visible_to``, the display joins and the tags prefetch, encrypted columns deferred) and fetches the
first keyset page of 50 (rows + tags: two queries). The raw side runs the captured statements (the same SQL and
parameters) on a bare cursor. Last, the search page itself is requested with page sizes 20 and 100 to show that
the number of queries does not depend on the page size.
"""

from __future__ import annotations

from django.db import connection
from django.http import QueryDict
from django.utils import timezone

from bench.core import captured_sql, raw_runner

TITLE = "Registry: resident search at district scale (first keyset page of 50), ORM vs the same SQL raw"
NOTE = ("ORM/raw = ratio of the p50s; rows = residents on the page; queries = statements per page. Target: p95 "
        "under 50 ms. Name = prefix match (the default); ID number and phone = full value through the blind index.")
ORDER = 35
ROLES = ["grid_worker", "district_admin"]
PAGE = 50


class _Request:
    def __init__(self, user, params: dict):
        self.user = user
        self.GET = QueryDict(mutable=True)
        self.GET.update(params)


def _sample(user):
    """A resident the user reaches (with a phone, not the first ones) and a territory node below his own."""
    from sanshe.accounts.roles import Perm
    from sanshe.territory.choices import Level
    from sanshe.territory.models import Node, Resident

    visible = Resident.objects.visible_to(user, Perm.REGISTRY_VIEW)
    ids = list(visible.exclude(phone="").order_by("id").values_list("id", flat=True)[:400])
    if not ids:
        return None, None
    resident = Resident.objects.get(pk=ids[len(ids) // 2])
    levels = [Level.COMMUNITY, Level.COMPOUND] if user.username == "district_admin" else [Level.COMPOUND]
    node = None
    for level in levels:
        node = Node.objects.filter(pk=getattr(resident, f"{level}_id")).first() or node
        if node is not None:
            break
    return resident, node


def _searches(resident, node) -> dict[str, dict]:
    return {
        "all my territory": {},
        "name (prefix)": {"name": resident.name},
        "name (surname prefix)": {"name": resident.name[0]},
        "full ID number": {"id_number": resident.id_number},
        "full phone": {"phone": resident.phone},
        "tag 残疾人": {"tag": "disabled"},
        "age 60–70": {"age_min": "60", "age_max": "70"},
        f"territory ({node.get_level_display()})": {"node": str(node.pk)},
        "name + age + tag": {"name": resident.name[0], "age_min": "18", "age_max": "60", "tag": "unemployed"},
    }


def run(b) -> None:
    from sanshe.accounts.models import User
    from sanshe.territory.filters_registry import ResidentFilter
    from sanshe.territory.models import Resident
    from sanshe.territory.views_registry_search import keyset_page, search_queryset, with_display

    if not Resident.objects.exists():
        b.log("no residents: skipped (seed_demo --scale district adds them)")
        return
    today = timezone.localdate()
    for username in ROLES:
        user = User.objects.get(username=username)
        user.active_grants()  # cached on the instance, as within one request
        resident, node = _sample(user)
        if resident is None:
            b.log(f"{username}: no resident in reach, skipped")
            continue
        for label, params in _searches(resident, node).items():
            request = _Request(user, params)

            def page(request=request, label=label, user=user):
                filterset = ResidentFilter(request.GET, request=request, today=today)
                if not filterset.form.is_valid():
                    raise RuntimeError(f"{label}: {filterset.form.errors.as_json()}")
                qs = with_display(search_queryset(user, filterset), today).defer("id_number", "phone")
                return keyset_page(qs, after=None, before=None, size=PAGE)

            page()  # the filter's own look-ups (tag type, territory choice) cached as in a warm process
            with captured_sql(connection) as statements:
                rows = len(page().rows)
            orm = b.timed(page)
            raw = b.timed(raw_runner(connection, statements))
            b.add(f"{label} · {username}", rows=rows, queries=len(statements), **{
                "ORM p50": orm.p50, "ORM p95": orm.p95, "raw p50": raw.p50, "raw p95": raw.p95,
                "ORM/raw": orm.p50 / raw.p50 if raw.p50 else None,
            })
    _page_queries(b)


def _page_queries(b) -> None:
    """The search page (HTML) with 20 and with 100 rows: the same number of queries."""
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from sanshe.accounts.models import User

    client = Client()
    for username in ROLES:
        client.force_login(User.objects.get(username=username))
        counts = {}
        for size in (20, 100):
            url = reverse("territory:resident_search")
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(url, {"size": size}, HTTP_HOST="localhost")
            counts[size] = (len(ctx.captured_queries), response.status_code,
                            len(response.context["rows"]) if response.context else None)
        page = b.timed(lambda: client.get(reverse("territory:resident_search"), {"size": 50},
                                          HTTP_HOST="localhost"), runs=b.page_runs, warmup=2)
        b.add(f"search page, sizes 20 / 100 · {username}", rows=f"{counts[20][2]} / {counts[100][2]}",
              queries=f"{counts[20][0]} / {counts[100][0]}", **{"ORM p50": page.p50, "ORM p95": page.p95})
