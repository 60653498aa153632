"""Every role walks every link of its navigation bar: each page answers 200 and reads in Chinese.

An English word left on a page (an untranslated msgid, a raw choice value, a field name) fails the test with
the page and the words. Codes and names that are English on purpose (PDF, Excel, QR, API …) are allowed.
"""

import re
from html import unescape

import pytest

from sanshe.accounts.roles import ROLE_SPECS, Role
from sanshe.core.nav import navigation
from sanshe.core.testing import login_as

ALLOWED = {"pdf", "xlsx", "csv", "excel", "qr", "api", "geojson", "jpeg", "png", "webp", "open311", "id", "sms",
           "totp", "gis", "wifi", "app", "url", "html", "utc", "gb", "ok", "gcj", "wgs"}
TOKEN = re.compile(r"[A-Za-z0-9_.@:/-]+")
TAGS = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.S)


def visible_words(html: str) -> set[str]:
    start = html.find('id="mainnav"')
    body = html[html.index(">", start) + 1:] if start >= 0 else html
    end = body.find('<footer')
    text = unescape(TAGS.sub(" ", body[:end] if end >= 0 else body))
    # User names (t_grid_worker), codes and addresses are data, not words: only all-letter tokens count.
    return {w for w in TOKEN.findall(text) if w.isalpha() and len(w) >= 3 and w.lower() not in ALLOWED}


@pytest.mark.parametrize("role", [r for r in Role.values])
def test_every_page_of_the_bar_answers_in_chinese(world, client, role):
    user = world.user(role)
    login_as(client, user)
    pages = ["/"] + [link.url for group in navigation(ROLE_SPECS[role].permissions, None) for link in group.links]
    problems = []
    for url in pages:
        response = client.get(url, follow=True)
        if response.status_code != 200:
            problems.append(f"{url}: {response.status_code}")
            continue
        if "text/html" not in response.get("Content-Type", ""):
            continue
        english = visible_words(response.content.decode())
        if english:
            problems.append(f"{url}: {sorted(english)[:15]}")
    assert not problems, f"{role}:\n" + "\n".join(problems)
