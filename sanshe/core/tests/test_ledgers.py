"""The ledger reader: messy workbooks and CSV files, header variants, footers, damaged numbers, addresses."""

import datetime as dt
import io

import pytest
from django.utils import translation
from openpyxl import Workbook, load_workbook

from sanshe.core.ledgers import (
    AddressParts,
    ErrorReport,
    LedgerError,
    cell_text,
    excel_number_damage,
    find_header,
    footer_kind,
    iter_records,
    normal_header,
    read_table,
    split_address,
)

ALIASES = {
    "name": ["姓名", "名字"],
    "id_number": ["身份证号", "公民身份号码", "身份证号码", "证件号码"],
    "phone": ["联系电话", "手机号", "手机号码", "联系方式"],
    "compound": ["小区", "小区名称", "院落"],
    "address": ["地址", "住址", "现住址"],
}
REQUIRED = {"name", "id_number"}

ID_1 = "110105199001010012"
ID_2 = "11010519900101003X"


def xlsx(rows, merges=(), build=None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    for merge in merges:
        sheet.merge_cells(merge)
    if build:
        build(workbook)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def records(table, aliases=ALIASES, required=REQUIRED):
    header = find_header(table, aliases, required)
    return header, list(iter_records(table, header))


# --- a messy workbook -------------------------------------------------------------------------------------------
def messy_ledger() -> bytes:
    return xlsx(
        [
            ["幸福社区居民花名册（2024年）", None, None, None, None],    # 1: title, merged A1:E1
            [None, None, None, None, None],                              # 2: blank
            ["填报单位：幸福社区居委会", None, None, None, None],        # 3: a note above the header
            [],                                                          # 4: blank
            ["序号", "姓　名*", "公民身份号码（必填）", "手机号", "小区"],  # 5: header
            [1, "张三", ID_1, "13812345678", "幸福小区"],                # 6: 小区 merged E6:E8
            [2, "李四", ID_2, 13900001111, None],                        # 7
            [None, None, None, None, None],                              # 8: blank inside the merge
            [3, "王五", 110105199001010012, "", None],                   # 9: ID typed as a number
            [None, "赵六", "1.10105E+17", " 138 0000 1111 ", "和平院落"],  # 10: scientific text
            ["合  计", "4人", None, None, None],                         # 11: total line
            ["填表人：刘一", None, "审核人：陈二", None, "联系电话：028-12345678"],  # 12: signature
            [None, None, None, None, "2024年5月1日"],                    # 13: the date under it
        ],
        merges=["A1:E1", "E6:E8"],
    )


def test_title_blank_rows_merged_cells_and_signature_lines():
    table = read_table(messy_ledger(), "花名册.xlsx")
    header, found = records(table)
    assert header.number == 5 and header.row == 4
    assert header.columns == {"name": 1, "id_number": 2, "phone": 3, "compound": 4}
    assert header.labels["id_number"] == "公民身份号码（必填）"
    assert header.labels["name"] == "姓　名*"
    assert header.label("address") == "地址"  # no such column: the canonical label
    assert [r.row for r in found] == [6, 7, 9, 10]
    assert [r.values["name"] for r in found] == ["张三", "李四", "王五", "赵六"]
    # The merged 小区 reaches rows 6 and 7 (and 9 is outside the merge); the blank row 8 stays blank.
    assert [r.values["compound"] for r in found] == ["幸福小区", "幸福小区", "", "和平院落"]
    assert table[7] == [""] * 5
    # The merged title is in every cell of row 1.
    assert table[0][:5] == ["幸福社区居民花名册（2024年）"] * 5
    assert found[1].values["phone"] == "13900001111"
    assert found[3].values["phone"] == "138 0000 1111"
    assert [excel_number_damage(r.raw["id_number"]) for r in found] == [False, False, True, True]
    assert found[0].values["id_number"] == ID_1 and found[1].values["id_number"] == ID_2


def test_header_variants_and_normalisation():
    for labels in (
        ["姓名", "身份证号码", "联系方式"],
        ["*姓名", "身份证号(18位)", "手机号码"],
        ["名字", "公民身份号码", "联系电话"],
        ["姓 名：", "ＩＤ", "证件号码【必填】", "手机号"],
    ):
        table = [["标题"], labels, ["张三", ID_1, "13812345678", "x"][: len(labels)] + [ID_1] * (len(labels) - 3)]
        header, _found = records(table)
        assert header.row == 1, labels
        assert {"name", "id_number"} <= header.columns.keys()
    assert normal_header("＊身份证号码（必填）") == "身份证号码"
    assert normal_header(" Phone No ") == "phoneno"


def test_a_missing_required_column_is_named():
    with pytest.raises(LedgerError) as caught:
        find_header([["标题"], ["姓名", "电话"], ["张三", "1"]], ALIASES, REQUIRED)
    assert "身份证号" in str(caught.value) and "2" in str(caught.value)
    with pytest.raises(LedgerError) as caught:
        find_header([["甲", "乙"], ["1", "2"]], ALIASES, REQUIRED)
    assert "姓名" in str(caught.value) and "身份证号" in str(caught.value)
    # The header must be within the first search_rows rows.
    with pytest.raises(LedgerError):
        find_header([[]] * 5 + [["姓名", "身份证号"]], ALIASES, REQUIRED, search_rows=5)


def test_repeated_header_rows_are_skipped_and_the_first_column_wins():
    table = [
        ["姓名", "身份证号", "联系电话", "手机号"],
        ["张三", ID_1, "028-1", "13812345678"],
        ["姓名", "身份证号", "联系电话", "手机号"],
        ["李四", ID_2, "", ""],
    ]
    header, found = records(table)
    assert header.columns["phone"] == 2
    assert [r.row for r in found] == [2, 4]


def test_footers_anywhere_are_skipped_but_data_below_a_total_is_read():
    table = [
        ["姓名", "身份证号"],
        ["张三", ID_1],
        ["小计", "1"],
        ["李四", ID_2],
        ["制表人（签字）", "", "日期：2024-05-01"],
        ["（盖章）"],
        ["王五", ID_1],  # two filled cells below a signature: still a row for the caller to judge
    ]
    _header, found = records(table)
    assert [r.row for r in found] == [2, 4, 7]


@pytest.mark.parametrize(
    ("row", "kind"),
    [
        (["填表人：张三"], "signature"),
        (["", None, "制表人:李四"], "signature"),
        (["负责人签字："], "signature"),
        (["审核人", "王五"], "signature"),
        (["统计人（签字）"], "signature"),
        (["联系电话：13812345678"], "signature"),
        (["单位（盖章）"], "signature"),
        (["填表日期：2024年5月1日"], "signature"),
        (["合计", 120], "total"),
        (["总 计：", "3"], "total"),
        (["张三", "填表人：李四"], ""),
        (["负责人员名单"], ""),
        (["注意事项"], ""),
        ([1, "合计"], ""),
        ([None, ""], ""),
    ],
)
def test_footer_kind(row, kind):
    assert footer_kind(row) == kind


# --- CSV --------------------------------------------------------------------------------------------------------
CSV_TEXT = "幸福社区花名册\r\n\r\n姓名,身份证号码,手机号\r\n张三,110105199001010012,13812345678\r\n李四,1.10105E+17,\r\n"


@pytest.mark.parametrize(
    "data",
    [
        CSV_TEXT.encode("utf-8"),
        b"\xef\xbb\xbf" + CSV_TEXT.encode("utf-8"),
        CSV_TEXT.encode("gbk"),
        CSV_TEXT.encode("gb18030"),
        CSV_TEXT.encode("utf-16"),  # with BOM
    ],
    ids=["utf8", "utf8-bom", "gbk", "gb18030", "utf16-bom"],
)
def test_csv_encodings(data):
    table = read_table(data, "居民.csv")
    header, found = records(table)
    assert header.row == 2 and header.labels["id_number"] == "身份证号码"
    assert [(r.row, r.values["name"]) for r in found] == [(4, "张三"), (5, "李四")]
    assert found[0].values["id_number"] == ID_1
    assert [excel_number_damage(r.raw["id_number"]) for r in found] == [False, True]


def test_csv_that_is_no_known_text_is_refused():
    with pytest.raises(LedgerError):
        read_table(bytes(range(128, 256)) * 4, "x.csv")
    with pytest.raises(LedgerError):
        read_table("姓名,身份证号\n".encode("utf-16-le"), "x.csv")  # UTF-16 without BOM: NULs everywhere
    with pytest.raises(LedgerError):
        read_table(b"PK\x03\x04 not a zip at all", "x.xlsx")


def test_semicolons_tabs_and_quoted_cells():
    table = read_table("姓名\t身份证号\n张三\t110105199001010012\n".encode(), "x.txt")
    assert table[1] == ["张三", ID_1]
    table = read_table('姓名,地址\n张三,"幸福小区3栋,2单元501"\n'.encode(), "x.csv")
    assert table[1][1] == "幸福小区3栋,2单元501"


# --- cells ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        ("", ""),
        (3.0, "3"),
        (13812345678.0, "13812345678"),
        (12.5, "12.5"),
        (0.1 + 0.2, "0.3"),
        (7, "7"),
        (True, "1"),
        (dt.date(2024, 5, 1), "2024-05-01"),
        (dt.datetime(2024, 5, 1), "2024-05-01"),
        (dt.datetime(2024, 5, 1, 8, 30), "2024-05-01 08:30:00"),
        ("\u3000张三\xa0 ", "张三"),
        ("\ufeff李四\u200b", "李四"),
        (" 阿卜杜 热合曼 ", "阿卜杜 热合曼"),
    ],
)
def test_cell_text(value, text):
    assert cell_text(value) == text


