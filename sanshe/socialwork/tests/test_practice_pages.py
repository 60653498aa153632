"""The practice pages: the social worker's lists and forms, the case page's actions, attendance taking, staff lists."""

import pytest
from django.urls import reverse
from django.utils import timezone

from sanshe.socialwork.models import Case, CommunityActivity, Group, GroupAttendance
from sanshe.socialwork.services_practice import add_group_session, create_group
from sanshe.socialwork.testing_practice import build_practice, make_case, serving_case

pytestmark = pytest.mark.django_db


def test_my_cases_lists_own_and_supervised_only(world, client_for):
    mine = make_case(world, title="我的个案")
    other = make_case(world, title="别人的个案", user="sw3", supervisor=None)
    client = client_for(world.user("social_worker"))
    body = client.get(reverse("socialwork:practice_my_cases")).content.decode()
    assert "我的个案" in body and "别人的个案" not in body
    assert client.get(reverse("socialwork:practice_case", args=[other.pk])).status_code == 404
    sup = client_for(world.user("sup"))
    body = sup.get(reverse("socialwork:practice_my_cases")).content.decode()
    assert "我的个案" in body and "别人的个案" not in body
    assert mine.pk


def test_open_a_case_through_the_page(world, client_for):
    build_practice(world)
    client = client_for(world.user("social_worker"))
    r = client.get(reverse("socialwork:practice_case_create"), {"q": "赵"})
    assert "赵大爷" in r.content.decode()
    r = client.post(reverse("socialwork:practice_case_create"), {
        "client": world.residents["r1"].pk, "title": "新个案", "kind": "elderly", "referral_source": "grid",
        "supervisor": world.sw["sup"].pk, "opened_on": timezone.localdate().isoformat(), "problem": "求助"})
    case = Case.objects.get(title="新个案")
    assert r.status_code == 302 and r["Location"] == reverse("socialwork:practice_case", args=[case.pk])
    # a resident outside his reach is refused on the form
    r = client.post(reverse("socialwork:practice_case_create"), {
        "client": world.residents["far"].pk, "title": "越界", "kind": "elderly", "referral_source": "grid"})
    assert r.status_code in (400, 404) and not Case.objects.filter(title="越界").exists()


def test_case_actions_through_the_page(world, client_for):
    case = make_case(world)
    client = client_for(world.user("social_worker"))
    url = reverse("socialwork:practice_case_action", args=[case.pk])
    client.post(url, {"do": "assess", "assessment": "预估"})
    client.post(url, {"do": "plan", "plan": "计划", "goals": "目标一\n目标二"})
    client.post(url, {"do": "start"})
    client.post(url, {"do": "session", "date": timezone.localdate().isoformat(), "hours": "2", "method": "phone",
                      "notes": "记录"})
    client.post(url, {"do": "referral", "to_whom": "区残联", "reason": "辅具", "referred_on": ""})
    goal = case.goals.first()
    client.post(url, {"do": "goal_status", "goal": goal.pk, "status": "achieved"})
    case.refresh_from_db()
    assert case.state == "serving" and case.goals.count() == 2 and case.sessions.count() == 1
    assert case.referrals.count() == 1
    goal.refresh_from_db()
    assert goal.status == "achieved"
    r = client.post(url, {"do": "close", "outcome": "achieved", "closure_note": ""}, follow=True)
    case.refresh_from_db()
    assert case.state == "serving" and "msg-error" in r.content.decode()
    r = client.post(url, {"do": "nonsense"})
    assert r.status_code == 302
    # the supervisor reads the page but has no action forms, and his posts are refused
    sup = client_for(world.user("sup"))
    body = sup.get(reverse("socialwork:practice_case", args=[case.pk])).content.decode()
    assert "session-form" not in body and "记录" in body
    assert sup.post(url, {"do": "goal", "text": "x"}).status_code == 403


def test_groups_and_attendance_through_the_page(world, client_for):
    build_practice(world)
    client = client_for(world.user("social_worker"))
    r = client.post(reverse("socialwork:practice_group_create"), {
        "title": "长者小组", "kind": "support", "goals": "减少孤独", "community": world.nodes["C1"].pk,
        "started_on": timezone.localdate().isoformat(), "co_workers": [world.sw["sw3"].pk]})
    group = Group.objects.get(title="长者小组")
    assert r.status_code == 302
    url = reverse("socialwork:practice_group_action", args=[group.pk])
    client.post(url, {"do": "session", "date": timezone.localdate().isoformat(), "hours": "1.5", "topic": "相识"})
    session = group.sessions.get()
    page = client.get(reverse("socialwork:practice_group", args=[group.pk]), {"q": "钱"}).content.decode()
    assert "钱阿姨" in page
    r = world.residents
    client.post(url, {"do": "attendance", "session": session.pk, "present": [r["r1"].pk, r["r2"].pk]})
    assert GroupAttendance.objects.filter(session=session).count() == 2
    page = client.get(reverse("socialwork:practice_group", args=[group.pk])).content.decode()
    assert 'id="person-times">2<' in page and "赵大爷" in page
    staff = client_for(world.user("community_worker"))
    assert "长者小组" in staff.get(reverse("socialwork:practice_groups")).content.decode()
    assert staff.get(reverse("socialwork:practice_group_staff", args=[group.pk])).status_code == 200


def test_activities_page(world, client_for):
    build_practice(world)
    client = client_for(world.user("social_worker"))
    r = client.post(reverse("socialwork:practice_my_activities"), {
        "title": "防诈宣传", "date": timezone.localdate().isoformat(), "method": "education", "place": "广场",
        "participants": "80", "community": world.nodes["C1"].pk})
    assert r.status_code == 302 and CommunityActivity.objects.get().participants == 80
    staff = client_for(world.user("street_official"))
    assert "防诈宣传" in staff.get(reverse("socialwork:practice_activities")).content.decode()


def test_staff_list_shows_titles_and_counts(world, client_for):
    case = serving_case(world)
    client = client_for(world.user("community_worker"))
    body = client.get(reverse("socialwork:practice_cases")).content.decode()
    assert case.title in body and case.number in body
    other = client_for(world.user("district_admin"))
    assert case.title in other.get(reverse("socialwork:practice_cases")).content.decode()


def test_household_file_shows_case_title_and_attendance(world, client_for):
    case = serving_case(world)
    actor = world.user("social_worker")
    group = create_group(actor=actor, title="邻里小组", goals="互助", community=world.nodes["C1"])
    session = add_group_session(group, actor=actor, date=timezone.localdate(), hours=1, topic="第一次")
    from sanshe.socialwork.services_practice import set_attendance
    set_attendance(session, actor=actor, residents=[case.client])
    household = case.client.household
    from sanshe.territory.models import HouseholdTimelineEntry
    kinds = set(HouseholdTimelineEntry.objects.filter(household=household).values_list("kind", flat=True))
    assert {"socialwork.case", "socialwork.group"} <= kinds


def test_household_page_shows_the_title_to_staff_only(world, client_for):
    case = serving_case(world)
    url = reverse("territory:household_detail", args=[case.client.household_id])
    staff = client_for(world.user("community_worker"))
    body = staff.get(url).content.decode()
    assert case.title in body and "失眠" not in body and "情绪低落" not in body
    grid = client_for(world.user("grid_worker"))
    r = grid.get(url)
    assert r.status_code == 200 and case.title not in r.content.decode()
