"""Resident import (issue 3 item 5): messy ledgers, bad rows, re-import, district uniqueness, dry run, the
command, the page flow (ImmediateBackend) and scope."""

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from sanshe.accounts.roles import Role
from sanshe.core.exceptions import Denied, OutOfScope
from sanshe.core.models import AuditEntry
from sanshe.core.validators import id_number_check_char
from sanshe.territory import registry
from sanshe.territory.choices import Level, Relation
from sanshe.territory.imports_registry import ImportRefused, import_residents, template_workbook
from sanshe.territory.models import Dwelling, Household, HouseholdTimelineEntry, Node, Resident, ResidentTag

HEADER = ["姓名", "性别", "民族", "身份证号", "联系电话", "与户主关系", "户号", "小区", "楼栋", "单元", "房号",
          "户籍类型", "人员类别", "迁入日期"]


def valid_id(n: int, birth: str = "19800101") -> str:
    body = f"110105{birth}{n:03d}"
    return body + id_number_check_char(body)


def csv_bytes(rows, header=HEADER, encoding="utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows, merges=()) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    for merge in merges:
        sheet.merge_cells(merge)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def good_rows(world, count=3, compound=None):
    compound = compound or world.nodes["P1"].name
    rows = []
    for i in range(count):
        rows.append([f"居民{i}", "", "汉族", valid_id(i + 1), f"1381234{i:04d}", "户主" if i == 0 else "子女",
                     "H001", compound, "1", "2", "501", "户籍", "退役军人" if i == 0 else "", "2020-05-01"])
    return rows


def run(world, data, filename="ledger.csv", role=Role.COMMUNITY_WORKER, **kwargs):
    actor = world.user(role) if role else None
    return import_residents(data, filename, actor=actor, community=kwargs.pop("community", world.nodes["C1"]),
                            **kwargs)


def test_good_rows_create_territory_households_and_residents(world):
    result = run(world, csv_bytes(good_rows(world)))
    assert result == {"rows": 3, "created": 3, "updated": 0, "unchanged": 0, "errors": []}
    household = Household.objects.get(community=world.nodes["C1"], number="H001")
    dwelling = Dwelling.objects.get(building=world.nodes["B1"], unit="2", room="501")
    assert household.dwelling == dwelling and dwelling.floor == 5
    residents = list(Resident.objects.filter(household=household).order_by("name"))
    assert [r.name for r in residents] == ["居民0", "居民1", "居民2"]
    head = residents[0]
    assert household.head_id == head.pk and head.relation == Relation.HEAD
    assert head.id_number == valid_id(1) and head.phone == "13812340000"
    assert head.id_number_masked == valid_id(1)[:6] + "********" + valid_id(1)[-4:]
    assert (head.district_id, head.street_id, head.community_id, head.grid_id, head.compound_id, head.building_id) \
        == tuple(world.nodes[k].pk for k in ("D1", "S1", "C1", "G1", "P1", "B1"))
    assert head.sex == "M" and str(head.birth_date) == "1980-01-01" and str(head.move_in_date) == "2020-05-01"
    assert Resident.objects.filter(id_number_index=registry.id_number_index(valid_id(1))).count() == 1
    assert ResidentTag.objects.filter(resident=head, tag_type__code="veteran").exists()
    assert head.moves.count() == 1
    assert HouseholdTimelineEntry.objects.filter(household=household, kind="registry.household.created").count() == 1
    entries = AuditEntry.objects.filter(action="registry.import")
    assert entries.count() == 1 and entries[0].changes["created"] == 3 and entries[0].changes["file"] == "ledger.csv"
    assert not AuditEntry.objects.filter(action__startswith="registry.resident").exists()


def test_reimport_changes_nothing_then_updates_what_changed(world):
    data = csv_bytes(good_rows(world))
    run(world, data)
    audit_before = AuditEntry.objects.exclude(action="registry.import").count()
    again = run(world, data)
    assert again == {"rows": 3, "created": 0, "updated": 0, "unchanged": 3, "errors": []}
    assert Resident.objects.count() == 3 and Household.objects.count() == 1 and Dwelling.objects.count() == 1
    assert AuditEntry.objects.exclude(action="registry.import").count() == audit_before
    rows = good_rows(world)
    rows[1][4] = "13900000000"
    rows[2][0] = "新名字"
    third = run(world, csv_bytes(rows))
    assert (third["created"], third["updated"], third["unchanged"]) == (0, 2, 1)
    changed = Resident.objects.get(id_number_index=registry.id_number_index(valid_id(2)))
    assert changed.phone == "13900000000" and changed.phone_masked == "139****0000"
    assert Resident.objects.filter(name="新名字").exists()
    assert run(world, csv_bytes(rows))["unchanged"] == 3


def test_bad_rows_are_reported_and_good_rows_kept(world):
    rows = good_rows(world, 2)
    bad_check = valid_id(9)[:-1] + ("0" if valid_id(9)[-1] != "0" else "1")
    rows += [
        ["", "", "", valid_id(10), "", "", "H002", world.nodes["P1"].name, "1", "1", "101", "", "", ""],
        ["错号", "", "", bad_check, "", "", "H002", world.nodes["P1"].name, "1", "1", "101", "", "", ""],
        ["坏电话", "", "", valid_id(11), "12345", "", "H002", world.nodes["P1"].name, "1", "1", "101", "", "", ""],
        ["怪关系", "", "", valid_id(12), "", "房东", "H002", world.nodes["P1"].name, "1", "1", "101", "", "", ""],
        ["怪类别", "", "", valid_id(13), "", "", "H002", world.nodes["P1"].name, "1", "1", "101", "", "外星人", ""],
        ["怪日期", "", "", valid_id(14), "", "", "H002", world.nodes["P1"].name, "1", "1", "101", "", "", "昨天"],
        ["性别错", "女", "", valid_id(15), "", "", "H002", world.nodes["P1"].name, "1", "1", "101", "", "", ""],
        ["怪户籍", "", "", valid_id(16), "", "", "H002", world.nodes["P1"].name, "1", "1", "101", "外国", "", ""],
    ]
    result = run(world, csv_bytes(rows))
    assert result["rows"] == 10 and result["created"] == 2
    by_row = {(e["row"], e["column"]) for e in result["errors"]}
    assert by_row == {(4, "姓名"), (5, "身份证号"), (6, "联系电话"), (7, "与户主关系"), (8, "人员类别"),
                      (9, "迁入日期"), (10, "性别"), (11, "户籍类型")}
    assert all(e["reason"] for e in result["errors"])
    assert not Household.objects.filter(number="H002").exists()


def test_excel_number_id_is_an_error_never_a_guess(world):
    rows = good_rows(world, 1) + [["科学计数", "", "", "1.10105E+17", "", "", "H001", world.nodes["P1"].name, "1",
                                   "2", "501", "", "", ""]]
    result = run(world, csv_bytes(rows))
    assert result["created"] == 1
    assert [(e["row"], e["column"]) for e in result["errors"]] == [(3, "身份证号")]
    assert "Excel" in result["errors"][0]["reason"]
    # The same in a workbook: the cell is a float.
    sheet = [HEADER, ["数字", "", "", 110105198001010000.0, "", "", "H009", world.nodes["P1"].name, 1, 1, 101, "",
                      "", ""]]
    result = run(world, xlsx_bytes(sheet), "ledger.xlsx")
    assert [(e["row"], e["column"]) for e in result["errors"]] == [(2, "身份证号")]
    assert not Resident.objects.filter(name__in=["科学计数", "数字"]).exists()


def test_messy_workbook(world):
    """Title row and blank rows above the header, header variants, merged compound/household cells, one-column
    address, a signature line at the bottom."""
    compound = world.nodes["P1"].name
    sheet = [
        ["和平社区居民信息台账（2024年）", None, None, None, None, None],
        [None] * 6,
        [None] * 6,
        ["名字", "公民身份号码", "手机号", "与户主的关系", "户号", "现住址"],
        ["王一", valid_id(21), "13800000001", "户主", "H100", f"{compound}3栋2单元501"],
        ["王二", valid_id(22), "", "配偶", None, None],
        [None] * 6,
        ["李三", valid_id(23).lower(), "138 0000 0003", "户主", "H200", f"{compound}3幢2单元5楼502室"],
        ["填表人：张三", None, None, "审核人：李四", None, None],
        ["2024年5月1日", None, None, None, None, None],
    ]
    data = xlsx_bytes(sheet, merges=["E5:E6", "F5:F6", "A1:F1"])
    result = run(world, data, "台账.xlsx")
    assert result == {"rows": 3, "created": 3, "updated": 0, "unchanged": 0, "errors": []}
    wang2 = Resident.objects.get(name="王二")
    assert wang2.household.number == "H100" and wang2.relation == Relation.SPOUSE
    building = Node.objects.get(parent=world.nodes["P1"], level=Level.BUILDING, name="3栋")
    assert set(Dwelling.objects.filter(building=building).values_list("unit", "room")) == {("2", "501"), ("2", "502")}
    assert Resident.objects.get(name="李三").id_number == valid_id(23).upper()
    assert run(world, data, "台账.xlsx")["unchanged"] == 3


def test_gbk_csv_and_unreadable_file(world):
    result = run(world, csv_bytes(good_rows(world), encoding="gbk"))
    assert result["created"] == 3 and not result["errors"]
    with pytest.raises(ImportRefused):
        run(world, b"\x00\x01\x02garbage\xff\xfe", "x.xlsx")
    with pytest.raises(ImportRefused):
        run(world, csv_bytes([["a"]], header=["foo", "bar"]))


def test_duplicate_ids_in_file_and_in_district(world):
    worker = world.user(Role.COMMUNITY_WORKER)
    elsewhere = registry.create_household(actor=worker, number="X1", node=world.nodes["B1"])
    other, _warnings = registry.register_resident(actor=worker, household=elsewhere, name="已登记",
                                                  id_number=valid_id(3))
    # (set up directly: the worker cannot reach 团结社区) the resident lives in another community of the district
    Resident.objects.filter(pk=other.pk).update(community=world.nodes["C2"], grid=world.nodes["G3"],
                                                household=None, compound=None, building=None)
    rows = good_rows(world, 3)
    rows.append(["重复", "", "", valid_id(1), "", "", "H001", world.nodes["P1"].name, "1", "2", "501", "", "", ""])
    result = run(world, csv_bytes(rows))
    assert result["created"] == 2
    errors = {e["row"]: e for e in result["errors"]}
    assert set(errors) == {4, 5} and errors[4]["column"] == errors[5]["column"] == "身份证号"
    assert "2" in errors[5]["reason"]  # points at the first row of that number
    assert Resident.objects.filter(id_number_index=registry.id_number_index(valid_id(3))).count() == 1


def test_same_id_in_another_district_is_fine(world):
    run(world, csv_bytes(good_rows(world, 1)))
    result = import_residents(csv_bytes(good_rows(world, 1, compound="远方小区")), "x.csv", actor=None,
                              community=world.nodes["C4"])
    assert result["created"] == 1 and not result["errors"]


def test_new_compound_needs_a_grid_when_the_community_has_several(world):
    rows = good_rows(world, 1, compound="新建小区")
    result = run(world, csv_bytes(rows))
    assert result["created"] == 0 and result["errors"][0]["column"] == "小区"
    result = run(world, csv_bytes(rows), grid=world.nodes["G2"])
    assert result["created"] == 1
    compound = Node.objects.get(name="新建小区")
    assert compound.parent_id == world.nodes["G2"].pk and compound.level == Level.COMPOUND
    assert AuditEntry.objects.filter(action="territory.node.created", object_id=str(compound.pk)).exists()
    with_grid = [HEADER + ["网格"], good_rows(world, 1, compound="另一小区")[0][:1] + [""] + ["汉族", valid_id(50)]
                 + [""] * 2 + ["H050", "另一小区", "1", "", "101", "", "", "", world.nodes["G1"].name]]
    result = run(world, csv_bytes(with_grid[1:], header=with_grid[0]))
    assert result["created"] == 1 and Node.objects.get(name="另一小区").parent_id == world.nodes["G1"].pk
    # C2 has one grid: it is used.
    row = ["团结人", "", "", valid_id(60), "", "户主", "T1", "团结新区", "2", "", "301", "", "", ""]
    result = run(world, csv_bytes([row]), community=world.nodes["C2"], role=Role.DISTRICT_ADMIN)
    assert result["created"] == 1 and Node.objects.get(name="团结新区").parent_id == world.nodes["G3"].pk


def test_dry_run_rolls_back(world):
    result = run(world, csv_bytes(good_rows(world)), dry_run=True)
    assert result["created"] == 3
    assert not Resident.objects.exists() and not Household.objects.exists()
    assert not AuditEntry.objects.filter(action="registry.import").exists()


def test_scope_and_permission(world):
    data = csv_bytes(good_rows(world, 1))
    with pytest.raises(OutOfScope):
        run(world, data, community=world.nodes["C2"])
    with pytest.raises(Denied):
        run(world, data, role=Role.GRID_WORKER)
    assert run(world, data, role=Role.DISTRICT_ADMIN)["created"] == 1


def test_error_workbook_and_template(world):
    from sanshe.core.ledgers import ErrorReport

    report = ErrorReport()
    rows = good_rows(world, 1) + [["", "", "", valid_id(7), "", "", "H001", world.nodes["P1"].name, "1", "2", "501",
                                   "", "", ""]]
    run(world, csv_bytes(rows), report=report)
    sheet = load_workbook(io.BytesIO(report.workbook())).active
    values = list(sheet.values)
    assert values[0][:2] == ("姓名", "性别") and len(values) == 2 and values[1][-1] == 3
    template = load_workbook(io.BytesIO(template_workbook())).active
    assert [c.value for c in template[1]] == HEADER
    assert template.cell(row=2, column=1).value == "张三"


def test_template_imports_as_is(world):
    result = run(world, template_workbook(), "template.xlsx", grid=world.nodes["G1"])
    assert result["created"] == 1 and not result["errors"]


# --- the command -------------------------------------------------------------------------------------------------
def test_command_json(world, tmp_path, capsys):
    path = tmp_path / "ledger.csv"
    path.write_bytes(csv_bytes(good_rows(world) + [["", "", "", "", "", "", "H1", "", "", "", "", "", "", ""]]))
    call_command("import_residents", str(path), "--community", world.nodes["C1"].code, "--json")
    result = json.loads(capsys.readouterr().out)
    assert list(result) == ["rows", "created", "updated", "unchanged", "errors"]
    assert result["created"] == 3 and result["errors"][0]["row"] == 5
    assert set(result["errors"][0]) == {"row", "column", "reason"}
    call_command("import_residents", str(path), "--user", "t_community_worker", "--json")
    again = json.loads(capsys.readouterr().out)
    assert (again["created"], again["unchanged"]) == (0, 3)
    call_command("import_residents", str(path), "--community", world.nodes["C1"].code, "--dry-run")
    assert "unchanged 3" in capsys.readouterr().out


def test_command_exit_codes(world, tmp_path):
    with pytest.raises(SystemExit) as exc:
        call_command("import_residents", str(tmp_path / "missing.csv"), "--community", world.nodes["C1"].code)
    assert exc.value.code == 1
    path = tmp_path / "bad.csv"
    path.write_bytes(b"\x00\x01binary\xff")
    with pytest.raises(SystemExit) as exc:
        call_command("import_residents", str(path), "--community", world.nodes["C1"].code)
    assert exc.value.code == 1
    path.write_bytes(csv_bytes(good_rows(world, 1)))
    with pytest.raises(SystemExit) as exc:
        call_command("import_residents", str(path), "--user", "t_community_worker", "--community",
                     world.nodes["C2"].code)
    assert exc.value.code == 1


# --- the pages (ImmediateBackend runs the task inside the request) -----------------------------------------------
@pytest.fixture(autouse=True)
def _import_dir(settings, tmp_path):
    settings.SANSHE_IMPORT_DIR = str(tmp_path / "imports")


def test_page_upload_flow(world, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(world.user(Role.COMMUNITY_WORKER))
    page = client.get(reverse("territory:registry_import"))
    assert page.status_code == 200
    template = client.get(reverse("territory:registry_import_template"))
    assert template.status_code == 200
    # the user fills the template: the example row plus one bad row
    book = load_workbook(io.BytesIO(template.content))
    for column, value in enumerate(["缺身份证", "女", "汉族", "", "", "子女", "H0001", "幸福小区", "3", "2", "501"], 1):
        book.active.cell(row=3, column=column, value=value)
    filled = io.BytesIO()
    book.save(filled)
    upload = SimpleUploadedFile("居民.xlsx", filled.getvalue())
    response = client.post(reverse("territory:registry_import"), {
        "file": upload, "community": world.nodes["C1"].pk, "grid": world.nodes["G1"].pk})
    assert response.status_code == 302
    job_url = response["Location"]
    job_page = client.get(job_url)
    assert job_page.status_code == 200
    result = job_page.context["result"]
    assert (result["rows"], result["created"]) == (2, 1) and result["errors"][0]["row"] == 3
    assert "hx-trigger" not in job_page.content.decode()
    job_id = job_page.context["job"]["id"]
    status = client.get(reverse("territory:registry_import_status", kwargs={"job_id": job_id}))
    assert status.status_code == 200 and b"import-errors" in status.content
    errors = client.get(reverse("territory:registry_import_errors", kwargs={"job_id": job_id}))
    assert errors.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(errors.streaming_content))).active
    assert list(sheet.values)[1][0] == "缺身份证"
    household = Household.objects.get(number="H0001")
    assert household.members.get().name == "张三"
    assert AuditEntry.objects.filter(action="registry.import").count() == 1


