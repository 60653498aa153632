"""Every URL × every role × inside / outside the role's territory (see ``sanshe.core.matrix``)."""

from __future__ import annotations

import importlib
import json
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from sanshe.accounts.roles import ROLE_SPECS, Role
from sanshe.core.matrix import AUTHENTICATED, EXEMPT, PUBLIC, UrlCase
from sanshe.core.testing import login_as


def _walk(patterns, namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _walk(p.url_patterns, ns)
        elif isinstance(p, URLPattern) and p.name:
            if "format" in p.pattern.regex.groupindex:
                continue  # DRF's format-suffix twin of a route already listed
            yield f"{namespace}{p.name}"


def all_url_names() -> set[str]:
    return set(_walk(get_resolver().url_patterns))


def collect_matrix() -> dict[str, UrlCase]:
    matrix: dict[str, UrlCase] = {}
    for config in apps.get_app_configs():
        if not config.name.startswith("sanshe."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.tests.matrix")
        except ModuleNotFoundError as exc:
            if exc.name in (f"{config.name}.tests", f"{config.name}.tests.matrix"):
                continue
            raise
        overlap = matrix.keys() & module.MATRIX.keys()
        assert not overlap, f"declared twice: {overlap}"
        matrix.update(module.MATRIX)
    return matrix


MATRIX = collect_matrix()


def test_every_url_is_in_the_matrix():
    missing = sorted(all_url_names() - MATRIX.keys() - EXEMPT.keys())
    assert not missing, f"URLs missing from the permission matrix: {missing}"
    stale = sorted(MATRIX.keys() - all_url_names())
    assert not stale, f"matrix entries for URLs that no longer exist: {stale}"


def _request(client: Client, case: UrlCase, url: str, world, role):
    data = case.data(world, role) if callable(case.data) else (case.data or {})
    if case.method == "GET":
        return client.get(url, data, **case.headers)
    if case.api:
        return client.generic(case.method, url, data=json.dumps(data),
                              content_type="application/json", **case.headers)
    return client.generic(case.method, url, data=urlencode(data),
                          content_type="application/x-www-form-urlencoded", **case.headers)


def _expected(case: UrlCase, role: str | None, inside: bool) -> tuple[int, ...]:
    if case.permission is PUBLIC:
        return case.ok
    if role is None:
        return (401, 403) if case.api else (302,)
    if case.permission == AUTHENTICATED:
        return case.ok if inside or case.kwargs is None else (404,)
    if case.permission not in ROLE_SPECS[role].permissions or role in case.extra_forbidden:
        return (403,)
    return case.ok if inside else (404,)


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_permission_matrix(name, world):
    case = MATRIX[name]
    failures = []
    for role in [None, *Role.values]:
        for inside in (True, False) if case.kwargs is not None and case.scoped else (True,):
            # A role without the permission is refused before any lookup: one check is enough.
            if not inside and role is not None and case.permission not in (PUBLIC, AUTHENTICATED) and (
                case.permission not in ROLE_SPECS[role].permissions
            ):
                continue
            if not inside and role is None:
                continue
            client = Client()
            if role is not None:
                login_as(client, world.user(role))
            kwargs = case.kwargs(world, role or Role.DISTRICT_ADMIN, inside) if case.kwargs else None
            url = reverse(name, kwargs=kwargs)
            response = _request(client, case, url, world, role)
            expected = _expected(case, role, inside)
            if response.status_code not in expected:
                failures.append(f"{role or 'anonymous'} {'inside' if inside else 'outside'} {case.method} {url}: "
                                f"{response.status_code}, expected {expected}")
            if role is None and not case.api and case.permission is not PUBLIC and response.status_code == 302:
                assert reverse("accounts:login") in response["Location"], response["Location"]
    assert not failures, "\n".join(failures)
