"""Permission matrix entries for the service cloud: the 12343 hotline and the message box (see
``sanshe.core.matrix``). The "inside" call and message are of 和平社区 (C1, inside every role's territory), the
"outside" ones of the other district's community (C4). The message box and its public answers need no account.
"""

from sanshe.accounts.roles import Perm
from sanshe.core.matrix import PUBLIC, UrlCase

HOTLINE, ANSWER = Perm.HOTLINE, Perm.MESSAGES_ANSWER


def _objects(world, inside: bool):
    from django.utils import timezone

    from sanshe.servicedesk.models_hotline import HotlineCall, Message

    cache = world.__dict__.setdefault("_matrix_hotline", {})
    if inside not in cache:
        community = world.nodes["C1" if inside else "C4"]
        n = len(cache) + 1
        # made directly: no account of the matrix world takes calls in the other district
        call = HotlineCall(number=f"RXMATRIX{n}", caller_name="矩阵来电", content="矩阵", category="consult",
                           received_at=timezone.now())
        call.copy_ancestors_from(community)
        call.save()
        message = Message(number=f"LYMATRIX{n}", author_name="矩阵居民", subject="矩阵", content="矩阵",
                          submitted_at=timezone.now())
        message.copy_ancestors_from(community)
        message.save()
        cache[inside] = (call, message)
    return cache[inside]


def _call(world, role, inside):
    return {"pk": _objects(world, inside)[0].pk}


def _message(world, role, inside):
    return {"pk": _objects(world, inside)[1].pk}


MATRIX = {
    "servicedesk:hotline_desk": UrlCase(HOTLINE),
    "servicedesk:hotline_list": UrlCase(HOTLINE),
    "servicedesk:hotline_repeats": UrlCase(HOTLINE, data={"phone": "13912345678"}),
    "servicedesk:hotline_call": UrlCase(HOTLINE, kwargs=_call),
    "servicedesk:message_inbox": UrlCase(ANSWER),
    "servicedesk:message_detail": UrlCase(ANSWER, kwargs=_message),
    "servicedesk:message_box": UrlCase(PUBLIC),
    # API
    "servicedesk-hotline-call-list": UrlCase(HOTLINE, api=True),
    "servicedesk-hotline-call-detail": UrlCase(HOTLINE, kwargs=_call, api=True),
    "servicedesk-hotline-call-transition": UrlCase(HOTLINE, kwargs=_call, method="POST", api=True,
                                                   data={"action": "comment", "note": "矩阵备注"}),
    "servicedesk-message-list": UrlCase(ANSWER, api=True),
    "servicedesk-message-detail": UrlCase(ANSWER, kwargs=_message, api=True),
    "servicedesk:message_answers": UrlCase(PUBLIC),
}
