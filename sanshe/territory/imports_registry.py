"""Import of residents from a community ledger (.xlsx/.xls/.ods, or CSV in UTF-8 / GBK) into one community.

The file is read by :mod:`sanshe.core.ledgers` (title rows, blank rows, merged cells, signature lines, header
variants); this module says what the columns mean and checks every row; :mod:`sanshe.territory.registry_bulk`
writes the good rows in batches.

Columns (variants of each name are accepted, see ``HEADER_ALIASES``)::

    姓名* 性别 民族 身份证号* 联系电话 与户主关系 户号 小区 楼栋 单元 房号 (or one 地址 column) 网格
    户籍类型 (户籍/流动/寄住) 人员类别 (tags separated by 、,; ) 迁入日期

Decisions:

* **Matching.** A resident is the ID number (blind index) within the district. A row whose resident exists in
  the target community is compared with it: equal → *unchanged*, different → *updated* (name, sex, ethnicity,
  phone, relation, household, move-in date when given; missing tags added, none removed). A resident already
  registered in *another* community of the district is an error row (one ID number per district); so is a
  repeated ID number inside the file (the later rows). The ID number is therefore required.
* **Households** are found by 户号 in the community and created when new (at the dwelling of their first row;
  an existing household whose first row names another dwelling moves there, with a timeline entry; the 户主 row
  becomes the head, and a head who left the household stops being its head: ``registry.settle_import_heads``).
  A row without 户号 belongs to the household of its dwelling,
  numbered after the address (``幸福小区3栋-2-501``), so a re-import finds it again.
* **Territory.** Compounds (by name) and buildings (by number: ``3``, ``3栋``, ``3号楼`` are the same building)
  that do not exist in the target community are created, and so are dwellings (building, unit, room). A new
  compound goes under the row's 网格 (name or code of a grid of the community) when the sheet has that column,
  else under the ``grid`` argument (the page's "default grid", ``--grid`` of the command), else under the
  community's only grid; when the community has several grids and none is given, the row is an error.
* **Values.** 性别 and the birth date come from the ID number (a 性别 cell that contradicts it is an error);
  与户主关系, 户籍类型 and 人员类别 are mapped from their Chinese labels (unknown labels are errors); a tag
  derived from age (老年人) is ignored; tags are imported without details (certificate numbers are completed on
  the resident's page). An ID number that Excel turned into a number (``1.10105E+17``) is an error, never a guess.

The result is ``{"rows", "created", "updated", "unchanged", "errors": [{"row", "column", "reason"}]}``: rows is the
number of data rows read, row numbers are the sheet's (as Excel shows them), column is the sheet's own header
label. A dry run does everything and rolls back.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import multiprocessing
import os
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sanshe.accounts.roles import Perm
from sanshe.core import audit, crypto
from sanshe.core.ledgers import (
    ErrorReport,
    Header,
    LedgerError,
    excel_number_damage,
    find_header,
    footer_kind,
    iter_records,
    read_table,
    split_address,
)
from sanshe.core.masking import mask_id_number, mask_phone
from sanshe.core.services import require, require_visible
from sanshe.core.validators import validate_id_number, validate_phone

from .choices import IdType, Level, RegistrationKind, Relation, Sex
from .models import Node, Resident, TagType

IMPORT = Perm.REGISTRY_IMPORT

NAME, SEX, ETHNICITY, ID_NUMBER, PHONE, RELATION, HOUSEHOLD = (
    "name", "sex", "ethnicity", "id_number", "phone", "relation", "household")
COMPOUND, BUILDING, UNIT, ROOM, ADDRESS, GRID = "compound", "building", "unit", "room", "address", "grid"
KIND, TAGS, MOVE_IN = "registration_kind", "tags", "move_in_date"

HEADER_ALIASES: dict[str, list[str]] = {
    NAME: ["姓名", "名字", "居民姓名", "人员姓名", "成员姓名", "name"],
    SEX: ["性别", "sex"],
    ETHNICITY: ["民族", "族别", "ethnicity"],
    ID_NUMBER: ["身份证号", "公民身份号码", "身份证号码", "身份证", "证件号码", "证件号", "身份号码", "居民身份证号码",
                "居民身份证号", "id_number"],
    PHONE: ["联系电话", "手机号", "手机号码", "手机", "联系方式", "电话", "电话号码", "联系电话号码", "phone"],
    RELATION: ["与户主关系", "与户主的关系", "关系", "户主关系", "relation"],
    HOUSEHOLD: ["户号", "户编号", "家庭编号", "户籍编号", "household"],
    COMPOUND: ["小区", "院落", "小区名称", "小区/院落", "小区（院落）", "所在小区", "compound"],
    BUILDING: ["楼栋", "楼号", "栋", "楼栋号", "幢", "栋号", "building"],
    UNIT: ["单元", "单元号", "unit"],
    ROOM: ["房号", "门牌号", "房间号", "室", "房屋号", "户室号", "room"],
    ADDRESS: ["地址", "住址", "现住址", "居住地址", "家庭住址", "现居住地址", "详细地址", "address"],
    GRID: ["网格", "所属网格", "网格名称", "网格编码", "grid"],
    KIND: ["户籍类型", "户口类型", "人口类型", "户籍性质", "人员类型", "registration_kind"],
    TAGS: ["人员类别", "特殊人群", "人群类别", "标签", "人员标签", "重点人群", "tags"],
    MOVE_IN: ["迁入日期", "迁入时间", "入住日期", "入住时间", "move_in_date"],
}
REQUIRED = {NAME, ID_NUMBER}
# The template's columns, in order (the one-column address is the alternative to 小区 … 房号).
TEMPLATE_COLUMNS = [NAME, SEX, ETHNICITY, ID_NUMBER, PHONE, RELATION, HOUSEHOLD, COMPOUND, BUILDING, UNIT, ROOM,
                    KIND, TAGS, MOVE_IN]
TEMPLATE_EXAMPLE = ["张三", "男", "汉族", "110105198505120016", "13812345678", "户主", "H0001", "幸福小区", "3", "2",
                    "501", "户籍", "独居老人、退役军人", "2020-05-01"]

SEX_LABELS = {"男": Sex.MALE, "男性": Sex.MALE, "m": Sex.MALE, "male": Sex.MALE,
              "女": Sex.FEMALE, "女性": Sex.FEMALE, "f": Sex.FEMALE, "female": Sex.FEMALE}
RELATION_LABELS = {
    Relation.HEAD: "户主 本人 户主本人 本人/户主 head",
    Relation.SPOUSE: "配偶 妻 妻子 夫 丈夫 老伴 爱人 spouse",
    Relation.CHILD: "子 女 儿子 女儿 长子 次子 三子 长女 次女 三女 子女 独子 独女 养子 养女 继子 继女 child",
    Relation.PARENT: "父亲 母亲 父母 父 母 继父 继母 养父 养母 公公 婆婆 岳父 岳母 parent",
    Relation.GRANDPARENT: "祖父 祖母 外祖父 外祖母 祖父母 外祖父母 爷爷 奶奶 外公 外婆 grandparent",
    Relation.GRANDCHILD: "孙子 孙女 外孙 外孙子 外孙女 孙子女 外孙子女 grandchild",
    Relation.SIBLING: "兄 弟 姐 妹 哥哥 弟弟 姐姐 妹妹 兄弟 姐妹 兄弟姐妹 sibling",
    Relation.CHILD_IN_LAW: "儿媳 女婿 媳妇 儿媳妇 child_in_law",
    Relation.OTHER_RELATIVE: "其他亲属 亲属 侄子 侄女 外甥 外甥女 孙媳 孙女婿 叔叔 伯伯 姑姑 舅舅 阿姨 other_relative",
    Relation.TENANT: "租户 租客 承租人 房客 tenant",
    Relation.OTHER: "其他 保姆 非亲属 借住 other",
}
RELATION_LOOKUP = {label: value for value, labels in RELATION_LABELS.items() for label in labels.split()}
KIND_LOOKUP = {
    **dict.fromkeys(["户籍", "户籍人口", "常住", "常住人口", "本地", "户籍户", "registered"], RegistrationKind.REGISTERED),
    **dict.fromkeys(["流动", "流动人口", "外来", "外来人口", "暂住", "floating"], RegistrationKind.FLOATING),
    **dict.fromkeys(["寄住", "寄住人口", "寄居", "lodging"], RegistrationKind.LODGING),
}
TAG_ALIASES = {"低保": "low_income", "低保户": "low_income", "困难家庭": "low_income", "残疾": "disabled",
               "独居": "living_alone_elderly", "空巢老人": "living_alone_elderly", "军人": "veteran",
               "退伍军人": "veteran", "失业": "unemployed", "流动": "floating", "老人": "elderly"}
TAG_SPLIT = re.compile(r"[、,，;；/|\s]+")
_BUILDING_SUFFIX = re.compile(r"(?:号楼|号栋|号幢|号|栋|幢|座|楼)$")
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?")


class ImportRefused(Exception):
    """The import cannot start (the file is unreadable, no header, no target community); nothing was written."""


@dataclass
class Row:
    """One good row, ready to write."""

    row: int
    name: str
    sex: str
    ethnicity: str
    id_number: str
    id_number_index: str
    id_number_masked: str
    birth_date: dt.date | None
    phone: str
    phone_index: str
    phone_masked: str
    relation: str
    household: str
    compound: str
    building: str
    unit: str
    room: str
    floor: int | None
    grid_id: int | None
    registration_kind: str
    tags: list[int] = field(default_factory=list)
    move_in_date: dt.date | None = None
    building_id: int | None = None
    # Encrypted ID number and phone, when the (parallel) check made them already; else the write path does.
    id_number_token: str = ""
    phone_token: str = ""

    @property
    def has_dwelling(self) -> bool:
        return bool(self.room)


@functools.lru_cache(maxsize=65536)
def building_key(text: str) -> str:
    """``3``, ``3栋``, ``3号楼``, ``３ 幢`` → ``3``: how a building number is compared."""
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))
    return _BUILDING_SUFFIX.sub("", text) or text


def building_name(key: str) -> str:
    """The name a created building gets: ``3`` → ``3栋``."""
    return f"{key}栋" if key and key[-1].isalnum() else key


@functools.lru_cache(maxsize=65536)
def _unit(text: str) -> str:
    return re.sub(r"单元$", "", text.replace(" ", ""))


@functools.lru_cache(maxsize=65536)
def _room(text: str) -> str:
    return re.sub(r"(?:室|号|户)$", "", text.replace(" ", ""))


@functools.lru_cache(maxsize=65536)
def parse_date(text: str) -> dt.date:
    """``2020-05-01``, ``2020/5/1``, ``2020.5.1``, ``2020年5月1日``, ``20200501``; ValueError otherwise."""
    text = unicodedata.normalize("NFKC", text).strip()
    if re.fullmatch(r"\d{8}", text):
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    match = _DATE.fullmatch(text)
    if not match:
        raise ValueError(text)
    return dt.date(*(int(g) for g in match.groups()))


def tag_lookup() -> tuple[dict[str, int], set[int]]:
    """Label → tag type id for every active tag type (name, code, each part of a name like 低保/困难家庭,
    common aliases), and the ids of the types derived from age (ignored in an import)."""
    lookup: dict[str, int] = {}
    derived: set[int] = set()
    by_code = {}
    for tag in TagType.objects.filter(is_active=True):
        by_code[tag.code] = tag.pk
        if tag.derived_min_age is not None:
            derived.add(tag.pk)
        for label in [tag.name, tag.code, *tag.name.split("/")]:
            lookup.setdefault(label.strip(), tag.pk)
    for alias, code in TAG_ALIASES.items():
        if code in by_code:
            lookup.setdefault(alias, by_code[code])
    return lookup, derived


@dataclass
class Checker:
    """Checks the records of one sheet against one community; collects good rows and error entries."""

    header: Header
    report: ErrorReport
    grids: dict[str, int]  # grid name / code → id, within the community
    default_grid_id: int | None
    tags: dict[str, int]
    derived_tags: set[int]
    today: dt.date = field(default_factory=timezone.localdate)
    index: Callable[[str], str] = crypto.blind_index

    def check(self, record) -> Row | None:
        values, row = record.values, record.row
        label = self.header.label
        bad = []
        name = values.get(NAME, "")
        if not name:
            bad.append((NAME, _("The name is required.")))
        elif len(name) > 50:
            bad.append((NAME, _("The name is longer than 50 characters.")))
        identity = None
        checked = len(bad)
        if excel_number_damage(record.raw.get(ID_NUMBER)):
            bad.append((ID_NUMBER, _("Excel has turned this ID number into a number (%(value)s) and its last digits "
                                     "are lost. Format the column as text and enter the ID number again.")
                        % {"value": values.get(ID_NUMBER, "")}))
        elif not values.get(ID_NUMBER):
            bad.append((ID_NUMBER, _("The ID number is required.")))
        if len(bad) == checked:
            try:
                identity = validate_id_number(values[ID_NUMBER], today=self.today)
            except ValidationError as exc:
                bad.append((ID_NUMBER, "；".join(exc.messages)))
        phone = values.get(PHONE, "")
        if phone:
            try:
                phone = validate_phone(phone).normalized
            except ValidationError as exc:
                bad.append((PHONE, "；".join(exc.messages)))
        sex = ""
        sex_text = values.get(SEX, "")
        if sex_text:
            sex = SEX_LABELS.get(sex_text.lower(), "")
            if not sex:
                bad.append((SEX, _("Unknown sex \"%(value)s\": write 男 or 女.") % {"value": sex_text}))
            elif identity is not None and identity.sex and identity.sex != sex:
                bad.append((SEX, _("The sex does not match the ID number.")))
        relation = ""
        if values.get(RELATION):
            relation = RELATION_LOOKUP.get(values[RELATION].replace(" ", ""), "")
            if not relation:
                bad.append((RELATION, _("Unknown relation to the head of household: \"%(value)s\".")
                            % {"value": values[RELATION]}))
        kind = RegistrationKind.REGISTERED
        if values.get(KIND):
            kind = KIND_LOOKUP.get(values[KIND].replace(" ", "").lower(), "")
            if not kind:
                bad.append((KIND, _("Unknown registration kind \"%(value)s\": write 户籍, 流动 or 寄住.")
                            % {"value": values[KIND]}))
        tags: list[int] = []
        for part in TAG_SPLIT.split(values[TAGS]) if values.get(TAGS) else ():
            if not part or part in ("无", "-", "/"):
                continue
            tag = self.tags.get(part)
            if tag is None:
                bad.append((TAGS, _("Unknown category \"%(value)s\".") % {"value": part}))
            elif tag not in self.derived_tags and tag not in tags:
                tags.append(tag)
        move_in = None
        if values.get(MOVE_IN):
            try:
                move_in = parse_date(values[MOVE_IN])
            except ValueError:
                bad.append((MOVE_IN, _("\"%(value)s\" is not a date (write it like 2020-05-01).")
                            % {"value": values[MOVE_IN]}))
            else:
                if move_in > self.today:
                    bad.append((MOVE_IN, _("The date cannot be in the future.")))
        compound, building, unit, room = (values.get(COMPOUND, ""), values.get(BUILDING, ""), values.get(UNIT, ""),
                                          values.get(ROOM, ""))
        floor = None
        if not (compound or building or room) and values.get(ADDRESS):  # one 地址 column
            parts = split_address(values[ADDRESS])
            if parts is None:
                bad.append((ADDRESS, _("This address cannot be read; write it like 幸福小区3栋2单元501.")))
            else:
                compound, building, unit, room = parts.compound, parts.building, parts.unit, parts.room
                floor = int(parts.floor) if parts.floor.lstrip("-").isdigit() else None
        building, unit, room = building_key(building), _unit(unit), _room(room)
        where = ADDRESS if ADDRESS in self.header.columns and COMPOUND not in self.header.columns else ROOM
        if room or building or compound:
            missing = [key for key, value in ((COMPOUND, compound), (BUILDING, building), (ROOM, room)) if not value]
            if missing:
                bad.append((where if where == ADDRESS else missing[0],
                            _("The address needs a compound, a building and a room.")))
            elif len(room) > 20 or len(unit) > 10 or len(compound) > 100 or len(building) > 30:
                bad.append((where, _("The address is too long.")))
        household = values.get(HOUSEHOLD, "")
        if len(household) > 40:
            bad.append((HOUSEHOLD, _("The household number is longer than 40 characters.")))
        if not household and not room:
            bad.append((HOUSEHOLD, _("Give a household number or an address.")))
        grid_id = self.default_grid_id
        if values.get(GRID):
            grid_id = self.grids.get(values[GRID])
            if grid_id is None:
                bad.append((GRID, _("No grid \"%(value)s\" in this community.") % {"value": values[GRID]}))
        for key, reason in bad:
            self.report.add(row, label(key), reason)
        if bad:
            return None
        if not household:
            household = f"{compound}{building_name(building)}-{unit}-{room}" if unit else \
                f"{compound}{building_name(building)}-{room}"
        number = identity.number
        return Row(
            row=row, name=name, sex=identity.sex or sex, ethnicity=values.get(ETHNICITY) or "汉族",
            id_number=number, id_number_index=self.index(f"{IdType.ID_CARD}:{number}"),
            id_number_masked=mask_id_number(number), birth_date=identity.birth_date,
            phone=phone, phone_index=self.index(phone) if phone else "", phone_masked=mask_phone(phone),
            relation=relation, household=household[:40], compound=compound, building=building, unit=unit,
            room=room, floor=floor, grid_id=grid_id, registration_kind=kind, tags=tags, move_in_date=move_in,
        )


# --- checking many rows -------------------------------------------------------------------------------------------
PARALLEL_MIN_ROWS = 20_000


def check_processes() -> int:
    """How many processes check a large file: ``SANSHE_IMPORT_PROCESSES`` (default 2; 1 = no fork), at most the
    number of CPUs."""
    wanted = int(getattr(settings, "SANSHE_IMPORT_PROCESSES", 2) or 1)
    return max(1, min(wanted, os.cpu_count() or 1, 2))


def _check_part(checker: Checker, table: list[list], header: Header, stop: int, *, encrypt=None, progress=None):
    """Check the records of ``table`` below ``header.row`` and above index ``stop``; returns (rows, count)."""
    rows: list[Row] = []
    count = 0
    for record in iter_records(table if stop >= len(table) else table[:stop], header):
        count += 1
        row = checker.check(record)
        if row is not None:
            if encrypt is not None:
                row.id_number_token = encrypt(row.id_number)
                row.phone_token = encrypt(row.phone) if row.phone else ""
            rows.append(row)
        if progress and count % 20000 == 0:
            progress("check", count, len(table))
    return rows, count


def _child_check(conn, checker, table, header, stop, encrypt) -> None:
    """In the forked process: check the second half, send back (row tuples, count, error entries)."""
    report = ErrorReport()
    checker.report = report
    rows, count = _check_part(checker, table, header, stop, encrypt=encrypt)
    conn.send(([tuple(r.__dict__.values()) for r in rows], count, report._errors))
    conn.close()


def check_rows(checker: Checker, table: list[list], header: Header, *, progress=None, encrypt=None):
    """Check every record of the sheet; the good rows (in sheet order) and the number of records read.

    Large files (more than ``PARALLEL_MIN_ROWS`` rows) are checked by two processes: this one checks the top half
    while a forked child checks the bottom half and sends its rows and error entries back (the check touches no
    database: the child never uses the connection). A sheet with a signature line in its top half is checked in
    one process, so that what follows the signature is skipped exactly as :func:`iter_records` does.
    """
    start = header.row + 1
    processes = check_processes() if len(table) - start > PARALLEL_MIN_ROWS else 1
    mid = start + (len(table) - start) // 2
    if processes > 1 and any(footer_kind(table[i]) == "signature" for i in range(start, mid)):
        processes = 1
    if processes == 1:
        rows, count = _check_part(checker, table, header, len(table), encrypt=encrypt, progress=progress)
    else:
        context = multiprocessing.get_context("fork")
        receive, send = context.Pipe(duplex=False)
        child = context.Process(target=_child_check, args=(send, checker, table,
                                                           dataclasses.replace(header, row=mid - 1), len(table),
                                                           encrypt), daemon=True)
        child.start()
        send.close()
        try:
            rows, count = _check_part(checker, table, header, mid, encrypt=encrypt, progress=progress)
            tuples, more, errors = receive.recv()
        finally:
            child.join()
        if child.exitcode != 0:
            raise RuntimeError(f"the checking process failed (exit code {child.exitcode})")
        rows.extend(Row(*values) for values in tuples)
        count += more
        for entry in errors:
            checker.report.add(entry["row"], entry["column"], entry["reason"])
    if progress:
        progress("check", count, count)
    return rows, count


def community_for(actor, code: str | None = None) -> Node:
    """The target community: ``code`` (visible to the actor with registry.import), else the actor's own one."""
    if code:
        node = Node.objects.filter(code=code, level=Level.COMMUNITY).first()
        if node is None:
            raise ImportRefused(_("No community has the code %(code)s.") % {"code": code})
        if actor is not None:
            node = require_visible(Node, node, actor, IMPORT)
        return node
    if actor is None:
        raise ImportRefused(_("Say which community to import into."))
    nodes = [n for n in Node.objects.visible_to(actor, IMPORT).filter(level=Level.COMMUNITY, is_active=True)[:2]]
    if len(nodes) != 1:
        raise ImportRefused(_("Say which community to import into."))
    return nodes[0]


