"""Permission matrix entries for the accounts pages and API (see ``sanshe.core.matrix``).

"Inside" accounts belong to the first district (where every test role sits); "outside" ones to the other
district, beyond every role's reach. Write cases make their own fresh objects so that each role gets one.
"""

from sanshe.accounts.roles import Perm, Role
from sanshe.core.matrix import AUTHENTICATED, PUBLIC, UrlCase


def _account(world, inside):
    from sanshe.accounts.models import User

    if inside:
        return world.users["nobody"]
    return User.objects.get_or_create(username="matrix_far", defaults={"district": world.nodes["D2"]})[0]


def _user(world, role, inside):
    return {"pk": _account(world, inside).pk}


def _grant(world, role, inside):
    from sanshe.accounts.models import RoleGrant

    user = _account(world, inside)
    node = world.nodes["C1" if inside else "C4"]
    grant = RoleGrant.objects.active().filter(user=user, role=Role.VOLUNTEER, node=node).first()
    return {"pk": (grant or RoleGrant.objects.create(user=user, role=Role.VOLUNTEER, node=node)).pk}


def _token(world, role, inside):
    import secrets

    from sanshe.accounts.models import ApiToken, User

    # Made directly: the service refuses tokens to administrators, but the route must still be checked for them.
    owner = world.user(role) if inside else User.objects.get(username="t_nobody")
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=owner, name="matrix", prefix=key[:8], key_hash=ApiToken.hash_key(key))
    return {"pk": token.pk}


MATRIX = {
    "accounts:login": UrlCase(PUBLIC, ok=(200, 302), note="a logged-in user is sent home"),
    "accounts:logout": UrlCase(AUTHENTICATED, method="POST", ok=(302,)),
    "accounts:otp": UrlCase(AUTHENTICATED, ok=(200, 302), note="admins in the matrix are verified already"),
    "accounts:password_change": UrlCase(AUTHENTICATED),
    "accounts:profile": UrlCase(AUTHENTICATED),
    "accounts:user_list": UrlCase(Perm.ACCOUNTS_VIEW),
    "accounts:user_create": UrlCase(Perm.ACCOUNTS_MANAGE),
    "accounts:node_options": UrlCase(Perm.ROLES_GRANT, data={"role": Role.GRID_WORKER}),
    "accounts:user_detail": UrlCase(Perm.ACCOUNTS_VIEW, kwargs=_user),
    "accounts:user_edit": UrlCase(Perm.ACCOUNTS_MANAGE, kwargs=_user),
    "accounts:grant_create": UrlCase(Perm.ROLES_GRANT, kwargs=_user),
    "accounts:grant_revoke": UrlCase(Perm.ROLES_GRANT, kwargs=_grant, method="POST", ok=(302,)),
    "accounts:security": UrlCase(Perm.SECURITY_MANAGE),
    "accounts-user-list": UrlCase(Perm.ACCOUNTS_VIEW, api=True),
    "accounts-user-detail": UrlCase(Perm.ACCOUNTS_VIEW, kwargs=_user, api=True),
    "accounts-grant-list": UrlCase(Perm.ACCOUNTS_VIEW, api=True),
    "accounts-grant-detail": UrlCase(Perm.ACCOUNTS_VIEW, kwargs=_grant, api=True),
    "accounts-grant-revoke": UrlCase(Perm.ROLES_GRANT, kwargs=_grant, method="POST", api=True),
    "accounts-me-list": UrlCase(AUTHENTICATED, api=True),
    "accounts-token-list": UrlCase(AUTHENTICATED, api=True),
    "accounts-token-revoke": UrlCase(AUTHENTICATED, kwargs=_token, method="POST", api=True),
}
