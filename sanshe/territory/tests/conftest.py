"""Fixtures of the territory tests: the Chinese catalogue built from this app's translation fragment."""

import json
import struct
from array import array
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

FRAGMENT = Path(settings.BASE_DIR) / "sanshe" / "locale" / "zh_Hans_fragments" / "territory.json"


def write_mo(messages: dict[str, str], path: Path) -> None:
    """Write a GNU .mo catalogue (what msgfmt makes) from {msgid: msgstr}; plural entries use their first form."""
    entries = {"": "Content-Type: text/plain; charset=UTF-8\nPlural-Forms: nplurals=1; plural=0;\n"}
    for msgid, msgstr in messages.items():
        if isinstance(msgstr, list):
            entries[f"{msgid}\0{msgid}"] = "\0".join(msgstr)
        else:
            entries[msgid] = msgstr
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
    key_offsets, value_offsets = [], []
    for o1, l1, o2, l2 in offsets:
        key_offsets += [l1, o1 + key_start]
        value_offsets += [l2, o2 + value_start]
    header = struct.pack("Iiiiiii", 0x950412DE, 0, len(keys), 7 * 4, 7 * 4 + len(keys) * 8, 0, 0)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(header + array("i", key_offsets).tobytes() + array("i", value_offsets).tobytes() + ids + strs)


@pytest.fixture
def zh_fragment(tmp_path, settings):
    """Chinese active, with this app's fragment compiled in front of the project's catalogues."""
    write_mo(json.loads(FRAGMENT.read_text(encoding="utf-8")), tmp_path / "zh_Hans" / "LC_MESSAGES" / "django.mo")
    settings.LOCALE_PATHS = [tmp_path, *settings.LOCALE_PATHS]
    with translation.override("zh-hans"):
        yield
