import pytest
from django.test import Client
from django.urls import reverse

from sanshe.accounts.roles import Role
from sanshe.accounts.services import bootstrap_account
from sanshe.core.models import AuditEntry
from sanshe.core.testing import PASSWORD, login_as
from sanshe.servicedesk import services_config as sc
from sanshe.servicedesk.catalogue_seed import ensure_catalogue
from sanshe.servicedesk.models import ServiceItem, ServiceStation

pytestmark = pytest.mark.django_db


def _client(user):
    client = Client()
    login_as(client, user)
    return client


def _item_form(w, **extra):
    return {"code": "T0150", "name": "灵活就业登记", "category": w.service_categories["T01"].pk,
            "department": w.departments["hr"].pk, "description": "灵活就业人员登记", "eligibility": "本区劳动者",
            "time_limit_days": "1", "fee": "0", "channel": "window", "sort_order": "100", "is_active": "on",
            "district": w.nodes["D1"].pk,
            "materials": "居民身份证原件\r\n近期一寸照片(可选) | 白底\r\n灵活就业登记表", **extra}


def test_item_list_filters_and_search(sworld):
    w = sworld
    client = _client(w.user("district_admin"))
    url = reverse("servicedesk:item_list")
    page = client.get(url).content.decode()
    assert "退休申请" in page and "最低生活保障申请" in page and reverse("servicedesk:item_create") in page
    assert "data-item=\"T0101\"" in page and page.count("data-item=") == 2  # not the other district's
    page = client.get(url, {"category": w.service_categories["T02"].pk}).content.decode()
    assert "最低生活保障申请" in page and "退休申请" not in page
    page = client.get(url, {"department": w.departments["hr"].pk}).content.decode()
    assert "退休申请" in page and "最低生活保障申请" not in page
    page = client.get(url, {"q": "低保"}).content.decode()
    assert page.count("data-item=") == 0
    page = client.get(url, {"q": "生活保障"}).content.decode()
    assert page.count("data-item=") == 1
    sc.set_item_active(w.items["dibao"], actor=w.user("district_admin"), active=False)
    assert client.get(url, {"active": "1"}).content.decode().count("data-item=") == 1
    assert client.get(url, {"active": "0"}).content.decode().count("data-item=") == 1


def test_staff_read_but_do_not_edit(sworld):
    w = sworld
    for role in ("community_worker", "window_clerk", "street_official"):
        client = _client(w.user(role))
        page = client.get(reverse("servicedesk:item_list")).content.decode()
        assert "退休申请" in page and reverse("servicedesk:item_create") not in page
        detail = client.get(reverse("servicedesk:item_detail", args=[w.items["retire"].pk])).content.decode()
        assert "身份证原件及复印件" in detail and reverse("servicedesk:item_edit", args=[w.items["retire"].pk]) \
            not in detail
        assert client.get(reverse("servicedesk:item_create")).status_code == 403
        assert client.get(reverse("servicedesk:station_create")).status_code == 403
    assert _client(w.user("dept_handler")).get(reverse("servicedesk:item_list")).status_code == 403


def test_create_item_through_the_page(sworld):
    w = sworld
    client = _client(w.user("district_admin"))
    page = client.get(reverse("servicedesk:item_create")).content.decode()
    assert 'name="materials"' in page and "测试区人社局" in page and "邻区人社局" not in page
    response = client.post(reverse("servicedesk:item_create"), _item_form(w))
    item = ServiceItem.objects.get(district=w.nodes["D1"], code="T0150")
    assert response.status_code == 302 and response["Location"] == reverse("servicedesk:item_detail",
                                                                           args=[item.pk])
    assert [(m.name, m.required, m.note) for m in item.materials.all()] == [
        ("居民身份证原件", True, ""), ("近期一寸照片", False, "白底"), ("灵活就业登记表", True, "")]
    assert AuditEntry.objects.filter(action="servicedesk.item.created", object_id=str(item.pk)).exists()
    detail = client.get(response["Location"]).content.decode()
    assert "近期一寸照片" in detail and "灵活就业登记表" in detail


def test_item_form_shows_errors_by_field(sworld):
    w = sworld
    client = _client(w.user("district_admin"))
    response = client.post(reverse("servicedesk:item_create"),
                           _item_form(w, code="T0101", materials="身份证\n身份证"))
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) >= {"code", "materials"}
    assert not ServiceItem.objects.filter(name="灵活就业登记").exists()
    response = client.post(reverse("servicedesk:item_create"), _item_form(w, name="", time_limit_days="-1"))
    assert set(response.context["form"].errors) >= {"name", "time_limit_days"}


