"""Reading the spreadsheets (台账) that community offices keep, for every import to reuse.

Real ledgers are messy: a title row and blank rows above the header, merged cells, header variants
(公民身份号码 / 身份证号码 / 身份证号), a signature line at the bottom, an address in one column, and long numbers
that Excel has turned into ``1.10105E+17``. This module turns such a file into plain records; what a record
means is the caller's business. Typical use::

    table = read_table(data, filename)                      # LedgerError when the file cannot be read
    header = find_header(table, ALIASES, required={"name", "id_number"})
    report = ErrorReport(table, header)
    for record in iter_records(table, header):
        if excel_number_damage(record.raw["id_number"]):
            report.add(record.row, header.label("id_number"), _("Excel turned this into a number ..."))
        ...
    report.errors          # [{"row", "column", "reason"}], row numbered as Excel shows it
    report.workbook()      # .xlsx: the header, the bad rows, and a column with the reasons

Row numbers are the sheet's own (1-based, as Excel and WPS show them): ``table[i]`` is sheet row ``i + 1``.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, NamedTuple

from django.utils.translation import gettext as _

from sanshe.core.exports import safe_cell


class LedgerError(Exception):
    """The file cannot be used at all: not a spreadsheet, an unknown text encoding, no header row."""


# --- reading the file -------------------------------------------------------------------------------------------
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")


def read_table(data: bytes, filename: str = "") -> list[list]:
    """All rows of the first visible worksheet (or of the CSV) from sheet row 1, as lists of cells.

    Workbooks (.xlsx, .xls, .ods; recognised by content first, then by name) are read with python-calamine;
    every merged region is filled with its top-left value, so a 小区 cell merged over three rows gives each of
    them the 小区. Cells are as read (text, float, date, ...); use :func:`cell_text` for their text. Anything
    else is read as delimited text (comma, tab or semicolon) in UTF-8 (with or without BOM), UTF-16 with BOM, or
    GBK/GB18030. Raises :class:`LedgerError` when the file cannot be read.
    """
    name = filename.lower()
    if data.startswith((_ZIP, _OLE)) or name.endswith(WORKBOOK_SUFFIXES):
        return _read_workbook(data)
    return _read_csv(data)


def _read_workbook(data: bytes) -> list[list]:
    from python_calamine import CalamineWorkbook, PasswordError, SheetTypeEnum, SheetVisibleEnum

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        index = next(
            (i for i, meta in enumerate(workbook.sheets_metadata)
             if meta.visible == SheetVisibleEnum.Visible and meta.typ == SheetTypeEnum.WorkSheet),
            0,
        )
        sheet = workbook.get_sheet_by_index(index)
        table = sheet.to_python(skip_empty_area=False)
        merged = sheet.merged_cell_ranges
    except PasswordError as exc:
        raise LedgerError(_("The spreadsheet is protected by a password; save it without one and try again.")) \
            from exc
    except Exception as exc:  # noqa: BLE001 - calamine raises several kinds for a broken file
        raise LedgerError(_("The spreadsheet cannot be read: %(error)s") % {"error": exc}) from exc
    if merged:
        fill_merged(table, merged)
    return table


def fill_merged(table: list[list], ranges) -> None:
    """Give every cell of each merged region the value of its top-left cell (in place).

    ``ranges`` are ``((first_row, first_col), (last_row, last_col))``, 0-based and inclusive, as calamine gives
    them. A region is only filled within the rows the table has; rows that are otherwise blank stay blank, so a
    merge reaching into spacer rows does not turn them into data rows.
    """
    for (top, left), (bottom, right) in ranges:
        if top >= len(table):
            continue
        first = table[top]
        value = first[left] if left < len(first) else None
        if cell_text(value) == "":
            continue
        for r in range(top, min(bottom, len(table) - 1) + 1):
            row = table[r]
            if r != top and not any(cell_text(c) for i, c in enumerate(row) if not left <= i <= right):
                continue
            if len(row) <= right:
                row.extend([""] * (right + 1 - len(row)))
            for c in range(left, right + 1):
                if r != top or c != left:
                    row[c] = value


def decode_text(data: bytes) -> str:
    """The text of a CSV file: UTF-16 with BOM, UTF-8 (BOM or not), else GB18030 (a superset of GBK).

    A file that is none of these, or that only decodes into control characters (a binary file, UTF-16 without
    BOM), raises :class:`LedgerError` rather than being read as garbage.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and not data.startswith(codecs.BOM_UTF32_LE):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise LedgerError(_("The file is neither UTF-8 nor GBK text.")) from exc
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _CONTROL.search(text):
            break
        return text
    raise LedgerError(_("The file is neither UTF-8 nor GBK text."))


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _read_csv(data: bytes) -> list[list]:
    text = decode_text(data)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    return list(csv.reader(io.StringIO(text, newline=""), dialect))


