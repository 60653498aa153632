"""Fixtures of the accounts tests.

The Chinese of new messages lives first in ``sanshe/locale/zh_Hans_fragments/*.json`` and reaches the
project's compiled catalog when the fragments are merged. So that the tests can check the Chinese the user
reads in the meantime, the fragments are compiled into a temporary catalog placed LAST in ``LOCALE_PATHS``:
the project catalog wins wherever it has a translation, the fragments only fill what it lacks.
"""

from __future__ import annotations

import json
import struct
from array import array
from pathlib import Path

import pytest
from django.conf import settings
from django.test.utils import override_settings

LOCALE = Path(settings.BASE_DIR) / "sanshe" / "locale"
PLURAL_HEADER = "Content-Type: text/plain; charset=UTF-8\nPlural-Forms: nplurals=1; plural=0;\n"


def write_mo(entries: dict[str, str], path: Path) -> None:
    """A GNU .mo file (the layout Python's msgfmt.py writes)."""
    entries = {"": PLURAL_HEADER, **entries}
    keys = sorted(entries)
    ids = strs = b""
    offsets = []
    for key in keys:
        k, v = key.encode(), entries[key].encode()
        offsets.append((len(ids), len(k), len(strs), len(v)))
        ids += k + b"\0"
        strs += v + b"\0"
    key_start = 7 * 4 + 16 * len(keys)
    value_start = key_start + len(ids)
    key_offsets: list[int] = []
    value_offsets: list[int] = []
    for o1, l1, o2, l2 in offsets:
        key_offsets += [l1, o1 + key_start]
        value_offsets += [l2, o2 + value_start]
    header = struct.pack("Iiiiiii", 0x950412DE, 0, len(keys), 7 * 4, 7 * 4 + len(keys) * 8, 0, 0)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(header + array("i", key_offsets).tobytes() + array("i", value_offsets).tobytes() + ids + strs)


@pytest.fixture(scope="session", autouse=True)
def fragment_catalog(tmp_path_factory):
    entries: dict[str, str] = {}
    for fragment in sorted((LOCALE / "zh_Hans_fragments").glob("*.json")):
        for msgid, msgstr in json.loads(fragment.read_text(encoding="utf-8")).items():
            if isinstance(msgstr, list):
                entries[f"{msgid}\0{msgid}"] = "\0".join(msgstr)
            else:
                entries[msgid] = msgstr
    root = tmp_path_factory.mktemp("locale")
    write_mo(entries, root / "zh_Hans" / "LC_MESSAGES" / "django.mo")
    with override_settings(LOCALE_PATHS=[*settings.LOCALE_PATHS, root]):
        yield
