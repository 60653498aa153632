"""Import of a territory from a spreadsheet (.xlsx/.xls/.ods or CSV in UTF-8 / GBK, read by :mod:`sanshe.core.ledgers`).

Columns (the header row may sit below title rows; variants of the names are accepted, see ``HEADER_ALIASES``):

    层级      区 / 街道 / 社区 / 网格 / 小区 / 院落 / 楼栋 (or district, street … building)
    编码      the node's code (see :class:`sanshe.territory.models.Node` for the rules)
    名称      the node's name
    上级编码  the parent's code: an existing node, or a row of the same file
    边界      optional GeoJSON geometry

Rows are applied parents first (sorted by level), each through the territory services, so permission, scope
and audit are the same as on the pages. A bad row is reported (row number as in the sheet, column, reason) and
the good rows are imported. Importing the same file again changes nothing: a row whose code exists is compared
with the node and only what differs is changed (``update_node``, or ``move_node`` for a new parent). A blank
边界 cell leaves a node's geometry as it is.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sanshe.core import audit
from sanshe.core.exceptions import Denied, OutOfScope
from sanshe.core.ledgers import LedgerError, excel_number_damage, find_header, iter_records, read_table
from sanshe.core.models import AuditEntry
from sanshe.core.services import require

from . import services
from .choices import LEVEL_DEPTH, Level
from .models import Node
from .validators import validate_geometry

MANAGE = services.MANAGE

LEVEL, CODE, NAME, PARENT, GEOMETRY = "level", "code", "name", "parent_code", "geometry"
REQUIRED_COLUMNS = (LEVEL, CODE, NAME, PARENT)
COLUMN_LABELS = {LEVEL: "层级", CODE: "编码", NAME: "名称", PARENT: "上级编码", GEOMETRY: "边界"}

HEADER_ALIASES = {
    LEVEL: ["层级", "级别", "层次", "类型", "节点类型", "区划层级", "level"],
    CODE: ["编码", "代码", "区划代码", "统计用区划代码", "区划编码", "统计用区划编码", "网格编码", "编号", "code"],
    NAME: ["名称", "名字", "节点名称", "区划名称", "name"],
    PARENT: ["上级编码", "上级代码", "上级区划代码", "上级区划编码", "父级编码", "父级代码", "上级", "parent",
             "parentcode", "parent_code"],
    GEOMETRY: ["边界", "位置", "边界/位置", "边界或位置", "坐标", "几何", "geojson", "geometry", "boundary"],
}

LEVEL_ALIASES = {
    Level.DISTRICT: ["区", "区县", "县", "县区", "市辖区", "district"],
    Level.STREET: ["街道", "街道办", "街道办事处", "镇", "乡", "street"],
    Level.COMMUNITY: ["社区", "社区居委会", "居委会", "村", "community"],
    Level.GRID: ["网格", "grid"],
    Level.COMPOUND: ["小区", "院落", "小区/院落", "小区院落", "小区（院落）", "小区(院落)", "compound"],
    Level.BUILDING: ["楼栋", "楼", "楼宇", "building"],
}
_LEVELS = {alias.lower(): level for level, aliases in LEVEL_ALIASES.items() for alias in aliases}

FIELD_COLUMNS = {"level": LEVEL, "code": CODE, "name": NAME, "parent": PARENT, "geometry": GEOMETRY}


# The file cannot be read at all (not a spreadsheet, unknown encoding, no header row): raised by the ledger reader.
ImportFileError = LedgerError


@dataclass
class Row:
    number: int
    level: str = ""
    code: str = ""
    name: str = ""
    parent_code: str = ""
    geometry: dict | None = None
    ok: bool = True


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict] = field(default_factory=list)
    dry_run: bool = False

    def error(self, row: int, column: str, reason) -> None:
        self.errors.append({"row": row, "column": column, "reason": str(reason)})

    def as_dict(self) -> dict:
        return {
            "rows": self.rows, "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
            "errors": sorted(self.errors, key=lambda e: e["row"]), "dry_run": self.dry_run,
        }


# --- parsing --------------------------------------------------------------------------------------------------
def _code_cell(raw, text: str, result: ImportResult, number: int, column: str) -> str | None:
    if excel_number_damage(raw):
        result.error(number, column, _("This code was stored as a number and Excel has lost its last digits; "
                                       "format the column as text and type the code again."))
        return None
    text = text.replace(" ", "")
    if text.startswith("'"):
        text = text[1:]
    return text


def parse_rows(table: list[list], result: ImportResult) -> tuple[list[Row], dict[str, str]]:
    """The data rows (blank and footer rows skipped) and the header text of each column; cell errors go to
    ``result``."""
    found = find_header(table, HEADER_ALIASES, set(REQUIRED_COLUMNS))
    header = {key: found.labels.get(key) or COLUMN_LABELS[key] for key in COLUMN_LABELS}
    rows: list[Row] = []
    for number, values, raw in iter_records(table, found):
        row = Row(number=number)
        result.rows += 1
        errors_before = len(result.errors)

        level_text = values[LEVEL]
        if not level_text:
            result.error(number, header[LEVEL], _("The level is missing."))
        else:
            level = _LEVELS.get(level_text.replace(" ", "").lower())
            if level is None:
                result.error(number, header[LEVEL], _("Unknown level “%(value)s”: use 区, 街道, 社区, 网格, 小区, "
                                                      "院落 or 楼栋.") % {"value": level_text})
            else:
                row.level = level

        code = _code_cell(raw[CODE], values[CODE], result, number, header[CODE])
        if code == "":
            result.error(number, header[CODE], _("The code is missing."))
        row.code = code or ""

        row.name = values[NAME]
        if not row.name:
            result.error(number, header[NAME], _("The name is missing."))
        elif len(row.name) > 100:
            result.error(number, header[NAME], _("The name is longer than 100 characters."))

        parent_code = _code_cell(raw[PARENT], values[PARENT], result, number, header[PARENT])
        row.parent_code = parent_code or ""
        if parent_code == "" and row.level and row.level != Level.DISTRICT:
            result.error(number, header[PARENT], _("The parent code is missing."))

        geometry_text = values.get(GEOMETRY, "")
        if geometry_text:
            try:
                row.geometry = validate_geometry(json.loads(geometry_text))
            except ValueError:
                result.error(number, header[GEOMETRY], _("This is not valid GeoJSON text."))
            except ValidationError as exc:
                result.error(number, header[GEOMETRY], " ".join(exc.messages))

        row.ok = len(result.errors) == errors_before
        rows.append(row)
    return rows, header


# --- applying -------------------------------------------------------------------------------------------------
class RowError(Exception):
    """A row refused; ``outside`` is a node out of the actor's territory that the row tried to reach."""

    def __init__(self, column: str, reason, outside: Node | None = None):
        super().__init__(str(reason))
        self.column = column
        self.reason = str(reason)
        self.outside = outside