# --- cells ------------------------------------------------------------------------------------------------------
_EDGE_SPACE = " \t\r\n\u3000\xa0\u2002\u2003\u2009\u200b\u200c\u200d\u202f\u205f\ufeff"
_SCIENTIFIC = re.compile(r"[+-]?\d+(?:\.\d*)?[eE][+-]?\d+")
# Excel keeps 15 significant digits: a whole number of 16 digits or more has lost its last ones.
EXACT_DIGITS = 15


def cell_text(value: Any) -> str:
    """The text of a cell as the user typed it.

    ``None`` → ``""``; a whole float → its integer text (``3.0`` → ``"3"``); other floats with up to 15
    significant digits (what Excel shows); dates and midnight datetimes → ISO date, other datetimes →
    ``"YYYY-MM-DD HH:MM:SS"``; booleans → ``"1"``/``"0"``; text stripped of spaces at both ends, including
    full-width (U+3000), non-breaking and zero-width spaces.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip(_EDGE_SPACE)
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return f"{value:.15g}"
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value).strip(_EDGE_SPACE)


def excel_number_damage(raw_value: Any) -> bool:
    """Whether Excel has turned a long digit string (an ID number, a code) into a number.

    True for a number of 16 digits or more (Excel kept only 15 of them) and for text in scientific notation
    such as ``"1.10105E+17"`` (what a CSV saved from such a sheet holds). The lost digits cannot be recovered:
    report the cell, never guess them. Shorter numbers (a 12-digit code, an 11-digit phone) are exact.
    """
    if isinstance(raw_value, bool):
        return False
    if isinstance(raw_value, (int, float)):
        return abs(raw_value) >= 10**EXACT_DIGITS
    if isinstance(raw_value, str):
        return _SCIENTIFIC.fullmatch(raw_value.strip(_EDGE_SPACE)) is not None
    return False


def normal_header(value: Any) -> str:
    """A header label reduced for matching: full-width → half-width, no spaces, no ``*`` or ``:`` marks,
    no bracketed notes such as ``（必填）`` or ``(18位)``, lower case."""
    text = unicodedata.normalize("NFKC", cell_text(value)).lower()
    text = re.sub(r"[(\[【〔].*?[)\]】〕]", "", text)
    return re.sub(r"[\s*:※]", "", text)


# --- the header -------------------------------------------------------------------------------------------------
@dataclass
class Header:
    """Where the header row is and which column holds each canonical key.

    ``row`` is the table index of the header row (sheet row ``row + 1``); ``columns`` maps each recognised key to
    its column index; ``labels`` maps it to the header text as written in the sheet (for error messages);
    ``cells`` is the header row as read, for the error workbook.
    """

    row: int
    columns: dict[str, int]
    labels: dict[str, str]
    cells: list = field(default_factory=list)
    default_labels: dict[str, str] = field(default_factory=dict)

    @property
    def number(self) -> int:
        """The header's row number as the sheet shows it."""
        return self.row + 1

    def label(self, key: str) -> str:
        """The sheet's label of ``key``'s column, else the canonical label (the first alias)."""
        return self.labels.get(key) or self.default_labels.get(key, key)


