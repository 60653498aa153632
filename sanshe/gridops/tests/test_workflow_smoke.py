import pytest

from sanshe.gridops.choices import Action, EventState, Rating
from sanshe.gridops.models import EventStep
from sanshe.gridops.services import transition
from sanshe.gridops.testing import PNG, report

pytestmark = pytest.mark.django_db


def test_the_whole_loop(gworld):
    w = gworld
    event = report(w, photos=[PNG], latitude=30.65, longitude=104.06)
    assert event.state == EventState.REPORTED and event.photos.count() == 1
    desk = w.user("community_worker")
    event = transition(event, Action.FILE, actor=desk)
    event = transition(event, Action.DISPATCH, actor=desk)
    assert event.handling_unit == w.units["street"] and event.deadline is not None
    handler = w.user("handler")
    event = transition(event, Action.START, actor=handler)
    event = transition(event, Action.FEED_BACK, actor=handler, note="已清运", photos=[PNG])
    event = transition(event, Action.VERIFY, actor=w.user("grid_worker"))
    event = transition(event, Action.CLOSE, actor=desk)
    event = transition(event, Action.RATE, actor=w.user("grid_worker"), rating=Rating.SATISFIED)
    assert event.state == EventState.CLOSED and event.closed_on_time and event.handled_on_time
    assert list(EventStep.objects.filter(event=event).values_list("action", flat=True)) == [
        "report", "file", "dispatch", "start", "feed_back", "verify", "close", "rate"]
