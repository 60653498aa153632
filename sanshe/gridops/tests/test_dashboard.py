"""The dashboard page and its xlsx export: figures, pickers, scoping, bad input, the audit of the export."""

from __future__ import annotations

import io
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from sanshe.core.models import AuditEntry
from sanshe.core.testing import login_as
from sanshe.gridops.choices import Action, Rating
from sanshe.gridops.services import transition
from sanshe.gridops.testing import report

pytestmark = pytest.mark.django_db
URL = reverse("gridops:dashboard")
EXPORT = reverse("gridops:dashboard_export")
CARDS = ["reported", "filed", "due", "closed", "closure_rate", "on_time_closure_rate", "on_time_handling_rate",
         "rework_rate", "extension_rate", "mean_handling_hours", "satisfaction_rate", "dispute_resolution_rate",
         "dispute_inside_share"]


def client_for(world, role) -> Client:
    client = Client()
    login_as(client, world.user(role))
    return client


def card(html: str, key: str) -> str | None:
    """What the e2e test reads too: the value of the card ``[data-figure=key] [data-value]``."""
    found = re.search(rf'data-figure="{key}"><div class="num" data-value>([^<]*)</div>', html)
    return found.group(1) if found else None


def closed_event(w, rating=Rating.SATISFIED):
    desk, handler = w.user("community_worker"), w.user("handler")
    event = report(w)
    event = transition(event, Action.FILE, actor=desk)
    event = transition(event, Action.DISPATCH, actor=desk)
    event = transition(event, Action.FEED_BACK, actor=handler, note="已清运")
    event = transition(event, Action.VERIFY, actor=w.user("grid_worker"))
    event = transition(event, Action.CLOSE, actor=desk)
    return transition(event, Action.RATE, actor=w.user("grid_worker"), rating=rating)


def test_the_page_shows_every_card_and_chart(gworld):
    w = gworld
    closed_event(w)
    report(w)
    response = client_for(w, "district_admin").get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    for key in CARDS:
        assert card(html, key) is not None, key
    assert card(html, "reported") == "2" and card(html, "closed") == "1" and card(html, "closure_rate") == "100.0%"
    assert card(html, "satisfaction_rate") == "100.0%"
    assert "vendor/echarts/echarts.min.js" in html and 'id="stats-chart-data"' in html
    for chart in ("trend", "categories", "units", "children"):
        assert f'data-chart="{chart}"' in html
    assert "<script>" not in html.replace('<script type="application/json"', "")  # CSP: no inline script
    assert response.context["node"] == w.nodes["D1"]
    assert [r.label for r in response.context["result"].children][:1] == ["幸福街道"]
    assert "幸福街道城管科" in html  # the handling unit ranking


def test_the_dashboard_moves(gworld):
    w = gworld
    client = client_for(w, "community_worker")
    before = card(client.get(URL).content.decode(), "closed")
    closed_event(w)
    after = card(client.get(URL).content.decode(), "closed")
    assert (before, after) == ("0", "1")


def test_levels_within_scope_and_404_outside(gworld):
    w = gworld
    report(w)
    street = client_for(w, "street_official")
    for node in ("S1", "C1", "C2", "G1"):
        response = street.get(URL, {"node": w.nodes[node].pk, "period": "month"})
        assert response.status_code == 200, node
        assert response.context["node"] == w.nodes[node]
    assert card(street.get(URL, {"node": w.nodes["G1"].pk}).content.decode(), "reported") == "1"
    assert card(street.get(URL, {"node": w.nodes["G2"].pk}).content.decode(), "reported") == "0"
    for node in ("S2", "D1", "C3", "S4", "G5"):
        assert street.get(URL, {"node": w.nodes[node].pk}).status_code == 404, node
        assert street.get(EXPORT, {"node": w.nodes[node].pk}).status_code == 404, node
    assert street.get(URL, {"node": 987654}).status_code == 404
    community = client_for(w, "community_worker")
    assert community.get(URL, {"node": w.nodes["C2"].pk}).status_code == 404
    assert community.get(URL, {"node": w.nodes["G2"].pk}).status_code == 200
    # no stats permission: 403
    assert client_for(w, "grid_worker").get(URL).status_code == 403
    assert client_for(w, "handler").get(EXPORT).status_code == 403


@pytest.mark.parametrize("query", [
    {"period": "custom"},
    {"period": "custom", "start": "2025-05-01", "end": "2025-04-01"},
    {"period": "custom", "start": "2020-01-01", "end": "2025-04-01"},
    {"period": "custom", "start": "not a date", "end": "2025-04-01"},
    {"period": "week"},
    {"node": "abc"},
    {"category": "999999"},
    {"source": "pigeon"},
])
def test_bad_input_is_a_400_with_errors(gworld, query):
    client = client_for(gworld, "district_admin")
    response = client.get(URL, query)
    assert response.status_code == 400
    assert "data-form-errors" in response.content.decode()
    response = client.get(EXPORT, query)
    assert response.status_code == 400 and response.json()["errors"]


def test_custom_period_and_filters(gworld):
    w = gworld
    closed_event(w)
    event = report(w, category="0201")
    client = client_for(w, "district_admin")
    today = timezone.localdate(event.reported_at)
    response = client.get(URL, {"period": "custom", "start": today.isoformat(), "end": today.isoformat()})
    assert response.status_code == 200 and card(response.content.decode(), "reported") == "2"
    assert response.context["result"].granularity == "day"
    major = w.categories["0201"].parent
    response = client.get(URL, {"category": major.pk})
    assert card(response.content.decode(), "reported") == "1"
    response = client.get(URL, {"source": "hotline"})
    assert card(response.content.decode(), "reported") == "0"


def test_export_is_an_audited_xlsx(gworld):
    w = gworld
    closed_event(w)
    client = client_for(w, "street_official")
    response = client.get(EXPORT, {"node": w.nodes["S1"].pk, "period": "12m"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    body = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(body)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    total = rows[1]
    assert total[1] == "幸福街道" and total[2] == 1 and total[5] == 1 and total[6] == 100.0
    names = [r[1] for r in rows[2:]]
    assert "和平社区" in names and "幸福街道城管科" in names
    entry = AuditEntry.objects.filter(action="gridops.stats.exported").get()
    assert entry.user_id == w.users["street_official"].pk