def find_header(
    table: list[list], aliases: Mapping[str, list[str]], required: set[str], search_rows: int = 30
) -> Header:
    """The first of the top ``search_rows`` rows whose cells name at least the ``required`` keys.

    ``aliases`` maps each canonical key to the header texts that mean it (compared after
    :func:`normal_header`; its first alias is the label used when the sheet has no such column). Title rows,
    blank rows and notes above the header are passed over. When two columns mean the same key the first one
    counts. Raises :class:`LedgerError` naming the missing columns when no row has them all.
    """
    lookup: dict[str, str] = {}
    for key, names in aliases.items():
        for name in names:
            lookup.setdefault(normal_header(name), key)
    lookup.pop("", None)
    default_labels = {key: (names[0] if names else key) for key, names in aliases.items()}
    best: tuple[int, int, set[str]] | None = None  # (matched required, row index, keys found)
    for index, row in enumerate(table[:search_rows]):
        columns: dict[str, int] = {}
        labels: dict[str, str] = {}
        for col, cell in enumerate(row):
            if cell is None or cell == "":
                continue
            key = lookup.get(normal_header(cell))
            if key and key not in columns:
                columns[key] = col
                labels[key] = cell_text(cell)
        if required <= columns.keys():
            return Header(row=index, columns=columns, labels=labels, cells=list(row),
                          default_labels=default_labels)
        matched = len(required & columns.keys())
        if matched and (best is None or matched > best[0]):
            best = (matched, index, set(columns))
    order = [key for key in aliases if key in required] + sorted(required - set(aliases))
    if best is None:
        missing = [default_labels.get(key, key) for key in order]
        raise LedgerError(
            _("No header row found in the first %(rows)d rows: the sheet needs the columns %(columns)s in one row.")
            % {"rows": search_rows, "columns": "、".join(missing)}
        )
    missing = [default_labels.get(key, key) for key in order if key not in best[2]]
    raise LedgerError(
        _("The header row (row %(row)d) lacks the column(s): %(columns)s.")
        % {"row": best[1] + 1, "columns": "、".join(missing)}
    )


# --- records ----------------------------------------------------------------------------------------------------
class Record(NamedTuple):
    """One data row: its sheet row number, the text of each recognised column, and the raw cell values."""

    row: int
    values: dict[str, str]
    raw: dict[str, Any]


# Lines at the foot of a ledger: signatures (填表人：张三), dates, stamps, notes, and totals.
_SIGNATURE = re.compile(
    r"(?:填表人|填报人|制表人|负责人|审核人|审批人|审定人|统计人|经办人|联系人|联系电话|电话|签字|签名|盖章"
    r"|单位负责人|分管领导|主管领导|社区书记|社区主任|填表日期|填报日期|制表日期|统计日期|填表时间|制表时间)"
    r"(?:[:(]|签字|签名|盖章|$)"
    r"|(?:日期|时间|备注|说明|注|填报单位|制表单位|单位)(?::|\(?(?:签字|签章|盖章))"
)
_TOTAL = re.compile(r"(?:合计|总计|小计|共计)")
_FOOTER_FIRST = set("填制负审统经联电签盖单分主社日时备说注合总小共")


def footer_kind(row: list) -> str:
    """``"signature"`` for a signature/date/stamp/note line, ``"total"`` for a 合计/总计 line, else ``""``.

    Only the first non-empty cell is looked at (spaces inside it ignored, full-width colons accepted).
    """
    for cell in row:
        if cell is None:
            continue
        if not isinstance(cell, str):
            return ""  # a number or a date comes first: a data row
        text = cell.strip(_EDGE_SPACE)
        if not text:
            continue
        if text[0] not in _FOOTER_FIRST:
            return ""
        text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
        if _TOTAL.match(text):
            return "total"
        if _SIGNATURE.match(text):
            return "signature"
        return ""
    return ""


