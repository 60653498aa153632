"""Case notes probed from every role and every other social worker, on pages and the API; each read audited."""

import pytest
from django.test import Client
from django.urls import reverse

from sanshe.accounts.roles import Role
from sanshe.core.models import AuditEntry
from sanshe.core.testing import login_as
from sanshe.socialwork.services_practice import NOTES_READ
from sanshe.socialwork.testing_practice import serving_case

pytestmark = pytest.mark.django_db

SECRETS = ("机密会谈记录", "失眠", "抑郁倾向", "老伴去世", "每周面谈")


def _urls(case):
    return {
        "page": reverse("socialwork:practice_case", args=[case.pk]),
        "notes": reverse("socialwork:practice_case_notes", args=[case.pk]),
        "api": f"/api/v1/socialwork/my-cases/{case.pk}/",
        "staff_page": reverse("socialwork:practice_case_staff", args=[case.pk]),
        "staff_list": reverse("socialwork:practice_cases"),
        "staff_api": f"/api/v1/socialwork/cases/{case.pk}/",
        "staff_api_list": "/api/v1/socialwork/cases/",
        "my_api_list": "/api/v1/socialwork/my-cases/",
    }


def _body(response) -> str:
    return response.content.decode()


def test_no_role_but_the_worker_and_supervisor_reads_the_notes(world):
    case = serving_case(world)
    urls = _urls(case)
    reads = AuditEntry.objects.filter(action=NOTES_READ).count()
    users = [(role, world.user(role)) for role in Role.values]
    users += [("sw3", world.user("sw3")), ("far", world.user("far")), ("nobody", world.user("nobody"))]
    for label, user in users:
        client = Client()
        login_as(client, user)
        if label == "social_worker":
            continue
        for key, url in urls.items():
            response = client.get(url)
            text = _body(response)
            for secret in SECRETS:
                assert secret not in text, (label, key, secret)
        for key in ("page", "notes", "api"):
            assert client.get(urls[key]).status_code in (403, 404), (label, key)
    # staff with SOCIALWORK_VIEW see the title (not the notes)
    for role in ("community_worker", "street_official", "district_admin"):
        client = Client()
        login_as(client, world.user(role))
        response = client.get(urls["staff_page"])
        assert response.status_code == 200 and case.title in _body(response)
        api = client.get(urls["staff_api"]).json()
        assert api["title"] == case.title and not {"problem", "assessment", "plan", "sessions"} & api.keys()
    # and nobody's probing read a note
    assert AuditEntry.objects.filter(action=NOTES_READ).count() == reads


@pytest.mark.parametrize("user,key", [("social_worker", "page"), ("social_worker", "notes"),
                                      ("social_worker", "api"), ("sup", "page"), ("sup", "notes"), ("sup", "api")])
def test_worker_and_supervisor_read_and_every_read_is_audited(world, user, key):
    case = serving_case(world)
    url = _urls(case)[key]
    client = Client()
    login_as(client, world.user(user))
    before = AuditEntry.objects.filter(action=NOTES_READ, object_id=str(case.pk)).count()
    for _i in range(2):
        response = client.get(url)
        assert response.status_code == 200
        assert "机密会谈记录：谈到失眠" in _body(response)
    entries = AuditEntry.objects.filter(action=NOTES_READ, object_id=str(case.pk))
    assert entries.count() == before + 2
    assert set(entries.values_list("username", flat=True)) == {world.user(user).username}


def test_lists_never_carry_notes(world):
    case = serving_case(world)
    client = Client()
    login_as(client, world.user("social_worker"))
    reads = AuditEntry.objects.filter(action=NOTES_READ).count()
    for url in (reverse("socialwork:practice_my_cases"), "/api/v1/socialwork/my-cases/"):
        response = client.get(url)
        assert response.status_code == 200 and case.title in _body(response)
        assert not any(s in _body(response) for s in SECRETS)
    assert AuditEntry.objects.filter(action=NOTES_READ).count() == reads


def test_household_file_shows_the_title_only(world):
    case = serving_case(world)
    from sanshe.territory.models import HouseholdTimelineEntry
    entries = HouseholdTimelineEntry.objects.filter(household=case.client.household)
    assert [e.permission for e in entries if e.kind == "socialwork.case"] == ["socialwork.view"]
    assert not any(s in e.title for e in entries for s in SECRETS)
