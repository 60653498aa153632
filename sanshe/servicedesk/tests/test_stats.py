"""The service cloud's figures: every figure of :func:`indicators.compute` against an independent computation
from the applications' history rows (across the 2026 National Day holiday), scoping, the page and the export."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections import defaultdict
from fractions import Fraction

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from sanshe.accounts.roles import Role
from sanshe.accounts.services import bootstrap_account
from sanshe.core.models import AuditEntry
from sanshe.core.testing import PASSWORD, login_as
from sanshe.gridops.indicators import rate
from sanshe.gridops.models import UnitMember
from sanshe.gridops.workcalendar import Calendar
from sanshe.servicedesk import indicators as ind
from sanshe.servicedesk.choices import Action, ApplicationState, Rating
from sanshe.servicedesk.models import Application, CertificateType
from sanshe.servicedesk.services import first_deadline, transition
from sanshe.servicedesk.testing import accept, make_item

pytestmark = pytest.mark.django_db
URL = reverse("servicedesk:stats")
EXPORT = reverse("servicedesk:stats_export")
PERIOD = {"period": "custom", "start": "2026-09-01", "end": "2026-10-31"}
NOW = timezone.make_aware(dt.datetime(2026, 11, 2, 10, 0))


def at(month, day, hour, minute=0):
    return timezone.make_aware(dt.datetime(2026, month, day, hour, minute))


def missing_of(item):
    return [item.materials.filter(required=True).order_by("sort_order").first().pk]


@pytest.fixture
def data(sworld):
    """Applications at C1 (three windows), C2 and the other district's station, in every state; two outside
    the period; certificates at C1 and C2."""
    w = sworld
    hr, civil = w.departments["hr"], w.departments["civil"]
    handler = w.user("dept_handler")
    UnitMember.objects.create(unit=civil, user=handler)
    w.items["quick"] = make_item(w.nodes["D1"], "T0102", "就业登记", w.service_categories["T01"], hr, 1)
    c2 = bootstrap_account(username="t_clerk_c2", password=PASSWORD, role=Role.WINDOW_CLERK, node=w.nodes["C2"])
    d2 = bootstrap_account(username="t_clerk_d2", password=PASSWORD, role=Role.WINDOW_CLERK, node=w.nodes["C4"])
    w.other_admin = bootstrap_account(username="t_admin_d2", password=PASSWORD, role=Role.DISTRICT_ADMIN,
                                      node=w.nodes["D2"])
    w.users.update(clerk_c2=c2, clerk_d2=d2)
    clerk = w.user("window_clerk")

    # 1. before the holiday, finished after it, rated satisfied
    a = accept(w, at=at(9, 29, 10), window=1)
    transition(a, Action.START, actor=handler, at=at(9, 29, 11))
    transition(a, Action.COMPLETE, actor=handler, at=at(10, 9, 11), note="已办结")
    transition(a, Action.RATE, actor=clerk, rating=Rating.SATISFIED, at=at(10, 9, 12))
    # 2. 容缺受理: in 补正 from acceptance over the holiday, completed, rated fairly satisfied
    a = accept(w, at=at(9, 28, 9, 30), window=2, missing=missing_of(w.items["retire"]))
    transition(a, Action.SUPPLEMENT, actor=clerk, at=at(10, 8, 10))
    transition(a, Action.COMPLETE, actor=handler, at=at(10, 12, 15, 30), note="已办结")
    transition(a, Action.RATE, actor=clerk, rating=Rating.FAIRLY_SATISFIED, at=at(10, 13, 9))
    # 3. refused the same day (民政), rated dissatisfied
    a = accept(w, item="dibao", at=at(10, 9, 9, 30), window=1)
    transition(a, Action.REFUSE, actor=handler, at=at(10, 9, 16), note="不符合条件")
    transition(a, Action.RATE, actor=clerk, rating=Rating.DISSATISFIED, at=at(10, 10, 9))
    # 4. a 1-day item accepted the afternoon before the holiday, finished late (on the 调休 Saturday)
    a = accept(w, item="quick", at=at(9, 30, 16), window=3)
    transition(a, Action.START, actor=handler, at=at(10, 8, 9, 15))
    transition(a, Action.COMPLETE, actor=handler, at=at(10, 10, 10), note="已办结")
    # 5. 补正 asked by the department in processing, then refused while waiting (clock stopped)
    a = accept(w, at=at(9, 15, 14), window=3)
    transition(a, Action.START, actor=handler, at=at(9, 16, 9))
    transition(a, Action.REQUEST_SUPPLEMENT, actor=handler, missing=["户口簿"], note="缺户口簿", at=at(9, 17, 10))
    transition(a, Action.REFUSE, actor=handler, at=at(9, 25, 15), note="逾期未补正")
    # 6. window not recorded, finished on the spot
    a = accept(w, item="quick", at=at(9, 2, 9, 5))
    transition(a, Action.COMPLETE, actor=handler, at=at(9, 2, 9, 40), note="即办")
    # 7. C2: a 1-day item still processing, overdue now
    a = accept(w, item="quick", station="C2", user="clerk_c2", at=at(10, 12, 10), window=1)
    transition(a, Action.START, actor=handler, at=at(10, 12, 11))
    # 8. C2: waiting in 补正 since acceptance (the clock stands, not overdue)
    accept(w, station="C2", user="clerk_c2", at=at(10, 13, 15), window=2, missing=missing_of(w.items["retire"]))
    # 9. C2: received, untouched
    accept(w, item="dibao", station="C2", user="clerk_c2", at=at(10, 30, 16), window=1)
    # outside the period: August, and November
    accept(w, at=at(8, 20, 10), window=1)
    accept(w, at=at(11, 2, 9, 30), window=1)
    # the other district
    w.d2_app = accept(w, item="other", station="D2", user="clerk_d2", at=at(10, 9, 10), window=1)

    # certificates
    from sanshe.servicedesk.services_certificates import issue_certificate, revoke_certificate

    kinds = [CertificateType.objects.create(district=w.nodes["D1"], code=code, name=name,
                                            template="兹证明{name}居住于{address}。")
             for code, name in (("T1", "居住证明"), ("T2", "家庭成员关系证明"))]
    worker = w.user("community_worker")
    certificates = [
        issue_certificate(actor=worker, type=kinds[0], community=w.nodes["C1"], holder_name="王大爷",
                          purpose="办理入学", at=at(9, 10, 10)),
        issue_certificate(actor=worker, type=kinds[0], community=w.nodes["C1"], holder_name="李阿姨",
                          purpose="办理入学", at=at(10, 10, 10)),
        issue_certificate(actor=worker, type=kinds[1], community=w.nodes["C1"], holder_name="张先生",
                          purpose="银行开户", at=at(10, 20, 10)),
        issue_certificate(actor=c2, type=kinds[1], community=w.nodes["C2"], holder_name="刘女士",
                          purpose="银行开户", at=at(10, 21, 10)),
        issue_certificate(actor=worker, type=kinds[1], community=w.nodes["C1"], holder_name="陈师傅",
                          purpose="银行开户", at=at(11, 3, 10)),  # outside the period
    ]
    revoke_certificate(certificates[1], actor=worker, reason="信息有误", at=at(10, 11, 9))
    w.kinds = kinds
    w.clerks = {"C2": c2, "D2": d2}
    return w


# --- the independent computation --------------------------------------------------------------------------------
def from_steps(application: Application, now) -> dict:
    """The figures of one application, from its history rows and the item's time limit only."""
    calendar = Calendar.for_district(application.district_id)
    steps = list(application.steps.order_by("at", "pk"))
    received = next(s.at for s in steps if s.action == Action.ACCEPT)
    state, paused, since, finished, rating, supplemented = ApplicationState.RECEIVED, 0, None, None, "", False
    for s in steps:
        if s.action == Action.REQUEST_SUPPLEMENT:
            supplemented, since = True, s.at
        elif s.action in (Action.SUPPLEMENT, Action.COMPLETE, Action.REFUSE) and since is not None:
            paused += calendar.working_seconds_between(since, s.at)
            since = None
        if s.action in (Action.COMPLETE, Action.REFUSE):
            finished = s.at
        if s.action == Action.RATE:
            rating = s.data["rating"]
        if s.to_state and s.action not in (Action.RATE, Action.COMMENT):
            state = s.to_state
    deadline = calendar.add_working_seconds(first_deadline(application.item, received, calendar), paused)
    open_ = state not in (ApplicationState.DONE, ApplicationState.REFUSED)
    handling = (calendar.working_seconds_between(received, finished) - paused) if finished else 0
    return {
        "accepted": 1, "finished": int(not open_), "done": int(state == ApplicationState.DONE),
        "refused": int(state == ApplicationState.REFUSED), "open": int(open_),
        "overdue": int(open_ and (since or now) > deadline), "on_time": int(not open_ and finished <= deadline),
        "supplemented": int(supplemented), "rated": int(bool(rating)),
        "satisfied": int(rating in (Rating.SATISFIED, Rating.FAIRLY_SATISFIED)),
        "handling_days": Fraction(handling, calendar.day_seconds),
    }


