import pytest
from django.test import Client
from django.urls import reverse

from sanshe.core.models import AuditEntry
from sanshe.core.testing import login_as
from sanshe.gridops.models import (
    EventCategory,
    EventSettings,
    HandlingUnit,
    Responsibility,
    UnitMember,
    WorkdayOverride,
)

pytestmark = pytest.mark.django_db


def _client(w, role):
    client = Client()
    login_as(client, w.user(role))
    return client


def _attribute_rows(n, **rows):
    data = {}
    for i in range(n):
        for name in ("code", "datatype", "description", "order", "values"):
            data[f"attr_{name}_{i}"] = ""
        data[f"attr_datatype_{i}"] = "string"
    for key, value in rows.items():
        data[key] = value
    return data


def test_catalogue_tree_is_read_only_for_readers(gworld):
    w = gworld
    response = _client(w, "grid_worker").get(reverse("gridops:category_list"))
    assert response.status_code == 200
    content = response.content.decode()
    assert 'data-category="0301"' in content and reverse("gridops:category_create") not in content
    admin_page = _client(w, "district_admin").get(reverse("gridops:category_list")).content.decode()
    assert reverse("gridops:category_create") in admin_page
    assert _client(w, "grid_worker").post(reverse("gridops:category_create"), {}).status_code == 403


def test_create_and_edit_a_sub_category_with_attributes(gworld):
    w = gworld
    client = _client(w, "district_admin")
    page = client.get(reverse("gridops:category_create"), {"parent": w.categories["03"].pk})
    assert page.status_code == 200
    data = {"code": "0398", "parent": w.categories["03"].pk, "name": "宠物粪便", "filing_condition": "公共区域",
            "closing_condition": "清理", "time_limit": "2", "time_limit_unit": "working_days",
            "default_unit": w.units["street"].pk, "public": "on", "sort_order": "100", "is_active": "on",
            **_attribute_rows(2, attr_code_0="floor", attr_datatype_0="singlevaluelist", attr_description_0="楼层",
                              attr_required_0="on", attr_order_0="1", attr_values_0="1=一楼, 2=二楼")}
    response = client.post(reverse("gridops:category_create"), data)
    category = EventCategory.objects.get(code="0398")
    assert response.status_code == 302 and response["Location"] == reverse("gridops:category_detail",
                                                                           args=[category.pk])
    assert category.parent == w.categories["03"] and category.time_limit == 2
    assert category.attributes[0]["values"] == [{"key": "1", "name": "一楼"}, {"key": "2", "name": "二楼"}]

    # The edit page shows one row per attribute plus blank rows; a list without values is refused on the form.
    edit = reverse("gridops:category_edit", args=[category.pk])
    assert 'value="floor"' in client.get(edit).content.decode()
    bad = {**data, **_attribute_rows(3, attr_code_0="floor", attr_datatype_0="singlevaluelist",
                                     attr_description_0="楼层", attr_order_0="1")}
    response = client.post(edit, bad)
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    missing = {**data, "time_limit": ""}
    response = client.post(edit, missing)
    assert response.status_code == 200 and response.context["form"].errors["time_limit"]
    response = client.post(edit, {**data, "time_limit": "3"})
    assert response.status_code == 302
    category.refresh_from_db()
    assert category.time_limit == 3 and category.code == "0398"


