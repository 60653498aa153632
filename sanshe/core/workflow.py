"""What the platform's workflows share: the refusal of a step, and the name a history row keeps of its actor.

Each workflow (events, applications, demand orders, hotline calls …) is a ``TRANSITIONS`` table and one
``transition`` function in its app; a refused step raises :class:`TransitionRefused` (a ``ValidationError``:
pages and the API answer 400 with the field's message).
"""

from django.core.exceptions import ValidationError


class TransitionRefused(ValidationError):
    """A step that is not allowed now (wrong state, missing reason, not the right actor …)."""


def refuse(field: str, message: str):
    """Refuse the step, with ``message`` on ``field``."""
    raise TransitionRefused({field: [message]})


def actor_name(actor) -> str:
    """The name a history row keeps of who acted (his full name, else his user name; "" for nobody)."""
    if actor is None:
        return ""
    return (getattr(actor, "full_name", "") or getattr(actor, "username", ""))[:100]