def expected(applications, now, key):
    groups: dict = defaultdict(lambda: defaultdict(int))
    for application in applications:
        figures = from_steps(application, now)
        group = groups[key(application)]
        for name, value in figures.items():
            group[name] += value
    return groups


def assert_figures(figures: ind.Figures, exp: dict, where):
    for name in ind.COUNTERS:
        assert getattr(figures, name) == exp.get(name, 0), (where, name)
    assert figures.handling_days == exp.get("handling_days", 0), where
    assert figures.on_time_rate == rate(exp.get("on_time", 0), exp.get("finished", 0)), where
    assert figures.supplement_rate == rate(exp.get("supplemented", 0), exp.get("accepted", 0)), where
    assert figures.satisfaction_rate == rate(exp.get("satisfied", 0), exp.get("rated", 0)), where


def in_period(**where):
    period = ind.custom(dt.date(2026, 9, 1), dt.date(2026, 10, 31))
    return period, list(Application.objects.filter(received_at__gte=period.start, received_at__lt=period.end,
                                                   **where).select_related("item"))


def test_every_figure_matches_the_history_rows(data):
    w = data
    period, applications = in_period(district=w.nodes["D1"])
    assert len(applications) == 9
    result = ind.compute(w.user("district_admin"), start=period.start, end=period.end, now=NOW,
                         granularity="month")
    assert_figures(result.totals, expected(applications, NOW, lambda a: 0)[0], "total")
    checks = {
        "stations": lambda a: a.station_id, "windows": lambda a: (a.station_id, a.window),
        "departments": lambda a: a.department_id, "categories": lambda a: a.item.category_id,
        "children": lambda a: a.street_id,
    }
    for name, key in checks.items():
        exp = expected(applications, NOW, key)
        rows = {r.key: r for r in getattr(result, name)}
        assert set(exp) <= set(rows), name
        for k, row in rows.items():
            assert_figures(row.figures, exp.get(k, {}), (name, row.label))
    exp = expected(applications, NOW, lambda a: timezone.localtime(a.received_at).date().replace(day=1))
    assert [r.label for r in result.trend] == ["2026-09", "2026-10"]
    for row in result.trend:
        assert_figures(row.figures, exp[timezone.localtime(row.key).date()], row.label)

    # the figures themselves, worked out by hand as a check on the check
    t = result.totals
    assert (t.accepted, t.finished, t.done, t.refused, t.open, t.overdue) == (9, 6, 4, 2, 3, 1)
    assert (t.on_time, t.supplemented, t.rated, t.satisfied) == (5, 3, 3, 2)
    assert str(t.on_time_rate) == "83.3" and str(t.supplement_rate) == "33.3" and str(t.satisfaction_rate) == "66.7"
    # 1: 29.9 10:00 → 9.10 11:00 over the holiday = 7 + 8 + 8 + 2 h = 25 h; 2: 28.9 9:30 → 12.10 15:30 = 7.5 + 8 +
    # 8 + 8 + 8 + 8 (调休 Saturday) + 6.5 h = 54 h, minus 补正 (28.9 9:30 → 8.10 10:00: 7.5 + 8 + 8 + 1 h = 24.5 h)
    # = 29.5 h; 3: 6.5 h; 4: 30.9 16:00 → 10.10 10:00 = 1 + 8 + 8 + 1 h = 18 h; 5: 15.9 14:00 → 25.9 15:00 =
    # 3 + 7 × 8 + 6 h = 65 h minus 补正 17.9 10:00 → 25.9 15:00 = 7 + 5 × 8 + 6 h = 53 h → 12 h; 6: 35 min
    hours = Fraction(25) + Fraction(59, 2) + Fraction(13, 2) + 18 + 12 + Fraction(35, 60)
    assert t.handling_days == hours / 8
    assert t.mean_handling_days == round_half_up(hours / 8 / 6)
    c1 = next(r for r in result.stations if r.label == "和平社区便民服务站").figures
    assert (c1.accepted, c1.finished, c1.open) == (6, 6, 0)
    late = next(r for r in result.windows if r.key == (w.stations["C1"].pk, 3)).figures
    assert (late.accepted, late.on_time, late.finished) == (2, 1, 2)


