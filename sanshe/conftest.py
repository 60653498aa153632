import importlib
import os
from pathlib import Path

import pytest

from sanshe.core.testing import build_world, login_as

# The audit log is append-only down to database triggers. Transactional tests (live server, end to end) end
# with Django's flush, which empties every table: let that test-only flush lift the triggers and put them back.
_append_only = importlib.import_module("sanshe.core.migrations.0002_audit_append_only")


def _flush_keeping_triggers(original, before, after):
    def sql_flush(self, style, tables, **kwargs):
        statements = original(self, style, tables, **kwargs)
        if "core_auditentry" not in tables:
            return statements
        return [*before, *statements, *after]

    return sql_flush


@pytest.fixture(scope="session", autouse=True)
def _audit_triggers_survive_flush():
    from django.db import connection

    ops = type(connection.ops)
    if getattr(ops, "_sanshe_flush_patched", False):
        return
    if connection.vendor == "sqlite":
        before, after = _append_only.SQLITE_DROP, _append_only.SQLITE
    else:
        before = ["ALTER TABLE core_auditentry DISABLE TRIGGER USER"]
        after = ["ALTER TABLE core_auditentry ENABLE TRIGGER USER"]
    ops.sql_flush = _flush_keeping_triggers(ops.sql_flush, before, after)
    ops._sanshe_flush_patched = True


@pytest.fixture
def world(db):
    """The two-district test world with one account per role (see ``sanshe.core.testing``)."""
    return build_world()


@pytest.fixture
def client_for(client):
    """``client_for(user)`` → the test client logged in as that user (second factor verified if needed)."""

    def make(user):
        login_as(client, user)
        return client

    return make


# --- End-to-end tests in Debian's Chromium, driven by Playwright ----------------------------------------------
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: end-to-end tests cannot run (make test installs it with apt-get)")
        pytest.skip(f"{CHROMIUM} is missing; run `make test` to install it")
    # Playwright's sync API keeps an event loop in this thread; Django's ORM use in the test body is still
    # synchronous and single-threaded, so its async-safety guard does not apply here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()


@pytest.fixture
def phone(browser):
    """A phone-sized page (390 × 844, touch) in Chinese."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def desktop(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot():
    """``screenshot(page, "name")`` saves test-artifacts/<name>.png for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name):
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    return take