def import_residents(data: bytes, filename: str = "", *, actor, community: Node, grid: Node | None = None,
                     dry_run: bool = False, progress: Callable[[str, int, int], None] | None = None,
                     report: ErrorReport | None = None) -> dict:
    """Import a ledger into ``community``; returns the result dict (see the module docstring).

    ``actor`` needs registry.import on the community (``None``: the operator at the shell, for
    ``manage.py import_residents`` without ``--user``). One transaction; one audit entry
    ``registry.import``; a dry run rolls everything back. ``report`` (an empty :class:`ErrorReport`) receives
    the table and header, for the error workbook. Raises :class:`ImportRefused` when nothing can be imported.
    """
    from . import registry_bulk

    if actor is not None:
        require(actor, IMPORT)
        community = require_visible(Node, community, actor, IMPORT)
    if community.level != Level.COMMUNITY:
        raise ImportRefused(_("Residents are imported into a community."))
    try:
        table = read_table(data, filename)
        header = find_header(table, HEADER_ALIASES, REQUIRED)
    except LedgerError as exc:
        raise ImportRefused(str(exc)) from exc
    report = report if report is not None else ErrorReport()
    report.table, report.header = table, header
    grids = {}
    for pk, name, code in Node.objects.filter(parent=community, level=Level.GRID, is_active=True).values_list(
            "pk", "name", "code"):
        grids[name], grids[code] = pk, pk
    default_grid_id = None
    if grid is not None:
        if grid.parent_id != community.pk or grid.level != Level.GRID:
            raise ImportRefused(_("The default grid is not a grid of this community."))
        default_grid_id = grid.pk
    elif len(set(grids.values())) == 1:
        default_grid_id = next(iter(grids.values()))
    tags, derived = tag_lookup()
    checker = Checker(header=header, report=report, grids=grids, default_grid_id=default_grid_id, tags=tags,
                      derived_tags=derived, index=registry_bulk.fast_crypto()[0])
    # A first load into an empty community encrypts while checking (in parallel when large); else the write
    # path encrypts only what it inserts or changes.
    encrypt = None
    if len(table) - header.row > PARALLEL_MIN_ROWS and not Resident.objects.filter(community_id=community.pk).exists():
        encrypt = registry_bulk.fast_crypto()[1]
    rows, count = check_rows(checker, table, header, progress=progress, encrypt=encrypt)
    try:
        with transaction.atomic():
            counts = registry_bulk.write(rows, community=community, actor=actor, report=report,
                                         header=header, progress=progress)
            stats = counts.pop("stats")
            result = {"rows": count, **counts, "errors": report.errors}
            audit.record("registry.import", obj=community, actor=actor, extra={
                "file": filename[:200], "rows": count, "created": counts["created"], "updated": counts["updated"],
                "unchanged": counts["unchanged"], "errors": len(report.rows), "community": community.code,
                "dry_run": dry_run, **stats,
            })
            if dry_run:
                raise _DryRun(result)
    except _DryRun as done:
        return done.result
    return result


class _DryRun(Exception):
    def __init__(self, result):
        super().__init__("dry run")
        self.result = result


def template_workbook() -> bytes:
    """The import template (.xlsx): the Chinese headers (ID number and phone as text) and one example row."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "居民信息"
    sheet.append([HEADER_ALIASES[key][0] for key in TEMPLATE_COLUMNS])
    sheet.append(TEMPLATE_EXAMPLE)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, key in enumerate(TEMPLATE_COLUMNS, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = 22 if key in (ID_NUMBER, TAGS) else 12
        if key in (ID_NUMBER, PHONE, HOUSEHOLD, BUILDING, UNIT, ROOM):
            for row in range(2, 1002):
                sheet.cell(row=row, column=index).number_format = "@"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
