"""Helpers every service uses: permission and scope checks that raise the right errors.

Refusals are audited by the layer that turns them into responses (after the transaction rolled back).
"""

from .exceptions import Denied, OutOfScope


def require(actor, permission: str, *, obj=None) -> None:
    """The actor holds ``permission`` somewhere; otherwise :class:`Denied` (403)."""
    if actor is None or not actor.is_authenticated or not actor.has_permission(permission):
        raise Denied(permission, obj)


def require_visible(model, obj, actor, permission: str | None = None, *, lock: bool = False):
    """Re-read ``obj`` through the actor's scope (locked for update when asked); outside it, 404.

    Returns the fresh instance so that the caller works on the row as it is now.
    """
    qs = model.objects.visible_to(actor, permission)
    if lock:
        qs = qs.select_for_update()
    fresh = qs.filter(pk=obj.pk).first()
    if fresh is None:
        raise OutOfScope(permission or getattr(model, "SCOPE_PERMISSION", ""), obj)
    return fresh


def in_scope(model, pk, actor, permission: str | None = None) -> bool:
    return model.objects.visible_to(actor, permission).filter(pk=pk).exists()
