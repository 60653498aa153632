"""Spreadsheet exports (.xlsx and .csv) that Excel and WPS open safely, for every app to reuse.

``safe_cell`` is the guard against formula injection (CSV/DDE injection): a text cell that starts with
``= + - @``, a tab or a carriage return would be taken as a formula by Excel/WPS, so it gets a leading
apostrophe and stays text. ``write_table`` builds the file in a temporary file (openpyxl's write-only mode for
.xlsx, UTF-8 with BOM for .csv) so that large exports never sit in memory, and ``file_response`` streams it.

Typical use in a view (``audited_export`` does the three steps, with the notes every export carries)::

    table = write_table(fmt, headers, rows_iterable, max_rows=limit, sheet_title=_("Audit log"))
    ...  # audit.record(...) the export with table.rows / table.truncated
    return file_response(table, "audit-20250101")
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}

# Excel refuses characters below 0x20 other than tab, newline and carriage return in cell text.
_ILLEGAL_XLSX = {c: None for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)}


def safe_cell(value):
    """A value that a spreadsheet shows as typed, never evaluates.

    Text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading apostrophe (the
    OWASP advice for CSV injection); numbers, dates, booleans and ``None`` pass through unchanged (a real number
    cannot carry a formula). Other objects are turned into text first, then guarded.
    """
    if value is None or isinstance(value, (bool, int, float, decimal.Decimal, dt.date, dt.datetime, dt.time)):
        return value
    text = value if isinstance(value, str) else str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def safe_row(values: Iterable) -> list:
    """``safe_cell`` applied to every value of a row."""
    return [safe_cell(v) for v in values]


@dataclass
class ExportFile:
    """A finished export: the temporary file (positioned at 0), its format, and how many data rows it holds."""

    file: tempfile.SpooledTemporaryFile
    fmt: str
    rows: int
    truncated: bool

    @property
    def content_type(self) -> str:
        return FORMATS[self.fmt]


def _xlsx_value(value):
    value = safe_cell(value)
    if isinstance(value, str):
        return value.translate(_ILLEGAL_XLSX)
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        # Excel has no time zones: write the local wall-clock time (the column header says which zone).
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def _csv_value(value):
    value = safe_cell(value)
    if value is None:
        return ""
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value).replace(tzinfo=None)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    return value


def write_table(
    fmt: str,
    headers: Sequence[str],
    rows: Iterable[Sequence],
    *,
    max_rows: int | None = None,
    sheet_title: str = "Sheet1",
    notes: Sequence[Sequence] | Callable[[int, bool], Sequence[Sequence]] = (),
    truncated_note: str = "",
    notes_title: str = "Info",
    column_widths: Sequence[int] | None = None,
) -> ExportFile:
    """Write ``headers`` and at most ``max_rows`` of ``rows`` into a temporary .xlsx or .csv file.

    Every cell goes through :func:`safe_cell`. ``notes`` are extra (label, value) rows: on a second sheet of an
    .xlsx, after a blank line at the end of a .csv; a callable gets ``(rows written, truncated)`` and returns them. When ``rows`` had more than ``max_rows``, the file is cut
    and ``truncated_note`` is written as its last line (and on the notes sheet), so nobody mistakes a cut file
    for a complete one.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    count = 0
    truncated = False

    def limited():
        nonlocal count, truncated
        for row in rows:
            if max_rows is not None and count >= max_rows:
                truncated = True
                return
            count += 1
            yield row

    def note_rows():
        return list(notes(count, truncated) if callable(notes) else notes)

    if fmt == "csv":
        text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
        writer = csv.writer(text)
        writer.writerow([_csv_value(h) for h in headers])
        for row in limited():
            writer.writerow([_csv_value(v) for v in row])
        if truncated and truncated_note:
            writer.writerow([_csv_value(truncated_note)])
        extra = note_rows()
        if extra:
            writer.writerow([])
            for note in extra:
                writer.writerow([_csv_value(v) for v in note])
        text.flush()
        text.detach()
    else:
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(title=_sheet_title(sheet_title))
        for i, width in enumerate(column_widths or (), start=1):
            sheet.column_dimensions[get_column_letter(i)].width = width
        sheet.freeze_panes = "A2"
        bold = Font(bold=True)
        header_cells = []
        for h in headers:
            cell = WriteOnlyCell(sheet, value=_xlsx_value(h))
            cell.font = bold
            header_cells.append(cell)
        sheet.append(header_cells)
        for row in limited():
            sheet.append([_xlsx_value(v) for v in row])
        if truncated and truncated_note:
            sheet.append([_xlsx_value(truncated_note)])
        extra = note_rows()
        if extra or (truncated and truncated_note):
            info = workbook.create_sheet(title=_sheet_title(notes_title))
            info.column_dimensions["A"].width = 24
            info.column_dimensions["B"].width = 80
            for note in extra:
                info.append([_xlsx_value(v) for v in note])
            if truncated and truncated_note:
                info.append([_xlsx_value(truncated_note)])
        workbook.save(out)
    out.seek(0)
    return ExportFile(file=out, fmt=fmt, rows=count, truncated=truncated)


def _sheet_title(title: str) -> str:
    cleaned = "".join("_" if c in '[]:*?/\\' else c for c in str(title)).strip("'")
    return (cleaned or "Sheet1")[:31]


def file_response(export: ExportFile, basename: str) -> FileResponse:
    """Send an export as a download named ``<basename>.<format>`` (the temporary file is closed afterwards)."""
    response = FileResponse(export.file, as_attachment=True, filename=f"{basename}.{export.fmt}",
                            content_type=export.content_type)
    response["Cache-Control"] = "no-store"
    response["X-Export-Rows"] = str(export.rows)
    response["X-Export-Truncated"] = "1" if export.truncated else "0"
    return response


def audited_export(
    fmt: str,
    headers: Sequence[str],
    rows: Iterable[Sequence],
    *,
    user,
    basename: str,
    record: Callable[[ExportFile], object],
    max_rows: int,
    sheet_title: str,
    truncated_note: str,
    active_filter: dict,
    extra_notes: Sequence[Sequence] = (),
    column_widths: Sequence[int] | None = None,
) -> FileResponse:
    """Build an export, record it, send it: the shape every audited export of the platform has.

    The file gets the notes every export carries (when, by whom, the filter, how many rows, whether it was cut,
    then ``extra_notes``); ``record(table)`` writes the audit entry in its own transaction once the file is built —
    if it raises, nothing is sent (no audit entry, no file). The download is ``<basename>-<local time>.<fmt>``.
    """
    now = timezone.localtime()
    table = write_table(
        fmt, headers, rows, max_rows=max_rows, sheet_title=sheet_title, column_widths=column_widths,
        truncated_note=truncated_note, notes_title=_("About this export"),
        notes=lambda count, truncated: [
            (_("Exported at"), now.strftime("%Y-%m-%d %H:%M:%S")),
            (_("Exported by"), user.get_username()),
            (_("Filter"), json.dumps(active_filter, ensure_ascii=False)),
            (_("Rows"), count),
            (_("Cut"), _("yes") if truncated else _("no")),
            *extra_notes,
        ],
    )
    with transaction.atomic():
        record(table)
    return file_response(table, f"{basename}-{now:%Y%m%d-%H%M%S}")