@pytest.mark.parametrize(
    ("value", "damaged"),
    [
        (1.10105199001e17, True),
        (110105199001010012, True),
        (1234567890123456.0, True),
        ("1.10105E+17", True),
        (" 1.10105e+17 ", True),
        ("1.1E17", True),
        (510199001003.0, False),   # a 12-digit code is exact
        (13812345678.0, False),
        (123456789012345.0, False),  # 15 digits: exact
        (ID_1, False),
        (ID_2, False),
        ("1E", False),
        (None, False),
        (True, False),
        (dt.date(2024, 1, 1), False),
    ],
)
def test_excel_number_damage(value, damaged):
    assert excel_number_damage(value) is damaged


def test_excel_number_damage_of_a_real_workbook_cell():
    table = read_table(xlsx([["身份证号", "姓名"], [110105199001010012, "张三"], ["110105199001010012", "李四"]]))
    assert isinstance(table[1][0], float)
    assert excel_number_damage(table[1][0]) and not excel_number_damage(table[2][0])


# --- addresses --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("幸福小区3栋2单元501", ("幸福小区", "3", "2", "501", "5")),
        ("幸福小区3幢2单元5楼501室", ("幸福小区", "3", "2", "501", "5")),
        ("幸福花园 3 号楼 2 单元 501", ("幸福花园", "3", "2", "501", "5")),
        ("锦华苑8-2-1203", ("锦华苑", "8", "2", "1203", "12")),
        ("锦华苑 8－2－1203室", ("锦华苑", "8", "2", "1203", "12")),
        ("和平院落5栋101", ("和平院落", "5", "", "101", "1")),
        ("龙湖3期12栋1单元1802", ("龙湖3期", "12", "1", "1802", "18")),
        ("幸福小区三栋二单元301", ("幸福小区", "3", "2", "301", "3")),
        ("幸福小区十二栋1单元201", ("幸福小区", "12", "1", "201", "2")),
        ("阳光小区A座1单元2301", ("阳光小区", "A", "1", "2301", "23")),
        ("幸福小区03栋02单元0501", ("幸福小区", "03", "02", "0501", "5")),
        ("幸福小区3栋2单元12", ("幸福小区", "3", "2", "12", "")),
        ("幸福小区3栋2单元5层12号", ("幸福小区", "3", "2", "12", "5")),
        ("幸福小区3栋2单元501A", ("幸福小区", "3", "2", "501A", "")),
        ("３栋２单元５０１", ("", "3", "2", "501", "5")),
    ],
)
def test_split_address(text, parts):
    assert split_address(text) == AddressParts(*parts)


