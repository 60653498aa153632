"""The permission matrix: every URL × every role × inside / outside the role's territory.

Each app declares its URLs in ``<app>/tests/matrix.py`` as ``MATRIX = {url_name: UrlCase(...)}``;
``sanshe/core/tests/test_permission_matrix.py`` walks the URL resolver and fails for any URL that no app
declares, then checks every declared URL for every role:

* anonymous → the login page (pages) or 401/403 (API), unless the URL is public;
* a role without ``permission`` → 403;
* a role with it → ``ok`` on an object inside its territory, 404 on one outside.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

PUBLIC = None
AUTHENTICATED = "authenticated"


@dataclass
class UrlCase:
    permission: str | None
    # For URLs about one object: (world, role, inside) → URL kwargs. None for URLs without an object.
    kwargs: Callable | None = None
    method: str = "GET"
    data: dict | Callable | None = None
    ok: tuple[int, ...] = (200,)
    api: bool = False
    # Roles that hold the permission but are refused by a rule of the object (e.g. self-service only).
    extra_forbidden: tuple[str, ...] = ()
    # Extra request headers, e.g. {"HTTP_ACCEPT": "application/json"}.
    headers: dict = field(default_factory=dict)
    note: str = ""
    # False for objects that belong to no territory (the platform-wide audit log): only "inside" is tested.
    scoped: bool = True


EXEMPT = {
    # Django / third-party plumbing with no data behind it.
    "set_language": "language switch (POST, public by design)",
    "api-root": "DRF router index: lists endpoint URLs only",
}
