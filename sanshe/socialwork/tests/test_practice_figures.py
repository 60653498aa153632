"""The seeds' Chaoyang figures, built row by row and counted live: 85 cases / 230 interview hours; 22 groups /
2,925 person-times; 89 uses of professional methods / 15,460 person-times. Compared with an independent count."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from sanshe.socialwork.models import (
    Case,
    CaseSession,
    CommunityActivity,
    Group,
    GroupAttendance,
    GroupSession,
)
from sanshe.socialwork.services_practice import figures
from sanshe.socialwork.testing_practice import build_practice, make_resident

pytestmark = pytest.mark.django_db

START, END = dt.date(2025, 1, 1), dt.date(2025, 12, 31)


def _split(total, parts):
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def build_chaoyang(world):
    build_practice(world)
    n = world.nodes
    sw = world.sw["sw1"]
    residents = [make_resident(n["B1"] if i % 2 else n["B2"], f"居民{i}") for i in range(150)]
    # 85 cases in the year (one more before it, one outside the district), 460 half-hour sessions = 230 hours
    cases = []
    for i in range(85):
        c = Case(number=f"GA2025{i:05d}", title=f"个案{i}", client=residents[i], referral_source="community",
                 worker=sw, opened_on=START + dt.timedelta(days=i * 4), state="serving")
        c.copy_ancestors_from(residents[i])
        cases.append(c)
    Case.objects.bulk_create(cases)
    old = Case(number="GA2024X", title="旧个案", client=residents[0], referral_source="self", worker=sw,
               opened_on=dt.date(2024, 6, 1))
    old.copy_ancestors_from(residents[0])
    old.save()
    far = world.residents["far"]
    other = Case(number="GA2025FAR", title="远方", client=far, referral_source="self", worker=world.sw["far"],
                 opened_on=dt.date(2025, 3, 1))
    other.copy_ancestors_from(far)
    other.save()
    cases = list(Case.objects.filter(number__startswith="GA2025").exclude(number="GA2025FAR").order_by("number"))
    sessions = []
    for i in range(460):
        case = cases[i % 85]
        sessions.append(CaseSession(case=case, date=max(case.opened_on, START) + dt.timedelta(days=i % 30),
                                    hours=Decimal("0.5"), method="interview", notes="x"))
    sessions.append(CaseSession(case=old, date=dt.date(2024, 7, 1), hours=Decimal("3"), method="phone"))
    sessions.append(CaseSession(case=other, date=dt.date(2025, 3, 2), hours=Decimal("2"), method="phone"))
    CaseSession.objects.bulk_create(sessions)
    # 22 groups, 2,925 attendance rows
    per_group = _split(2925, 22)
    for g in range(22):
        group = Group(number=f"XZ2025{g:05d}", title=f"小组{g}", goals="目标", started_on=START + dt.timedelta(days=g))
        group.copy_ancestors_from(n["C1" if g % 2 else "C2"])
        group.save()
        group.workers.set([sw])
        todo = per_group[g]
        k = 0
        while todo:
            s = GroupSession.objects.create(group=group, date=START + dt.timedelta(days=g + 7 * k), hours=2,
                                            topic=f"第{k + 1}次")
            take = min(todo, len(residents))
            GroupAttendance.objects.bulk_create([GroupAttendance(session=s, resident=r) for r in residents[:take]])
            todo -= take
            k += 1
    # 89 activities, 15,460 person-times
    acts = []
    for i, p in enumerate(_split(15460, 89)):
        a = CommunityActivity(title=f"活动{i}", date=START + dt.timedelta(days=i * 4), method="education",
                              place="广场", participants=p, worker=sw)
        a.copy_ancestors_from(n["C1" if i % 3 else "C3"])
        acts.append(a)
    CommunityActivity.objects.bulk_create(acts)


def _independent(district_id):
    with connection.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM socialwork_case WHERE district_id=%s AND opened_on BETWEEN %s AND %s",
                    [district_id, START, END])
        cases = cur.fetchone()[0]
        cur.execute("SELECT SUM(s.hours) FROM socialwork_casesession s JOIN socialwork_case c ON c.id=s.case_id "
                    "WHERE c.district_id=%s AND s.date BETWEEN %s AND %s", [district_id, START, END])
        hours = Decimal(str(cur.fetchone()[0]))
        cur.execute("SELECT COUNT(DISTINCT s.group_id), COUNT(a.id) FROM socialwork_groupsession s "
                    "JOIN socialwork_group g ON g.id=s.group_id LEFT JOIN socialwork_groupattendance a "
                    "ON a.session_id=s.id WHERE g.district_id=%s AND s.date BETWEEN %s AND %s",
                    [district_id, START, END])
        groups, person_times = cur.fetchone()
        cur.execute("SELECT COUNT(*), SUM(participants) FROM socialwork_communityactivity WHERE district_id=%s "
                    "AND date BETWEEN %s AND %s", [district_id, START, END])
        acts, act_pt = cur.fetchone()
    return cases, hours, groups, person_times, acts, act_pt


def test_chaoyang_figures_from_data(world):
    build_chaoyang(world)
    d1 = world.nodes["D1"]
    f = figures(node=d1, start=START, end=END)
    assert (f["cases_opened"], f["interview_hours"]) == (85, Decimal("230.0"))
    assert (f["groups"], f["group_person_times"]) == (22, 2925)
    assert (f["activities"], f["activity_person_times"]) == (89, 15460)
    assert _independent(d1.pk) == (85, Decimal("230"), 22, 2925, 89, 15460)
    # every level adds up
    parts = [figures(node=world.nodes[c], start=START, end=END) for c in ("C1", "C2", "C3")]
    for key in ("cases_opened", "interview_hours", "groups", "group_person_times", "activities",
                "activity_person_times"):
        assert sum(p[key] for p in parts) == f[key], key
    s1 = figures(node=world.nodes["S1"], start=START, end=END)
    assert s1["activities"] + parts[2]["activities"] == 89


def test_figures_page(world, client_for):
    build_chaoyang(world)
    client = client_for(world.user("district_admin"))
    r = client.get("/socialwork/practice/figures/", {"start": "2025-01-01", "end": "2025-12-31"})
    assert r.status_code == 200
    body = r.content.decode()
    for needle in ('id="fig-cases">85<', 'id="fig-hours">230<', 'id="fig-groups">22<',
                   'id="fig-group-pt">2925<', 'id="fig-activities">89<', 'id="fig-activity-pt">15460<'):
        assert needle in body, needle
    r = client.get("/socialwork/practice/figures/", {"node": world.nodes["C4"].pk})
    assert r.status_code == 404
    cw = client_for(world.user("community_worker"))
    r = cw.get("/socialwork/practice/figures/", {"start": "2025-01-01", "end": "2025-12-31"})
    assert r.status_code == 200
    assert r.context["node"] == world.nodes["C1"]
    assert r.context["figs"]["group_person_times"] == GroupAttendance.objects.filter(
        session__group__community=world.nodes["C1"]).count()
