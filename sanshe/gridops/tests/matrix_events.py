"""Permission matrix entries: grid governance, events (see ``sanshe.core.matrix``).

"Inside" is an event reported by the grid worker in grid G1 (inside the territory of every role that reads
events); "outside" one reported through Open311 in grid G5 of the other district. The event page and its action
view decide by the event (territory, handling unit, own report): someone without ``gridops.view`` who reaches the
event by neither of the other two is refused (403).
"""

from sanshe.accounts.roles import Perm
from sanshe.core.matrix import AUTHENTICATED, UrlCase

VIEW = Perm.EVENTS_VIEW


def events_data(world, inside: bool) -> dict:
    from sanshe.gridops.choices import Source
    from sanshe.gridops.services import report_event
    from sanshe.gridops.testing import PNG, ensure_gridops, report

    cache = world.__dict__.setdefault("_matrix_events", {})
    if inside in cache:
        return cache[inside]
    ensure_gridops(world)
    if inside:
        event = report(world, photos=[PNG], description="矩阵：楼道堆放杂物")
    else:
        event = report_event(actor=None, category=world.categories["0301"], description="矩阵：外区事件",
                             node=world.nodes["G5"], source=Source.OPEN311, photos=[PNG]).event
    cache[inside] = {"event": event, "photo": event.photos.first()}
    return cache[inside]


def _event(world, role, inside):
    return {"pk": events_data(world, inside)["event"].pk}


def _photo(world, role, inside):
    data = events_data(world, inside)
    return {"pk": data["event"].pk, "photo_pk": data["photo"].pk}


def _notification(world, role, inside):
    from sanshe.accounts.models import Notification

    user = world.user(role) if inside else world.users["nobody"]
    return {"pk": Notification.objects.create(user=user, title="矩阵通知", url="/gridops/notifications/").pk}


MATRIX = {
    "gridops:event_list": UrlCase(VIEW),
    "gridops:event_batch": UrlCase(Perm.EVENTS_DISPATCH, method="POST", data={"action": "file"}, ok=(302,)),
    "gridops:event_report": UrlCase(Perm.EVENTS_REPORT),
    "gridops:event_subcategories": UrlCase(Perm.EVENTS_REPORT),
    "gridops:event_detail": UrlCase(VIEW, kwargs=_event,
                                    note="also the handling unit's staff and the reporter (tested in test_events_pages)"),
    "gridops:event_act": UrlCase(VIEW, kwargs=_event, method="POST", data={"action": "comment", "note": "矩阵备注"},
                                 ok=(302,)),
    "gridops:event_verify": UrlCase(Perm.EVENTS_VERIFY, kwargs=_event),
    "gridops:event_photo": UrlCase(VIEW, kwargs=_photo),
    "gridops:my_tasks": UrlCase(VIEW),
    "gridops:my_reports": UrlCase(Perm.EVENTS_REPORT),
    "gridops:handler_queue": UrlCase(Perm.EVENTS_HANDLE),
    "gridops:notifications": UrlCase(AUTHENTICATED),
    "gridops:notifications_read": UrlCase(AUTHENTICATED, method="POST", data={}, ok=(302,)),
    "gridops:notification_open": UrlCase(AUTHENTICATED, kwargs=_notification, ok=(302,)),
}
