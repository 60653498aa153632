"""End to end in headless Chromium: a community worker downloads the template, fills it, imports it in the
browser, and opens the household it created (phone-sized screen)."""

import io

import openpyxl
import pytest

from sanshe.core.testing import PASSWORD, build_world
from sanshe.core.validators import id_number_check_char
from sanshe.territory.models import Resident

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_community_worker_imports_the_template_and_opens_the_household(live_server, phone, screenshot, tmp_path):
    build_world()
    base = live_server.url
    page = phone
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", "t_community_worker")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")

    page.goto(f"{base}/territory/residents/")
    page.click("a[href$='/territory/registry/import/']")
    page.wait_for_load_state("networkidle")
    with page.expect_download() as download:
        page.click("a[href$='template.xlsx']")
    template = tmp_path / "template.xlsx"
    download.value.save_as(template)

    workbook = openpyxl.load_workbook(template)
    sheet = workbook.active
    header = [cell.value for cell in sheet[1]]
    assert header[:4] == ["姓名", "性别", "民族", "身份证号"]
    good = "11010519800101003"
    good += id_number_check_char(good)
    bad = good[:-1] + ("1" if good[-1] != "1" else "2")
    rows = [
        ["李明", "男", "汉族", good, "13800001111", "户主", "E2E01", "和平第一网格小区", "1栋", "1", "101", "户籍", "", ""],
        ["王芳", "女", "汉族", bad, "", "配偶", "E2E01", "和平第一网格小区", "1栋", "1", "101", "户籍", "", ""],
    ]
    for r, values in enumerate(rows, start=2):
        for c, value in enumerate(values, start=1):
            sheet.cell(row=r, column=c, value=value)
    filled = tmp_path / "filled.xlsx"
    buffer = io.BytesIO()
    workbook.save(buffer)
    filled.write_bytes(buffer.getvalue())

    page.set_input_files("input[type=file]", str(filled))
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.wait_for_selector("text=错误", timeout=20000)
    main = page.inner_text("main")
    screenshot(page, "registry-import-result-phone")
    assert "3" in main and "身份证号" in main  # the bad row is reported with its row number and column
    assert Resident.objects.filter(name="李明").exists() and not Resident.objects.filter(name="王芳").exists()

    page.goto(f"{base}/territory/residents/?name=李明")
    page.click("a[href*='/territory/household/']")
    page.wait_for_load_state("networkidle")
    household = page.inner_text("main")
    screenshot(page, "registry-household-phone")
    assert "E2E01" in household and "李明" in household
    assert good not in page.content()  # masked
    assert good[:6] + "********" + good[-4:] in household