def test_page_progress_fragment_while_running(world, client_for):
    from sanshe.territory import tasks

    worker = world.user(Role.COMMUNITY_WORKER)
    job = tasks.create_job(data=b"", filename="a.csv", actor=worker, community=world.nodes["C1"])
    job.update(status="running", stage="residents", done=50, total=200)
    tasks.save_job(job)
    response = client_for(worker).get(reverse("territory:registry_import_status", kwargs={"job_id": job["id"]}))
    content = response.content.decode()
    assert 'hx-trigger="every 1s"' in content and 'value="25"' in content


def test_page_scope(world, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from sanshe.territory import tasks

    worker = world.user(Role.COMMUNITY_WORKER)
    client = client_for(worker)
    upload = SimpleUploadedFile("a.csv", csv_bytes(good_rows(world, 1)))
    response = client.post(reverse("territory:registry_import"), {"file": upload, "community": world.nodes["C2"].pk})
    assert response.status_code == 200 and "community" in response.context["form"].errors
    assert not Resident.objects.exists()
    admin_job = tasks.create_job(data=b"", filename="b.csv", actor=world.user(Role.DISTRICT_ADMIN),
                                 community=world.nodes["C2"])
    assert client.get(reverse("territory:registry_import_job", kwargs={"job_id": admin_job["id"]})).status_code == 404
    assert client.get(reverse("territory:registry_import_job", kwargs={"job_id": "0" * 32})).status_code == 404
    grid_client = client_for(world.user(Role.GRID_WORKER))
    assert grid_client.get(reverse("territory:registry_import")).status_code == 403