def test_units_pages_and_staff(gworld):
    w = gworld
    client = _client(w, "district_admin")
    response = client.post(reverse("gridops:unit_create"), {"name": "测试区住建局", "kind": "district_dept",
                                                            "node": w.nodes["D1"].pk, "phone": ""})
    unit = HandlingUnit.objects.get(name="测试区住建局")
    assert response.status_code == 302 and unit.district_id == w.nodes["D1"].pk
    response = client.post(reverse("gridops:unit_create"), {"name": "错位科", "kind": "street_dept",
                                                            "node": w.nodes["C1"].pk})
    assert response.status_code == 200 and response.context["form"].errors["node"]

    detail = reverse("gridops:unit_detail", args=[unit.pk])
    assert client.post(reverse("gridops:unit_member_add", args=[unit.pk]),
                       {"user": w.users["handler"].pk}).status_code == 302
    assert UnitMember.objects.filter(unit=unit, user=w.users["handler"]).exists()
    assert 'data-member="t_handler"' in client.get(detail).content.decode()
    response = client.post(reverse("gridops:unit_member_add", args=[unit.pk]), {"user": w.users["grid_worker"].pk})
    assert response.status_code == 400
    assert client.post(reverse("gridops:unit_member_remove", args=[unit.pk, w.users["handler"].pk])).status_code == 302
    assert not UnitMember.objects.filter(unit=unit).exists()

    reader = _client(w, "community_worker")
    listing = reader.get(reverse("gridops:unit_list")).content.decode()
    assert f'data-unit="{unit.pk}"' in listing and f'data-unit="{w.units["other"].pk}"' not in listing
    assert reverse("gridops:unit_edit", args=[unit.pk]) not in reader.get(detail).content.decode()
    assert reader.post(reverse("gridops:unit_member_add", args=[unit.pk]),
                       {"user": w.users["handler"].pk}).status_code == 403


def test_responsibility_matrix_and_line(gworld):
    w = gworld
    client = _client(w, "district_admin")
    page = client.get(reverse("gridops:responsibility"))
    assert page.status_code == 200
    row = next(r for r in page.context["rows"] if r["category"].code == "0301")
    columns = [c.pk for c in page.context["columns"]]
    assert row["cells"][columns.index(w.nodes["S1"].pk)] == w.units["street"]

    category = w.categories["0501"]
    url = reverse("gridops:responsibility_line", args=[category.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {f"unit_{w.nodes['C1'].pk}": w.units["community"].pk,
                                 "new_code": w.nodes["G2"].code, "new_unit": w.units["street"].pk})
    assert response.status_code == 302
    assert dict(Responsibility.objects.filter(category=category).values_list("node_id", "unit_id")) == {
        w.nodes["C1"].pk: w.units["community"].pk, w.nodes["G2"].pk: w.units["street"].pk}
    # A line is removed by choosing "(inherited)"; a bad unit rolls the whole save back.
    response = client.post(url, {f"unit_{w.nodes['C1'].pk}": "", f"unit_{w.nodes['G2'].pk}": w.units["street"].pk,
                                 f"unit_{w.nodes['S1'].pk}": w.units["other"].pk})
    assert response.status_code == 400
    assert Responsibility.objects.filter(category=category).count() == 2
    response = client.post(url, {f"unit_{w.nodes['C1'].pk}": "", f"unit_{w.nodes['G2'].pk}": w.units["street"].pk})
    assert response.status_code == 302
    assert list(Responsibility.objects.filter(category=category).values_list("node_id", flat=True)) == [
        w.nodes["G2"].pk]
    assert client.get(reverse("gridops:responsibility"), {"district": w.nodes["D2"].pk}).status_code == 404


def test_settings_and_workdays_pages(gworld):
    w = gworld
    client = _client(w, "district_admin")
    url = reverse("gridops:event_settings")
    assert client.get(url).status_code == 200
    response = client.post(url, {"duplicate_radius_m": "150", "duplicate_window_hours": "48", "yellow_share": "25",
                                 "workday_start": "08:30", "workday_end": "17:30"})
    assert response.status_code == 302
    assert EventSettings.objects.get(district=w.nodes["D1"]).duplicate_radius_m == 150
    response = client.post(url, {"duplicate_radius_m": "150", "duplicate_window_hours": "48", "yellow_share": "25",
                                 "workday_start": "18:00", "workday_end": "09:00"})
    assert response.status_code == 200 and response.context["form"].errors["workday_end"]

    url = reverse("gridops:workdays")
    assert client.post(url, {"date": "2031-10-08", "is_workday": "1", "name": "调休"}).status_code == 302
    override = WorkdayOverride.objects.get()
    assert override.is_workday
    response = client.post(url, {"date": "2031-10-08", "is_workday": "0"})
    assert response.status_code == 200 and response.context["form"].errors["date"]
    assert 'data-date="2031-10-08"' in client.get(url).content.decode()
    assert client.post(reverse("gridops:workday_delete", args=[override.pk])).status_code == 302
    assert not WorkdayOverride.objects.exists()
    assert AuditEntry.objects.filter(action="gridops.workday.removed").exists()