def _filled(value: Any) -> bool:
    return value is not None and (value.strip(_EDGE_SPACE) != "" if isinstance(value, str) else True)


def iter_records(table: list[list], header: Header) -> Iterator[Record]:
    """The data rows below the header, as :class:`Record`.

    Skipped, never reported: blank rows (every cell empty), footer lines anywhere (signatures, dates, stamps,
    notes, 合计/总计 lines — see :func:`footer_kind`), rows repeating the header (sheets pasted together or
    printed with a repeated title row), and, below a signature line, rows with a single filled cell (the date or
    the name under the signature).
    """
    columns = list(header.columns.items())
    signed = False
    for index in range(header.row + 1, len(table)):
        cells = table[index]
        if not any(map(_filled, cells)):
            continue
        kind = footer_kind(cells)
        if kind:
            signed = signed or kind == "signature"
            continue
        if signed and sum(map(_filled, cells)) == 1:
            continue
        width = len(cells)
        raw = {key: (cells[col] if col < width else None) for key, col in columns}
        values = {key: cell_text(value) for key, value in raw.items()}
        if all(values[key] == header.labels[key] for key, _col in columns):
            continue
        yield Record(index + 1, values, raw)


# --- addresses --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AddressParts:
    """An address split into compound, building, unit, floor and room (numbers as written; ``""`` if absent)."""

    compound: str
    building: str
    unit: str
    room: str
    floor: str


_CN_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
              "九": 9}
_CN_NUMBER = "〇零一二两三四五六七八九十"
_NUM = rf"(?:[A-Za-z]?\d+[A-Za-z]?|[A-Za-z]|[{_CN_NUMBER}]{{1,3}})"
_ADDRESS = re.compile(
    rf"(?P<compound>.*?)(?P<building>{_NUM})(?:号楼|号栋|号幢|栋|幢|座|楼)"
    rf"(?:(?P<unit>{_NUM})单元)?"
    rf"(?:(?P<floor>-?\d+|[{_CN_NUMBER}]{{1,3}})[楼层])?"
    r"(?P<room>[A-Za-z]?\d+[A-Za-z]?)(?:室|号|户)?"
)
_DASHED = re.compile(r"(?P<compound>(?:.*?[^\d-])?)(?P<building>\d+)-(?P<unit>\d+)-(?P<room>\d+)(?:室|号|户)?")


def _arabic(text: str) -> str:
    """Chinese numerals up to 99 (三, 十二, 二十一) as digits; anything else unchanged."""
    if not text or any(ch not in _CN_NUMBER for ch in text):
        return text
    if "十" not in text:
        return "".join(str(_CN_DIGITS[ch]) for ch in text)
    tens, _sep, ones = text.partition("十")
    if len(tens) > 1 or len(ones) > 1:
        return text
    return str((_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0))


def split_address(text: str) -> AddressParts | None:
    """Split a one-column address, or ``None`` when it cannot be read safely (the caller reports the row).

    Understood: ``幸福小区3栋2单元501``, ``幸福小区3幢2单元5楼501室``, ``幸福花园 3 号楼 2 单元 501``,
    ``锦华苑8-2-1203`` (building-unit-room) and ``和平院落5栋101`` (no unit). Building, unit and room are kept as
    written (``03`` stays ``03``; Chinese numerals such as 三栋 become ``3``); the floor is the one written
    (``5楼``) or, for a 3–4 digit room, its leading digits (501 → 5, 1203 → 12), else ``""``. Spaces and
    full-width characters are tolerated; the compound may be empty when the address starts at the building.
    """
    if not text:
        return None
    compact = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text)))
    compact = compact.replace("—", "-").replace("–", "-").replace("－", "-")
    match = _ADDRESS.fullmatch(compact) or _DASHED.fullmatch(compact)
    if match is None:
        return None
    parts = match.groupdict()
    room = parts["room"]
    floor = _arabic(parts.get("floor") or "")
    if not floor and room.isdigit() and 3 <= len(room) <= 4:
        floor = str(int(room[:-2]))
    return AddressParts(
        compound=parts["compound"].strip("-,，、 "),
        building=_arabic(parts["building"]),
        unit=_arabic(parts.get("unit") or ""),
        room=room,
        floor=floor,
    )