def test_edit_item_materials_and_deactivate(sworld):
    w = sworld
    item = w.items["retire"]
    client = _client(w.user("district_admin"))
    page = client.get(reverse("servicedesk:item_edit", args=[item.pk])).content.decode()
    assert "一寸照片(可选)" in page  # the materials as editable lines
    data = _item_form(w, name="退休申请", materials="一寸照片\n身份证原件及复印件\n职工退休审批表(可选)")
    data.pop("code")
    response = client.post(reverse("servicedesk:item_edit", args=[item.pk]), data)
    assert response.status_code == 302
    assert [(m.name, m.required) for m in item.materials.all()] == [
        ("一寸照片", True), ("身份证原件及复印件", True), ("职工退休审批表", False)]
    response = client.post(reverse("servicedesk:item_active", args=[item.pk]), {"active": "0"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert not item.is_active
    assert client.get(reverse("servicedesk:guide_item", args=[item.pk])).status_code == 404


def test_admin_of_another_district_gets_404(sworld):
    w = sworld
    other = bootstrap_account(username="t_admin_d2", password=PASSWORD, role=Role.DISTRICT_ADMIN, node=w.nodes["D2"])
    client = _client(other)
    item, station = w.items["retire"], w.stations["C1"]
    assert client.get(reverse("servicedesk:item_detail", args=[item.pk])).status_code == 404
    assert client.get(reverse("servicedesk:item_edit", args=[item.pk])).status_code == 404
    assert client.post(reverse("servicedesk:item_edit", args=[item.pk]), _item_form(w)).status_code == 404
    assert client.post(reverse("servicedesk:item_active", args=[item.pk]), {"active": "0"}).status_code == 404
    assert client.get(reverse("servicedesk:station_edit", args=[station.pk])).status_code == 404
    # his own list shows his district only
    page = client.get(reverse("servicedesk:item_list")).content.decode()
    assert page.count("data-item=") == 1
    # a place of another district is not offered (and refused if posted)
    response = client.post(reverse("servicedesk:station_create"), {"node": w.nodes["C1"].pk, "name": "越界",
                                                                   "windows": "2"})
    assert response.status_code == 200 and "node" in response.context["form"].errors
    assert AuditEntry.objects.filter(action="permission.out_of_scope").exists()


def test_stations_through_the_pages(sworld):
    w = sworld
    client = _client(w.user("district_admin"))
    page = client.get(reverse("servicedesk:station_create")).content.decode()
    assert "友谊社区" in page and "远方社区" not in page
    response = client.post(reverse("servicedesk:station_create"), {
        "node": w.nodes["C3"].pk, "name": "友谊社区便民服务站", "windows": "4", "address": "友谊路1号",
        "phone": "028-85551234", "opening_hours": "周一至周五 9:00—17:30"})
    assert response.status_code == 302
    station = ServiceStation.objects.get(name="友谊社区便民服务站")
    assert station.windows == 4 and station.community_id == w.nodes["C3"].pk
    response = client.post(reverse("servicedesk:station_edit", args=[station.pk]), {
        "node": w.nodes["C3"].pk, "name": "友谊社区便民服务站", "windows": "0", "phone": "abc"})
    assert response.status_code == 200 and set(response.context["form"].errors) >= {"windows"}
    response = client.post(reverse("servicedesk:station_edit", args=[station.pk]), {
        "node": w.nodes["C3"].pk, "name": "友谊社区便民服务站", "windows": "5", "address": "友谊路2号", "is_active": "on"})
    assert response.status_code == 302
    station.refresh_from_db()
    assert station.windows == 5 and station.address == "友谊路2号" and station.is_active
    page = client.get(reverse("servicedesk:station_list")).content.decode()
    assert "友谊社区便民服务站" in page and "远方社区便民服务站" not in page
    clerk = _client(w.user("window_clerk")).get(reverse("servicedesk:station_list")).content.decode()
    assert "和平社区便民服务站" in clerk and "友谊社区便民服务站" not in clerk


def test_public_guide_without_login(sworld):
    w = sworld
    ensure_catalogue(w.nodes["D1"])
    client = Client()
    page = client.get(reverse("servicedesk:guide"), {"district": w.nodes["D1"].pk}).content.decode()
    assert page.count("data-item=") == 64  # the seeded 62 and the test world's 2
    for text in ("劳动就业和社会保障", "残疾人服务", "最低生活保障申请", "人力资源和社会保障局"):
        assert text in page
    page = client.get(reverse("servicedesk:guide"), {"district": w.nodes["D1"].pk, "q": "残疾人证"}).content.decode()
    assert page.count("data-item=") == 3
    item = ServiceItem.objects.get(district=w.nodes["D1"], code="SD0301")
    page = client.get(reverse("servicedesk:guide_item", args=[item.pk])).content.decode()
    assert "残疾人证新办" in page and "近期二寸白底免冠彩色照片3张" in page and "残疾人联合会" in page
    assert "和平社区便民服务站" in page  # where to go
    assert client.get(reverse("servicedesk:guide_item", args=[999999])).status_code == 404
    # another district's guide
    page = client.get(reverse("servicedesk:guide"), {"district": w.nodes["D2"].pk}).content.decode()
    assert page.count("data-item=") == 1


def test_list_pages_do_not_query_per_item(sworld):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    w = sworld
    client = _client(w.user("district_admin"))
    pages = [reverse("servicedesk:item_list"), f"{reverse('servicedesk:guide')}?district={w.nodes['D1'].pk}",
             "/api/v1/servicedesk/items/"]

    def counts():
        out = []
        for url in pages:
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            out.append(len(ctx.captured_queries))
        return out

    few = counts()
    ensure_catalogue(w.nodes["D1"])
    assert counts() == few