def round_half_up(value: Fraction):
    from decimal import ROUND_HALF_UP, Decimal

    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def test_a_daily_trend_adds_up_and_levels_narrow(data):
    w = data
    period, applications = in_period(community=w.nodes["C2"])
    admin = w.user("district_admin")
    result = ind.compute(admin, start=period.start, end=period.end, now=NOW)
    assert result.granularity == "day" and len(result.trend) == 61
    assert sum(r.figures.accepted for r in result.trend) == 9
    street = ind.compute(admin, node=w.nodes["S1"], start=period.start, end=period.end, now=NOW)
    assert [r.label for r in street.children] == ["和平社区", "团结社区"]
    community = ind.compute(admin, node=w.nodes["C2"], start=period.start, end=period.end, now=NOW)
    assert_figures(community.totals, expected(applications, NOW, lambda a: 0)[0], "C2")
    assert community.children == [] and [r.label for r in community.stations] == ["团结社区便民服务站"]
    station = ind.compute(admin, station=w.stations["C1"], start=period.start, end=period.end, now=NOW)
    assert station.totals.accepted == 6 and [r.key for r in station.stations] == [w.stations["C1"].pk]


def test_certificates_per_community_month_and_type(data):
    w = data
    period = ind.custom(dt.date(2026, 9, 1), dt.date(2026, 10, 31))
    result = ind.compute(w.user("district_admin"), start=period.start, end=period.end, now=NOW)
    lines = {(r.community, f"{r.month:%Y-%m}", r.type): (r.issued, r.revoked) for r in result.certificates}
    assert lines == {("和平社区", "2026-09", "居住证明"): (1, 0), ("和平社区", "2026-10", "居住证明"): (1, 1),
                     ("和平社区", "2026-10", "家庭成员关系证明"): (1, 0), ("团结社区", "2026-10", "家庭成员关系证明"): (1, 0)}
    assert result.certificates_issued == 4
    c1 = next(r for r in result.certificates_by_community if r.label == "和平社区")
    assert c1.extra["issued"] == 3 and c1.extra["revoked"] == 1 and c1.extra["month_list"] == [1, 2]
    assert {r.label: r.extra["issued"] for r in result.certificates_by_type} == {"居住证明": 2, "家庭成员关系证明": 2}
    mine = ind.compute(w.user("community_worker"), start=period.start, end=period.end, now=NOW)
    assert mine.certificates_issued == 3


