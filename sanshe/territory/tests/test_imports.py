"""Import of a territory from a spreadsheet: reading, header variants, errors per row, re-import."""

import io
import json

import pytest
from django.core.management import call_command
from openpyxl import Workbook, load_workbook

from sanshe.accounts.roles import Role
from sanshe.core.exceptions import Denied
from sanshe.core.models import AuditEntry
from sanshe.territory.imports import ImportFileError, import_territory, read_table, template_workbook
from sanshe.territory.models import Node

POINT = '{"type": "Point", "coordinates": [104.06, 30.67]}'
SQUARE = ('{"type": "Polygon", "coordinates": [[[104.0, 30.6], [104.1, 30.6], [104.1, 30.7], [104.0, 30.7], '
          '[104.0, 30.6]]]}')


def xlsx(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(rows, encoding="utf-8") -> bytes:
    text = "\r\n".join(",".join(f'"{c}"' if "," in c or '"' in c else c for c in (
        cell.replace('"', '""') if '"' in cell else cell for cell in row)) for row in rows)
    return text.encode(encoding)


def run(world, data, filename="t.xlsx", role=Role.DISTRICT_ADMIN, **kwargs):
    return import_territory(data, actor=world.user(role), filename=filename, **kwargs)


def errors_by_row(result):
    found = {}
    for error in result["errors"]:
        found.setdefault(error["row"], []).append((error["column"], error["reason"]))
    return found


# A small tree under 和平社区 (C1 = 510199001001), children listed before their parents.
TREE = [
    ["楼栋", "510199001001003001001", "1栋", "510199001001003001", POINT],
    ["小区", "510199001001003001", "和平三小区", "510199001001003", SQUARE],
    ["网格", "510199001001003", "和平第三网格", "510199001001", ""],
]


def test_title_rows_header_variants_blank_rows_and_parents_in_the_same_file(world):
    data = xlsx([
        ["测试区 区划导入"],
        [],
        ["层级*", "区划代码", "名称", "上级代码", "边界（GeoJSON）"],
        TREE[0],
        [],
        TREE[1],
        [None, None, None],
        TREE[2],
    ])
    result = run(world, data)
    assert result["errors"] == []
    assert (result["rows"], result["created"], result["updated"], result["unchanged"]) == (3, 3, 0, 0)
    building = Node.objects.get(code="510199001001003001001")
    assert building.level == Node.Level.BUILDING and building.name == "1栋"
    assert building.geometry == {"type": "Point", "coordinates": [104.06, 30.67]}
    assert building.grid.code == "510199001001003" and building.community_id == world.nodes["C1"].pk
    # Each row went through the services: one creation entry each, by the importer.
    created = AuditEntry.objects.filter(action="territory.node.created", username="t_district_admin")
    assert created.count() == 3


def test_reimport_changes_nothing_then_updates_what_differs(world):
    data = xlsx([["层级", "编码", "名称", "上级编码", "边界"], *TREE])
    assert run(world, data)["created"] == 3
    entries = AuditEntry.objects.count()
    again = run(world, data)
    assert (again["created"], again["updated"], again["unchanged"], again["errors"]) == (0, 0, 3, [])
    assert AuditEntry.objects.count() == entries

    changed = [list(r) for r in TREE]
    changed[2][2] = "和平三号网格"
    changed[1][4] = POINT
    result = run(world, xlsx([["层级", "编码", "名称", "上级编码", "边界"], *changed]))
    assert (result["created"], result["updated"], result["unchanged"]) == (0, 2, 1)
    assert Node.objects.get(code="510199001001003").name == "和平三号网格"
    assert Node.objects.get(code="510199001001003001").geometry["type"] == "Point"
    assert AuditEntry.objects.filter(action="territory.node.updated").count() == 2


def test_existing_world_rows_are_unchanged_and_a_district_row_is_a_reference(world):
    data = xlsx([
        ["层级", "编码", "名称", "上级编码"],
        ["区", "510199", "测试区", ""],
        ["街道", "510199001000", "幸福街道", "510199"],
        ["社区", "510199001001", "和平社区", "510199001000"],
    ])
    result = run(world, data)
    assert (result["unchanged"], result["errors"]) == (3, [])


def test_csv_in_gbk_and_utf8_with_bom(world):
    rows = [["层级", "编码", "名称", "上级编码"], ["网格", "510199001001003", "和平第三网格", "510199001001"]]
    result = run(world, csv_bytes(rows, "gbk"), filename="territory.csv")
    assert (result["created"], result["errors"]) == (1, [])
    rows[1] = ["网格", "510199001001004", "和平第四网格", "510199001001"]
    result = run(world, b"\xef\xbb\xbf" + csv_bytes(rows, "utf-8"), filename="territory.csv")
    assert (result["created"], result["errors"]) == (1, [])
    assert Node.objects.get(code="510199001001004").name == "和平第四网格"
    # Commas inside the GeoJSON cell are quoted; tabs work as separator too.
    rows = [["level", "code", "name", "parent_code", "geometry"],
            ["grid", "510199001001005", "和平第五网格", "510199001001", SQUARE]]
    result = run(world, csv_bytes(rows), filename="territory.csv")
    assert (result["created"], result["errors"]) == (1, [])
    tab = "层级\t编码\t名称\t上级编码\n网格\t510199001001006\t和平第六网格\t510199001001\n".encode("gb18030")
    assert run(world, tab, filename="territory.txt")["created"] == 1


def test_bad_rows_are_reported_with_row_column_and_reason_and_good_rows_imported(world):
    data = xlsx([
        ["网格导入"],
        ["层级", "区划代码", "名称", "上级编码", "边界"],
        ["网格", "510199001001003", "好网格", "510199001001", ""],          # 3: good
        ["片区", "510199001001004", "坏层级", "510199001001", ""],          # 4: unknown level
        ["网格", "510199001001005", "", "510199001001", ""],                # 5: no name
        ["网格", "510199001002007", "错编码", "510199001001", ""],          # 6: code does not fit the parent
        ["网格", "510199001009001", "无上级", "510199001009", ""],          # 7: parent does not exist
        ["网格", "510198001001009", "外区", "510198001001", ""],            # 8: parent outside the territory
        ["网格", "510199001001003", "重复", "510199001001", ""],            # 9: same code as row 3
        ["区", "510197", "新区", "", ""],                                   # 10: districts are not imported
        ["小区", "510199001001001009", "坏边界", "510199001001001", "{oops"],  # 11: not JSON
        ["小区", "510199001002007001", "孤儿", "510199001002007", ""],       # 12: its parent (row 6) failed
        ["网格", "", "无编码", "510199001001", ""],                          # 13: no code
        ["小区", "510199001001001008", "无上级编码", "", ""],                 # 14: no parent code
        ["小区", "510199001001001007", "坏几何", "510199001001001", '{"type": "Line"}'],  # 15
    ])
    result = run(world, data)
    assert result["rows"] == 13
    assert result["created"] == 1
    found = errors_by_row(result)
    assert sorted(found) == [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]
    columns = {row: {column for column, _reason in found[row]} for row in found}
    assert columns == {
        4: {"层级"}, 5: {"名称"}, 6: {"区划代码"}, 7: {"上级编码"}, 8: {"上级编码"}, 9: {"区划代码"},
        10: {"层级"}, 11: {"边界"}, 12: {"上级编码"}, 13: {"区划代码"}, 14: {"上级编码"}, 15: {"边界"},
    }
    assert all(reason for errors in found.values() for _column, reason in errors)
    assert Node.objects.filter(code="510199001001003", name="好网格").exists()
    assert not Node.objects.filter(code__in=["510199001002007", "510198001001009", "510199001001004"]).exists()
    # The attempt on a parent outside the territory is in the audit log as a refusal.
    assert AuditEntry.objects.filter(action="permission.out_of_scope", object_id=str(world.nodes["C4"].pk)).exists()


def test_reasons_are_in_chinese(world, zh_fragment):
    data = xlsx([
        ["层级", "编码", "名称", "上级编码"],
        ["片区", "510199001001004", "坏层级", "510199001001"],
        ["网格", "510199001002007", "错编码", "510199001001"],
        ["网格", "510199001009001", "无上级", "510199001009"],
        ["网格", "510199001001009", "", "510199001001"],
    ])
    reasons = [error["reason"] for error in run(world, data)["errors"]]
    assert len(reasons) == 4
    for reason in reasons:
        assert any("\u4e00" <= ch <= "\u9fff" for ch in reason.replace("片区", "")), reason
    assert "无法识别的层级" in reasons[0]


def test_a_new_parent_is_a_move_and_the_code_rules_still_apply(world):
    # G2's compound listed under G1 with its old code: the code does not fit G1, so the row is refused.
    data = xlsx([["层级", "编码", "名称", "上级编码"], ["小区", "510199001001002001", "和平第二网格小区", "510199001001001"]])
    result = run(world, data)
    assert [(e["row"], e["column"]) for e in result["errors"]] == [(2, "编码")]
    assert Node.objects.get(code="510199001001002001").grid_id == world.nodes["G2"].pk


def test_codes_typed_as_numbers(world):
    # A 12-digit code stored as a number reads back exactly; a 21-digit one has lost digits in Excel.
    data = xlsx([
        ["层级", "编码", "名称", "上级编码"],
        ["社区", 510199001003, "新社区", 510199001000],
        ["楼栋", 510199001001001001009, "长编码", "510199001001001001"],
    ])
    result = run(world, data)
    assert result["created"] == 1
    assert Node.objects.filter(code="510199001003", level="community").exists()
    assert [(e["row"], e["column"]) for e in result["errors"]] == [(3, "编码")]


def test_dry_run_saves_nothing(world):
    entries = AuditEntry.objects.count()
    result = run(world, xlsx([["层级", "编码", "名称", "上级编码"], *[r[:4] for r in TREE]]), dry_run=True)
    assert (result["created"], result["errors"], result["dry_run"]) == (3, [], True)
    assert not Node.objects.filter(code__startswith="510199001001003").exists()
    assert AuditEntry.objects.count() == entries


def test_refusals(world):
    with pytest.raises(Denied):
        run(world, xlsx([["层级", "编码", "名称", "上级编码"]]), role=Role.GRID_WORKER)
    with pytest.raises(ImportFileError):
        run(world, xlsx([["名字", "号码"], ["a", "b"]]))
    with pytest.raises(ImportFileError):
        run(world, xlsx([["层级", "编码", "名称"], ["网格", "1", "x"]]))  # no 上级编码 column
    with pytest.raises(ImportFileError):
        run(world, b"PK\x03\x04 not really a zip", filename="x.xlsx")


def test_template_has_chinese_headers_and_one_example_row(world):
    data = template_workbook()
    sheet = load_workbook(io.BytesIO(data)).active
    assert [c.value for c in sheet[1]] == ["层级", "编码", "名称", "上级编码", "边界"]
    assert sheet.max_row == 2
    table = read_table(data, "template.xlsx")
    assert table[1][:4] == ["网格", "510199001001003", "和平第三网格", "510199001001"]
    # The template imports as it is (its example parent is the test world's 和平社区).
    assert run(world, data)["created"] == 1


def test_management_command(world, tmp_path, capsys):
    path = tmp_path / "tree.xlsx"
    path.write_bytes(xlsx([["层级", "编码", "名称", "上级编码", "边界"], *TREE]))
    call_command("import_territory", str(path), "--user", "t_district_admin", "--dry-run", "--json")
    result = json.loads(capsys.readouterr().out)
    assert (result["created"], result["dry_run"]) == (3, True)
    assert not Node.objects.filter(code="510199001001003").exists()
    call_command("import_territory", str(path), "--user", "t_district_admin")
    assert "3" in capsys.readouterr().out
    assert Node.objects.filter(code__startswith="510199001001003").count() == 3
    entry = AuditEntry.objects.filter(action="territory.node.created").order_by("-seq").first()
    assert entry.username == "t_district_admin"
    bad = tmp_path / "bad.csv"
    bad.write_bytes("层级,编码,名称,上级编码\n网格,123,坏,510199001001\n".encode())
    with pytest.raises(SystemExit):
        call_command("import_territory", str(bad), "--user", "t_district_admin")
