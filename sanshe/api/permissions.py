from rest_framework.permissions import BasePermission

from sanshe.core.exceptions import Denied


class HasRolePermission(BasePermission):
    """The view names the permission each action needs (``permission_map``); without one, nobody passes.

    Missing permission → :class:`Denied` (403, audited). Territory is checked by ``visible_to`` in the
    viewset's queryset and again by the services inside their transactions.
    """

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        permission_map = getattr(view, "permission_map", None)
        if permission_map is None:
            raise Denied("undeclared")
        action = getattr(view, "action", None) or request.method.lower()
        needed = permission_map.get(action, permission_map.get("default"))
        if needed is None:
            raise Denied(f"undeclared:{action}")
        if needed == "authenticated":
            return True
        if not request.user.has_permission(needed):
            raise Denied(needed)
        return True
