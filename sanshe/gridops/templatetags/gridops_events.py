"""Template helpers of the event pages: the unread-notification count for the badge in the page shell."""

from django import template

from sanshe.accounts.notifications import unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context) -> int:
    """How many unread notifications the current user has (0 when logged out); counted once per request."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    cached = getattr(request, "_sanshe_unread", None)
    if cached is None:
        cached = unread_count(user)
        request._sanshe_unread = cached
    return cached
