"""XML and JSON output of Open311 GeoReport v2, and its error bodies.

The JSON follows the Spark convention the spec requires: a list element (``<services>``, ``<attributes>``,
``<formats>`` …) becomes a JSON array of its children, a response whose root is such a list is a bare JSON
array, and an empty element is ``null``. Both formats are built from the same Python structure, so they
cannot drift apart.
"""

from __future__ import annotations

import json
import re
from xml.sax.saxutils import escape

from django.http import HttpResponse

FORMATS = ("xml", "json")
CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
MIME_TYPES = {"xml": "text/xml", "json": "application/json"}

# A list element and the name of its children (Spark convention: the children become the array).
LIST_ITEMS = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}

# Characters XML 1.0 cannot carry (a control character pasted into a description must not break the document).
_XML_INVALID = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class Open311Error(Exception):
    """An Open311 error response: HTTP ``status`` and one or more ``(code, description)`` pairs."""

    def __init__(self, status: int, *errors: str | tuple[int, str]):
        super().__init__(status, errors)
        self.status = status
        self.errors = [e if isinstance(e, tuple) else (status, str(e)) for e in errors]


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _XML_INVALID.sub("", str(value))


def _xml(name: str, value, out: list[str], depth: int) -> None:
    pad = "  " * depth
    if isinstance(value, list):
        item = LIST_ITEMS[name]
        if not value:
            out.append(f"{pad}<{name}/>")
            return
        out.append(f"{pad}<{name}>")
        for child in value:
            _xml(item, child, out, depth + 1)
        out.append(f"{pad}</{name}>")
    elif isinstance(value, dict):
        out.append(f"{pad}<{name}>")
        for key, child in value.items():
            _xml(key, child, out, depth + 1)
        out.append(f"{pad}</{name}>")
    else:
        text = _text(value)
        out.append(f"{pad}<{name}>{escape(text)}</{name}>" if text else f"{pad}<{name}/>")


def to_xml(root: str, value) -> str:
    out = ['<?xml version="1.0" encoding="utf-8"?>']
    _xml(root, value, out, 0)
    return "\n".join(out) + "\n"


def _json_value(value):
    if isinstance(value, dict):
        return {k: _json_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_value(v) for v in value]
    if value == "":
        return None  # an empty XML element is null in the Spark convention
    return value


def to_json(value) -> str:
    return json.dumps(_json_value(value), ensure_ascii=False, indent=1)


def render(fmt: str, root: str, value, status: int = 200, headers: dict | None = None) -> HttpResponse:
    """``value`` is the document below ``root`` (for a list root such as ``services``, the list itself)."""
    body = to_json(value) if fmt == "json" else to_xml(root, value)
    response = HttpResponse(body.encode("utf-8"), status=status, content_type=CONTENT_TYPES[fmt])
    for key, header in (headers or {}).items():
        response[key] = header
    return response


def render_error(fmt: str, error: Open311Error) -> HttpResponse:
    """``<errors><error><code>…</code><description>…</description></error></errors>`` or the JSON array."""
    errors = [{"code": code, "description": description} for code, description in error.errors]
    return render(fmt if fmt in FORMATS else "xml", "errors", errors, status=error.status)