def _audit_out_of_scope(actor, obj: Node, number: int) -> None:
    """Record the refusal (after the row's savepoint rolled back, so that the entry stays)."""
    audit.record("permission.out_of_scope", obj=obj, actor=actor, result=AuditEntry.Result.DENIED,
                 message=f"territory import row {number} {MANAGE}")


class KnownNodes:
    """The nodes a file names (by code) and which of them the actor manages, read in a few queries.

    Only a shortcut for the lookups of each row: the services still check permission and scope themselves.
    """

    CHUNK = 500

    def __init__(self, actor, codes: set[str]):
        self.by_code: dict[str, Node] = {}
        self.managed: set[int] = set()
        codes = sorted(code for code in codes if code)
        for start in range(0, len(codes), self.CHUNK):
            chunk = codes[start: start + self.CHUNK]
            self.by_code.update({node.code: node for node in Node.objects.filter(code__in=chunk)})
            self.managed.update(
                Node.objects.visible_to(actor, MANAGE).filter(code__in=chunk).values_list("pk", flat=True)
            )

    def get(self, code: str) -> Node | None:
        return self.by_code.get(code)

    def manages(self, node: Node) -> bool:
        return node.pk in self.managed

    def keep(self, node: Node) -> None:
        self.by_code[node.code] = node
        self.managed.add(node.pk)


def _apply(row: Row, actor, header: dict[str, str], file_rows: dict[str, Row], known: KnownNodes) -> str:
    """Create, update or leave one node; returns "created", "updated" or "unchanged"."""
    if row.level == Level.DISTRICT:
        existing = known.get(row.code)
        if existing is not None and existing.level == Level.DISTRICT and known.manages(existing) and (
            existing.name == row.name
        ):
            return "unchanged"
        raise RowError(header[LEVEL], _("A district cannot be imported; districts are created with "
                                        "`manage.py bootstrap_district`."))
    parent = known.get(row.parent_code)
    outside = None
    if parent is not None and not known.manages(parent):
        outside, parent = parent, None
    if parent is None:
        source = file_rows.get(row.parent_code)
        if source is not None and not source.ok:
            raise RowError(header[PARENT], _("The parent (row %(row)d) was not imported.") % {"row": source.number})
        raise RowError(header[PARENT], _("No node has the parent code %(code)s within your territory.")
                       % {"code": row.parent_code}, outside=outside)
    existing = known.get(row.code)
    if existing is None:
        known.keep(services.create_node(actor=actor, level=row.level, parent=parent, name=row.name, code=row.code,
                                        geometry=row.geometry))
        return "created"
    if not known.manages(existing):
        raise RowError(header[CODE], _("The code %(code)s is already used outside your territory.")
                       % {"code": row.code}, outside=existing)
    if existing.level != row.level:
        raise RowError(header[LEVEL], _("The code %(code)s already belongs to a %(level)s.")
                       % {"code": row.code, "level": existing.get_level_display()})
    if not existing.is_active:
        raise RowError(header[CODE], _("The node %(code)s has been retired; reactivate it on its page first.")
                       % {"code": row.code})
    changed = False
    if existing.parent_id != parent.pk:
        existing = services.move_node(existing, actor=actor, new_parent=parent, new_code=row.code)
        changed = True
    changes = {}
    if existing.name != row.name:
        changes["name"] = row.name
    if row.geometry is not None and existing.geometry != row.geometry:
        changes["geometry"] = row.geometry
    if changes:
        existing = services.update_node(existing, actor=actor, **changes)
        changed = True
    if changed:
        known.keep(existing)
    return "updated" if changed else "unchanged"