def test_scoping(data):
    w = data
    period = ind.custom(dt.date(2026, 9, 1), dt.date(2026, 10, 31))
    for role in ("community_worker", "window_clerk"):
        result = ind.compute(w.user(role), start=period.start, end=period.end, now=NOW)
        assert [r.key for r in result.stations] == [w.stations["C1"].pk], role
        assert result.totals.accepted == 6 and {r.key[0] for r in result.windows} == {w.stations["C1"].pk}
        with pytest.raises(ind.OutOfScope):
            ind.compute(w.user(role), node=w.nodes["C2"], start=period.start, end=period.end)
        with pytest.raises(ind.OutOfScope):
            ind.compute(w.user(role), station=w.stations["C2"], start=period.start, end=period.end)
    street = ind.compute(w.user("street_official"), start=period.start, end=period.end, now=NOW)
    assert street.totals.accepted == 9 and len(street.stations) == 2
    other = ind.compute(w.other_admin, start=period.start, end=period.end, now=NOW)
    assert other.totals.accepted == 1 and [r.key for r in other.stations] == [w.stations["D2"].pk]
    assert other.certificates_issued == 0
    with pytest.raises(ind.OutOfScope):
        ind.compute(w.other_admin, node=w.nodes["D1"], start=period.start, end=period.end)


# --- the page and the export ------------------------------------------------------------------------------------
def client_for(user) -> Client:
    client = Client()
    login_as(client, user)
    return client


def card(html: str, key: str) -> str | None:
    found = re.search(rf'data-figure="{key}"><div class="num" data-value>([^<]*)</div>', html)
    return found.group(1) if found else None