@pytest.mark.parametrize(
    "text",
    ["", "幸福小区", "幸福小区东门旁", "幸福小区3栋", "幸福小区3栋2单元", "锦华苑8-1203", "锦华苑8-2-1203-5",
     "幸福小区3栋2单元5楼", "成华区幸福街道", "abc", "501"],
)
def test_unparseable_addresses_are_none(text):
    assert split_address(text) is None


# --- the error workbook -----------------------------------------------------------------------------------------
def test_error_report_and_its_workbook():
    table = read_table(messy_ledger(), "花名册.xlsx")
    header, found = records(table)
    report = ErrorReport(table, header)
    assert not report and len(report) == 0
    for record in found:
        if excel_number_damage(record.raw["id_number"]):
            report.add(record.row, header.label("id_number"), "Excel turned this into a number")
    report.add(6, header.label("phone"), "bad phone")
    report.add(6, "", "whole row")
    assert len(report) == 4 and report.rows == [6, 9, 10]
    assert [e["row"] for e in report.errors] == [6, 6, 9, 10]
    assert report.errors[0] == {"row": 6, "column": "手机号", "reason": "bad phone"}

    with translation.override("en"):
        data = report.workbook()
    sheet = load_workbook(io.BytesIO(data)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == ["序号", "姓　名*", "公民身份号码（必填）", "手机号", "小区", "Reason for the error",
                       "Row in the original sheet"]
    assert [r[-1] for r in rows[1:]] == [6, 9, 10]
    assert rows[1][:5] == ["1", "张三", ID_1, "13812345678", "幸福小区"]
    assert rows[1][5] == "手机号：bad phone；whole row"
    assert rows[2][2] == "110105199001010000"  # what the damaged cell holds, shown for the user to retype
    assert rows[3][2] == "1.10105E+17" and rows[3][5] == "公民身份号码（必填）：Excel turned this into a number"
    # The faulty cells are marked.
    loaded = load_workbook(io.BytesIO(data)).active
    assert loaded["D2"].fill.fgColor.rgb.endswith("F8C9C4")
    assert loaded["C3"].fill.fgColor.rgb.endswith("F8C9C4")
    assert loaded["B2"].fill.fgColor.rgb in (None, "00000000")
    # The error workbook reads back as a ledger (extra columns are ignored).
    again = read_table(data, "errors.xlsx")
    assert [r.row for r in records(again)[1]] == [2, 3, 4]


def test_error_workbook_is_safe_against_formulas():
    table = [["姓名", "身份证号"], ["=HYPERLINK(\"http://x\",\"点我\")", "+1"], ["@SUM(A1)", ID_1]]
    header = find_header(table, ALIASES, REQUIRED)
    report = ErrorReport(table, header)
    report.add(2, "姓名", "=1+1")
    report.add(3, "姓名", "bad")
    sheet = load_workbook(io.BytesIO(report.workbook())).active
    assert sheet["A2"].value.startswith("'=") and sheet["A2"].data_type == "s"
    assert sheet["B2"].value == "'+1"
    assert sheet["A3"].value == "'@SUM(A1)"
    assert sheet["C2"].value == "姓名：=1+1"
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_error_report_without_a_table():
    report = ErrorReport()
    report.add(3, "X", "reason")
    sheet = load_workbook(io.BytesIO(report.workbook())).active
    assert sheet.max_row == 2