# --- errors -----------------------------------------------------------------------------------------------------
_ILLEGAL_XLSX = {c: None for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)}


class ErrorReport:
    """The bad rows of an import: ``{row, column, reason}`` entries and a workbook to download.

    ``row`` is the sheet row number, ``column`` the sheet's header label (``""`` for a row-level reason). The
    workbook repeats the sheet's header and each bad row as it was read, with the reasons in a last column and
    the faulty cells filled in red, so the user can fix the rows and import the workbook itself again.
    """

    def __init__(self, table: list[list] | None = None, header: Header | None = None):
        self.table = table or []
        self.header = header
        self._errors: list[dict] = []

    def add(self, row: int, column: str, reason) -> None:
        """Record one reason for one row (``reason`` may be a lazy translation)."""
        self._errors.append({"row": row, "column": column or "", "reason": str(reason)})

    def __len__(self) -> int:
        return len(self._errors)

    def __bool__(self) -> bool:
        return bool(self._errors)

    @property
    def errors(self) -> list[dict]:
        """The entries sorted by row (stable: reasons of one row keep their order)."""
        return sorted(self._errors, key=lambda e: e["row"])

    @property
    def rows(self) -> list[int]:
        """The distinct bad row numbers, in order."""
        return sorted({e["row"] for e in self._errors})

    def workbook(self, sheet_title: str = "") -> bytes:
        """The error workbook (.xlsx): header, bad rows as read, then the reasons and the original row number."""
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Alignment, Font, PatternFill

        header_cells = [cell_text(c) for c in (self.header.cells if self.header else [])]
        while header_cells and header_cells[-1] == "":
            header_cells.pop()
        width = max([len(header_cells)] + [_used_width(self._row(r)) for r in self.rows])
        by_label: dict[str, int] = {}
        for col, label in enumerate(header_cells):
            by_label.setdefault(label, col)
        reasons: dict[int, list[str]] = {}
        faulty: dict[int, set[int]] = {}
        for error in self.errors:
            column = error["column"]
            reasons.setdefault(error["row"], []).append(f"{column}：{error['reason']}" if column else error["reason"])
            if column in by_label:
                faulty.setdefault(error["row"], set()).add(by_label[column])

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(title=(sheet_title or _("Errors"))[:31])
        sheet.freeze_panes = "A2"
        bold = Font(bold=True)
        red = PatternFill("solid", fgColor="F8C9C4")
        wrap = Alignment(wrap_text=True, vertical="top")

        def cell(value, **style):
            c = WriteOnlyCell(sheet, value=_xlsx_text(value))
            for name, setting in style.items():
                setattr(c, name, setting)
            return c

        titles = header_cells + [""] * (width - len(header_cells))
        sheet.append([cell(t, font=bold) for t in titles]
                     + [cell(_("Reason for the error"), font=bold), cell(_("Row in the original sheet"), font=bold)])
        for number in self.rows:
            values = [cell_text(v) for v in self._row(number)]
            values += [""] * (width - len(values))
            bad = faulty.get(number, set())
            sheet.append([cell(v, fill=red) if i in bad else cell(v) for i, v in enumerate(values[:width])]
                         + [cell("；".join(reasons[number]), alignment=wrap), number])
        out = io.BytesIO()
        workbook.save(out)
        return out.getvalue()

    def _row(self, number: int) -> list:
        index = number - 1
        return list(self.table[index]) if 0 <= index < len(self.table) else []


def _used_width(row: list) -> int:
    """The number of cells up to the last filled one."""
    for index in range(len(row) - 1, -1, -1):
        if _filled(row[index]):
            return index + 1
    return 0


def _xlsx_text(value):
    value = safe_cell(value)
    return value.translate(_ILLEGAL_XLSX) if isinstance(value, str) else value
