"""Chinese first: every message in the catalogue is translated, and pages speak Chinese by default."""

import re
from pathlib import Path

from django.conf import settings
from django.utils import translation

PO = Path(settings.BASE_DIR) / "sanshe" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def _entries(text):
    for block in text.split("\n\n"):
        if "msgid" not in block or block.lstrip().startswith("#~"):
            continue
        yield block


def test_every_catalogue_entry_is_translated():
    text = PO.read_text(encoding="utf-8")
    untranslated, fuzzy = [], []
    for block in _entries(text):
        msgid = re.search(r'^msgid "(.*)"', block, re.M)
        if msgid and msgid.group(1) == "" and block.count("msgid") == 1 and "Project-Id-Version" in block:
            continue  # header
        if "#, fuzzy" in block or ", fuzzy" in block:
            fuzzy.append(block.splitlines()[-2:])
        strs = re.findall(r'^msgstr(?:\[\d\])? "(.*)"((?:\n".*")*)', block, re.M)
        if not strs or any(first == "" and not rest.strip() for first, rest in strs):
            untranslated.append(block.splitlines()[0:3])
    assert not untranslated, untranslated[:10]
    assert not fuzzy, fuzzy[:10]


def test_default_language_is_chinese(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in response.content.decode()
    assert "登录" in response.content.decode()


def test_english_is_switchable(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"}, follow=True)
    assert '<html lang="en">' in response.content.decode()
    assert "Log in" in response.content.decode() or "Login" in response.content.decode()


def test_role_labels_in_chinese():
    from sanshe.accounts.roles import Role

    with translation.override("zh-hans"):
        assert str(Role.GRID_WORKER.label) == "网格员"
        assert str(Role.AUDIT_ADMIN.label) == "审计管理员"
