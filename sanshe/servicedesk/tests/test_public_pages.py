"""The public tracking page: by number, no account, nothing personal; rating once done or refused, after proving
who one is with the last four characters of the applicant's phone or ID number."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from sanshe.core.validators import id_number_check_char
from sanshe.servicedesk.choices import Action, ApplicationState
from sanshe.servicedesk.models import Application
from sanshe.servicedesk.services import transition
from sanshe.servicedesk.testing import accept
from sanshe.servicedesk.views_public import MAX_WRONG_TRIES, mask_name

pytestmark = pytest.mark.django_db
TRACK = reverse("servicedesk:track")
ID_NUMBER = "11010519800101002" + id_number_check_char("11010519800101002")


def test_names_are_masked():
    assert mask_name("王大爷") == "王**" and mask_name("李") == "李*" and mask_name("") == ""


def test_following_shows_the_public_steps_only_and_nothing_personal(sworld):
    handler = sworld.user("dept_handler")
    app = accept(sworld, name="王大爷", id_number=ID_NUMBER, description="本人身份证号" + ID_NUMBER)
    transition(app, Action.START, actor=handler)
    transition(app, Action.COMMENT, actor=sworld.user("window_clerk"), note="内部备注：电话联系过")
    transition(app, Action.REQUEST_SUPPLEMENT, actor=handler, missing=["社保缴费证明"], note="请补交")
    response = Client().get(TRACK, {"number": app.number})
    assert response.status_code == 200
    body = response.content.decode()
    assert "王**" in body and "王大爷" not in body
    for secret in ("13800138000", ID_NUMBER, "内部备注", handler.full_name, "Department service handler"):
        assert secret not in body
    assert [s["label"] for s in response.context["steps"]] == [
        Action.ACCEPT.label, Action.START.label, Action.REQUEST_SUPPLEMENT.label]
    assert response.context["missing"] == ["社保缴费证明"] and b'id="track-missing"' in response.content
    assert response.context["form"] is None  # not done yet: no rating


def test_an_unknown_number_says_so(sworld):
    response = Client().get(TRACK, {"number": "FW20990101000001000"})
    assert response.status_code == 200 and b'id="track-none"' in response.content
    assert Client().get(TRACK).status_code == 200


def test_rating_needs_the_last_four_digits(sworld):
    app = accept(sworld, id_number=ID_NUMBER)
    transition(app, Action.COMPLETE, actor=sworld.user("dept_handler"), result_note="已办结")
    client = Client()
    page = client.get(TRACK, {"number": app.number})
    assert page.context["can_rate"] and b'id="rate-form"' in page.content
    wrong = client.post(TRACK, {"number": app.number, "check": "1111", "rating": "satisfied"})
    assert wrong.status_code == 400 and "check" in wrong.context["form"].errors
    assert not Application.objects.get(pk=app.pk).rating
    # the last four of the ID number work as well as the phone's
    right = client.post(TRACK, {"number": app.number, "check": ID_NUMBER[-4:], "rating": "fairly_satisfied",
                                "comment": "还行"})
    assert right.status_code == 302 and right["Location"] == f"{TRACK}?number={app.number}"
    app.refresh_from_db()
    assert app.rating == "fairly_satisfied" and app.rating_comment == "还行" and app.state == ApplicationState.DONE
    assert app.steps.filter(action=Action.RATE, actor__isnull=True).count() == 1
    after = client.get(TRACK, {"number": app.number})
    assert not after.context["can_rate"] and b'id="track-rated"' in after.content
    again = client.post(TRACK, {"number": app.number, "check": "8000", "rating": "dissatisfied"})
    assert again.status_code == 400 and Application.objects.get(pk=app.pk).rating == "fairly_satisfied"


def test_an_open_application_cannot_be_rated(sworld):
    app = accept(sworld)
    response = Client().post(TRACK, {"number": app.number, "check": "8000", "rating": "satisfied"})
    assert response.status_code == 400 and response.context["form"].errors
    assert not Application.objects.get(pk=app.pk).rating


def test_too_many_wrong_tries_stop_the_rating(sworld):
    app = accept(sworld)
    transition(app, Action.REFUSE, actor=sworld.user("dept_handler"), note="不符合条件")
    client = Client()
    for _ in range(MAX_WRONG_TRIES):
        client.post(TRACK, {"number": app.number, "check": "0000", "rating": "dissatisfied"})
    blocked = client.post(TRACK, {"number": app.number, "check": "8000", "rating": "dissatisfied"})
    assert blocked.status_code == 400 and not Application.objects.get(pk=app.pk).rating