def test_the_page_for_each_role(data):
    w = data
    response = client_for(w.user("community_worker")).get(URL, PERIOD)
    assert response.status_code == 200
    html = response.content.decode()
    assert card(html, "accepted") == "6" and card(html, "finished") == "6" and card(html, "on_time_rate") == "83.3%"
    assert card(html, "supplement_rate") == "33.3%" and card(html, "satisfaction_rate") == "66.7%"
    assert card(html, "certificates") == "3" and card(html, "overdue") == "0"
    assert card(html, "mean_handling_days") is not None
    assert "团结社区便民服务站" not in html and "和平社区便民服务站" in html
    for chart in ("trend", "categories", "stations", "departments"):
        assert f'data-chart="{chart}"' in html
    for table in ("stations", "windows", "departments", "categories", "certificates", "certificate_types"):
        assert f'data-table="{table}"' in html, table
    assert 'id="stats-chart-data"' in html and "<script>" not in html.replace('<script type="application/json"', "")
    assert ' style="' not in html
    admin = client_for(w.user("district_admin")).get(URL, PERIOD).content.decode()
    assert card(admin, "accepted") == "9" and card(admin, "overdue") == "1" and "团结社区便民服务站" in admin
    assert 'data-table="children"' in admin and "幸福街道" in admin
    # default period (the last 6 months) and the other periods answer
    for query in ({}, {"period": "month"}, {"period": "12m"}, {"period": "6m", "station": w.stations["C1"].pk}):
        assert client_for(w.user("window_clerk")).get(URL, query).status_code == 200, query


def test_the_page_refuses_and_hides(data):
    w = data
    worker = client_for(w.user("community_worker"))
    assert worker.get(URL, {"node": w.nodes["C2"].pk}).status_code == 404
    assert worker.get(URL, {"station": w.stations["C2"].pk}).status_code == 404
    assert worker.get(URL, {"station": 999999}).status_code == 404
    assert worker.get(EXPORT, {"node": w.nodes["C2"].pk}).status_code == 404
    assert client_for(w.other_admin).get(URL, {"node": w.nodes["D1"].pk}).status_code == 404
    other = client_for(w.other_admin).get(URL, PERIOD).content.decode()
    assert card(other, "accepted") == "1" and "和平社区便民服务站" not in other
    assert client_for(w.user("dept_handler")).get(URL).status_code == 403
    bad = worker.get(URL, {"period": "custom", "start": "2026-10-31", "end": "2026-09-01"})
    assert bad.status_code == 400 and "data-form-errors" in bad.content.decode()
    assert worker.get(EXPORT, {"period": "custom"}).status_code == 400


def test_the_export(data):
    w = data
    response = client_for(w.user("street_official")).get(EXPORT, PERIOD)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book.worksheets[0]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = rows[0]
    total = rows[1]
    col = {name: header.index(name) for name in header if name}
    assert total[1] == "幸福街道"
    values = [total[i] for i in range(2, 10)]
    assert values == [9, 6, 4, 2, 3, 1, 5, pytest.approx(83.3)]
    assert total[-2] == 4 and total[-1] == 1  # certificates issued, revoked
    names = [r[1] for r in rows]
    assert "和平社区便民服务站" in names and "团结社区便民服务站" in names and "测试区人社局" in names
    assert any(isinstance(n, str) and "居住证明" in n for n in names)
    assert len(col) >= 18
    entry = AuditEntry.objects.filter(action="servicedesk.stats.exported").latest("pk")
    assert entry.user_id == w.user("street_official").pk


def test_the_queries_do_not_grow_with_the_applications(data):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    w = data
    period = ind.custom(dt.date(2026, 9, 1), dt.date(2026, 10, 31))
    admin = w.user("district_admin")
    ind.compute(admin, start=period.start, end=period.end, now=NOW)  # the user's grants are read once
    with CaptureQueriesContext(connection) as before:
        ind.compute(admin, start=period.start, end=period.end, now=NOW)
    handler = w.user("dept_handler")
    for day in range(1, 25):
        a = accept(w, item="dibao", station="C2", user="clerk_c2", at=at(9, day, 10, 17), window=day % 3 + 1)
        transition(a, Action.COMPLETE, actor=handler, at=at(10, day, 11, 3), note="已办结")
    with CaptureQueriesContext(connection) as after:
        result = ind.compute(admin, start=period.start, end=period.end, now=NOW)
    assert result.totals.accepted == 9 + 24
    assert len(after) == len(before) <= 20


def test_the_clock_splits_into_two_sums():
    """C(b) - C(a) = working_seconds_between(a, b), with C from working days before the day and the clock time
    clipped to the working day (what the SQL sums)."""
    import random

    calendar = Calendar()
    origin = ind._Origin(calendar, dt.date(2026, 9, 1))
    rng = random.Random(5)

    def c(t):
        local = timezone.localtime(t)
        seconds = local.hour * 3600 + local.minute * 60 + local.second - 9 * 3600
        return origin.at(local.date(), 1, min(max(seconds, 0), calendar.day_seconds))

    base = at(9, 1, 0)
    for _i in range(300):
        a = base + dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 60))
        b = a + dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 20))
        assert c(b) - c(a) == calendar.working_seconds_between(a, b), (a, b)