def _row_errors(result: ImportResult, row: Row, header: dict[str, str], exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for key, messages in exc.message_dict.items():
            column = header.get(FIELD_COLUMNS.get(key, ""), "")
            for message in messages:
                result.error(row.number, column, message)
    else:
        for message in exc.messages:
            result.error(row.number, "", message)


def import_rows(rows: list[Row], *, actor, header: dict[str, str], result: ImportResult) -> None:
    """Apply parsed rows, parents first; every row in its own savepoint so a bad one leaves the others."""
    file_rows: dict[str, Row] = {}
    for row in rows:
        if not row.code:
            continue
        first = file_rows.get(row.code)
        if first is None:
            file_rows[row.code] = row
        elif row.ok:
            row.ok = False
            result.error(row.number, header[CODE], _("The code %(code)s is already on row %(row)d.")
                         % {"code": row.code, "row": first.number})
    known = KnownNodes(actor, {row.code for row in rows if row.ok} | {row.parent_code for row in rows if row.ok})
    for row in sorted(rows, key=lambda r: (LEVEL_DEPTH.get(r.level, 99), r.number)):
        if not row.ok:
            continue
        try:
            with transaction.atomic():
                outcome = _apply(row, actor, header, file_rows, known)
        except RowError as exc:
            row.ok = False
            result.error(row.number, exc.column, exc.reason)
            if exc.outside is not None:
                _audit_out_of_scope(actor, exc.outside, row.number)
            continue
        except ValidationError as exc:
            row.ok = False
            _row_errors(result, row, header, exc)
            continue
        except OutOfScope as exc:
            row.ok = False
            result.error(row.number, header[CODE], _("This node lies outside your territory."))
            if exc.obj is not None:
                _audit_out_of_scope(actor, exc.obj, row.number)
            continue
        except Denied as exc:
            row.ok = False
            result.error(row.number, "", str(exc))
            continue
        setattr(result, outcome, getattr(result, outcome) + 1)


def import_territory(data: bytes, *, actor, filename: str = "", dry_run: bool = False) -> dict:
    """Import a territory spreadsheet as ``actor``; returns ``{rows, created, updated, unchanged, errors}``.

    ``errors`` lists ``{row, column, reason}`` (row as numbered in the sheet, column as headed there). With
    ``dry_run`` everything is checked and applied, then rolled back. Raises :class:`ImportFileError` when the
    file cannot be read, :class:`Denied` when the actor may not manage the territory.
    """
    require(actor, MANAGE)
    result = ImportResult(dry_run=dry_run)
    rows, header = parse_rows(read_table(data, filename), result)
    if dry_run:
        with transaction.atomic():
            import_rows(rows, actor=actor, header=header, result=result)
            transaction.set_rollback(True)
    else:
        import_rows(rows, actor=actor, header=header, result=result)
    return result.as_dict()


# --- the template -------------------------------------------------------------------------------------------
TEMPLATE_EXAMPLE = ["网格", "510199001001003", "和平第三网格", "510199001001", ""]
TEMPLATE_NOTES = [
    gettext_lazy("How to fill in this sheet"),
    gettext_lazy("One row per node. The header row must stay; title rows above it and blank rows are ignored."),
    gettext_lazy("层级: 街道, 社区, 网格, 小区 (or 院落) or 楼栋. Districts are not imported."),
    gettext_lazy("编码: a street or community has its 12-digit statistical division code; a grid the community "
                 "code plus three digits, a compound the grid code plus three, a building the compound code "
                 "plus three."),
    gettext_lazy("上级编码: the code of the parent node, already in the system or on another row of this sheet."),
    gettext_lazy('边界 (optional): GeoJSON, e.g. {"type": "Point", "coordinates": [104.06, 30.67]}.'),
    gettext_lazy("Keep the code columns formatted as text, or Excel will cut long codes."),
    gettext_lazy("Importing the same sheet again changes only what differs."),
]


def template_workbook() -> bytes:
    """The .xlsx template: Chinese headers, one example row, and a sheet of instructions."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "区划"
    headers = [COLUMN_LABELS[k] for k in (LEVEL, CODE, NAME, PARENT, GEOMETRY)]
    sheet.append(headers)
    sheet.append(TEMPLATE_EXAMPLE)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="FDECEE")
    for cell in sheet[1]:
        cell.font = bold
        cell.fill = fill
    for letter, width in zip("ABCDE", (10, 26, 24, 20, 48), strict=True):
        sheet.column_dimensions[letter].width = width
    for letter in "BD":
        # Text format for the code columns (whole column, and the example's cells), so Excel keeps long codes.
        sheet.column_dimensions[letter].number_format = "@"
        sheet[f"{letter}2"].number_format = "@"
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet("填写说明")
    notes.column_dimensions["A"].width = 110
    for line in TEMPLATE_NOTES:
        notes.append([str(line)])
    notes["A1"].font = bold
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
