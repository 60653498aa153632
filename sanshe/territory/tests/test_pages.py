"""Territory pages: scope, drill-down, staff chain, map data, the admin forms and the import page."""

import io
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook

from sanshe.accounts.roles import Role
from sanshe.accounts.services import bootstrap_account
from sanshe.core.models import AuditEntry
from sanshe.core.testing import build_node
from sanshe.territory import services
from sanshe.territory.choices import Level
from sanshe.territory.models import Node

SQUARE = {"type": "Polygon", "coordinates": [[[104.0, 30.6], [104.1, 30.6], [104.1, 30.7], [104.0, 30.7],
                                              [104.0, 30.6]]]}


def detail(node):
    return reverse("territory:node_detail", args=[node.pk])


def main_text(response) -> str:
    html = response.content.decode()
    return html[html.index("<main"): html.index("</main>")]


def test_browser_shows_the_top_of_the_users_scope(world, client_for):
    client = client_for(world.user(Role.GRID_WORKER))
    body = main_text(client.get(reverse("territory:browser")))
    assert "和平第一网格" in body and detail(world.nodes["G1"]) in body
    for other in ("和平第二网格", "和平社区", "幸福街道", "测试区", "远方"):
        assert other not in body
    assert reverse("territory:import") not in body

    client = client_for(world.user(Role.DISTRICT_ADMIN))
    body = main_text(client.get(reverse("territory:browser")))
    assert "测试区" in body and "邻区" not in body and "幸福街道" not in body
    assert reverse("territory:import") in body


def test_browser_search_stays_in_scope(world, client_for):
    client = client_for(world.user(Role.STREET_OFFICIAL))
    body = main_text(client.get(reverse("territory:browser"), {"q": "网格"}))
    assert "和平第一网格" in body and "团结第一网格" in body
    assert "友谊第一网格" not in body and "远方第一网格" not in body
    body = main_text(client.get(reverse("territory:browser"), {"q": "510199002"}))
    assert "没有" in body or "Nothing" in body


def test_node_detail_is_404_outside_and_audited(world, client_for):
    client = client_for(world.user(Role.GRID_WORKER))
    assert client.get(detail(world.nodes["G1"])).status_code == 200
    assert client.get(detail(world.nodes["B1"])).status_code == 200
    for key in ("G2", "C1", "B5"):
        assert client.get(detail(world.nodes[key])).status_code == 404
    assert AuditEntry.objects.filter(action="permission.out_of_scope", object_id=str(world.nodes["G2"].pk)).exists()
    assert client.get(reverse("territory:node_detail", args=[999999])).status_code == 404


def test_breadcrumbs_link_only_visible_ancestors(world, client_for):
    n = world.nodes
    body = main_text(client_for(world.user(Role.GRID_WORKER)).get(detail(n["B1"])))
    crumbs = body[body.index('class="breadcrumbs"'): body.index("</nav>")]
    assert "和平社区" in crumbs and detail(n["C1"]) not in crumbs
    assert detail(n["G1"]) in crumbs and detail(n["P1"]) in crumbs

    body = main_text(client_for(world.user(Role.DISTRICT_ADMIN)).get(detail(n["B1"])))
    crumbs = body[body.index('class="breadcrumbs"'): body.index("</nav>")]
    for key in ("D1", "S1", "C1", "G1", "P1"):
        assert detail(n[key]) in crumbs


def test_children_with_counts_in_constant_queries(world, client_for):
    client = client_for(world.user(Role.DISTRICT_ADMIN))
    url = detail(world.nodes["D1"])
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        response = client.get(url)
    body = main_text(response)
    assert "幸福街道" in body and "光明街道" in body
    # 幸福街道: 2 communities, 3 grids, 3 compounds, 3 buildings.
    row = re.search(r"幸福街道</a>.*?</tr>", body, re.S).group(0)
    assert re.findall(r'<td class="num">(\d+)</td>', row) == ["2", "3", "3", "3"]
    for i in range(3, 8):
        street = build_node(Level.STREET, world.nodes["D1"], f"新{i}街道", f"510199{i:03d}000")
        build_node(Level.COMMUNITY, street, "新社区", f"510199{i:03d}001")
    with CaptureQueriesContext(connection) as after:
        client.get(url)
    assert len(after.captured_queries) == len(before.captured_queries)


def test_retired_children_hidden_unless_asked(world, client_for):
    admin = world.user(Role.DISTRICT_ADMIN)
    services.retire_node(world.nodes["B1"], actor=admin, reason="拆除")
    client = client_for(admin)
    url = detail(world.nodes["P1"])
    body = main_text(client.get(url))
    assert detail(world.nodes["B1"]) not in body and "?retired=1" in body
    body = main_text(client.get(url, {"retired": "1"}))
    assert detail(world.nodes["B1"]) in body
    body = main_text(client.get(detail(world.nodes["B1"])))
    assert "拆除" in body and reverse("territory:node_reactivate", args=[world.nodes["B1"].pk]) in body


def test_grid_staff_chain(world, client_for):
    n = world.nodes
    bootstrap_account(username="wang", password="Test-pass-123", role=Role.GRID_WORKER, node=n["G1"],
                      full_name="王网格")
    bootstrap_account(username="li", password="Test-pass-123", role=Role.BUILDING_LEADER, node=n["B1"],
                      full_name="李楼长")
    bootstrap_account(username="zhao", password="Test-pass-123", role=Role.GRID_WORKER, node=n["G2"],
                      full_name="赵网格")
    client = client_for(world.user(Role.COMMUNITY_WORKER))
    grid = main_text(client.get(detail(n["G1"])))
    assert "王网格" in grid and "李楼长" in grid and "赵网格" not in grid
    building = main_text(client.get(detail(n["B1"])))
    assert "王网格" in building and "李楼长" in building
    other = main_text(client.get(detail(n["B2"])))
    assert "王网格" not in other and "李楼长" not in other and "赵网格" in other
    community = main_text(client.get(detail(n["C1"])))
    assert "王网格" not in community
    assert re.search(r"<dd>\s*3 ", community)  # three grid workers in 和平社区's grids (t_grid_worker, 王, 赵)


def test_map_data_only_with_geometry(world, client_for, settings):
    admin = world.user(Role.DISTRICT_ADMIN)
    client = client_for(admin)
    assert "territory-map-data" not in main_text(client.get(detail(world.nodes["G1"])))
    services.update_node(world.nodes["P1"], actor=admin, geometry=SQUARE)
    services.update_node(world.nodes["B1"], actor=admin, geometry={"type": "Point", "coordinates": [104.05, 30.65]})
    body = main_text(client.get(detail(world.nodes["G1"])))
    data = json.loads(re.search(r'<script id="territory-map-data" type="application/json">(.*?)</script>', body,
                                re.S).group(1))
    assert [f["properties"]["code"] for f in data["features"]] == [world.nodes["P1"].code, world.nodes["B1"].code]
    assert 'data-tile-url=""' in body
    settings.SANSHE_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    assert 'data-tile-url="https://tiles.example.org/{z}/{x}/{y}.png"' in main_text(client.get(detail(world.nodes["G1"])))


def test_forms_for_the_district_admin(world, client_for):
    n = world.nodes
    client = client_for(world.user(Role.DISTRICT_ADMIN))
    url = reverse("territory:node_create", args=[n["C1"].pk])
    page = client.get(url).content.decode()
    assert 'placeholder="510199001001003"' in page
    response = client.post(url, {"name": "和平第三网格", "code": "", "geometry": json.dumps(SQUARE)})
    grid = Node.objects.get(name="和平第三网格")
    assert response.status_code == 302 and response["Location"] == detail(grid)
    assert grid.code == "510199001001003" and grid.level == Level.GRID and grid.geometry == SQUARE

    response = client.post(url, {"name": "坏网格", "code": "510199001002001", "geometry": ""})
    assert response.status_code == 200 and not Node.objects.filter(name="坏网格").exists()
    assert 'class="errorlist' in response.content.decode()
    response = client.post(url, {"name": "坏几何", "geometry": "{not json"})
    assert response.status_code == 200 and "geometry" in response.context["form"].errors

    edit = reverse("territory:node_edit", args=[grid.pk])
    page = client.get(edit).content.decode()
    assert 'value="和平第三网格"' in page and 'value="510199001001003"' in page and "104.1" in page
    response = client.post(edit, {"name": "和平三号网格", "code": "510199001001009", "geometry": ""})
    assert response.status_code == 302
    grid.refresh_from_db()
    assert (grid.name, grid.code, grid.geometry) == ("和平三号网格", "510199001001009", None)

    move = reverse("territory:node_move", args=[n["G2"].pk])
    form = client.get(move).context["form"]
    candidates = set(form.fields["new_parent"].queryset.values_list("code", flat=True))
    assert candidates == {"510199001002", "510199002001"}  # C2, C3: not C1 (its parent), not C4 (outside)
    response = client.post(move, {"new_parent": n["C2"].pk, "new_code": ""})
    assert response.status_code == 302
    assert Node.objects.get(pk=n["P2"].pk).code == "510199001002002001"
    response = client.post(move, {"new_parent": n["C4"].pk})
    assert response.status_code == 200 and "new_parent" in response.context["form"].errors

    retire = reverse("territory:node_retire", args=[n["P1"].pk])
    assert "1" in client.get(retire).context["warning"]
    response = client.post(retire, {"reason": "合并"})
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    response = client.post(retire, {"reason": ""})
    assert "reason" in response.context["form"].errors
    response = client.post(reverse("territory:node_retire", args=[n["B1"].pk]), {"reason": "拆除"})
    assert response.status_code == 302 and not Node.objects.get(pk=n["B1"].pk).is_active
    response = client.post(reverse("territory:node_reactivate", args=[n["B1"].pk]))
    assert response.status_code == 302 and Node.objects.get(pk=n["B1"].pk).is_active
    assert client.get(reverse("territory:node_reactivate", args=[n["B1"].pk])).status_code == 405


def test_errors_show_inline_in_chinese(world, client_for, zh_fragment):
    client = client_for(world.user(Role.DISTRICT_ADMIN))
    response = client.post(reverse("territory:node_create", args=[world.nodes["C1"].pk]),
                           {"name": "坏网格", "code": "510199001002001"})
    assert "编码须为上级编码 510199001001 加 3 位数字" in response.content.decode()


def test_manage_pages_outside_are_404_and_refused_without_permission(world, client_for):
    n = world.nodes
    client = client_for(world.user(Role.DISTRICT_ADMIN))
    assert client.get(reverse("territory:node_edit", args=[n["G5"].pk])).status_code == 404
    assert client.post(reverse("territory:node_create", args=[n["C4"].pk]), {"name": "x"}).status_code == 404
    assert client.get(reverse("territory:node_move", args=[n["D1"].pk])).status_code == 404
    assert client.get(reverse("territory:node_create", args=[n["B1"].pk])).status_code == 404

    client = client_for(world.user(Role.GRID_WORKER))
    assert client.get(reverse("territory:node_edit", args=[n["G1"].pk])).status_code == 403
    assert client.post(reverse("territory:node_create", args=[n["G1"].pk]), {"name": "x"}).status_code == 403
    assert client.post(reverse("territory:node_retire", args=[n["B1"].pk]), {"reason": "x"}).status_code == 403
    assert client.get(reverse("territory:import")).status_code == 403
    body = main_text(client.get(detail(n["G1"])))
    assert reverse("territory:node_edit", args=[n["G1"].pk]) not in body
    assert Node.objects.get(pk=n["B1"].pk).is_active


def _xlsx(rows):
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    out.seek(0)
    out.name = "区划.xlsx"
    return out


def test_import_page(world, client_for):
    client = client_for(world.user(Role.DISTRICT_ADMIN))
    url = reverse("territory:import")
    assert client.get(url).status_code == 200
    upload = _xlsx([["层级", "编码", "名称", "上级编码"],
                    ["网格", "510199001001003", "和平第三网格", "510199001001"],
                    ["网格", "510199001002009", "错编码", "510199001001"]])
    response = client.post(url, {"file": upload})
    assert response.status_code == 200
    result = response.context["result"]
    assert (result["created"], [(e["row"], e["column"]) for e in result["errors"]]) == (1, [(3, "编码")])
    body = main_text(response)
    assert '<td class="num">3</td>' in body
    assert Node.objects.filter(code="510199001001003").exists()

    response = client.post(url, {"file": io.BytesIO(b"hello"), "dry_run": "on"})
    assert response.status_code == 200 and "file" in response.context["form"].errors

    template = client.get(reverse("territory:import_template"))
    assert template.status_code == 200
    assert template["Content-Type"].startswith("application/vnd.openxmlformats")
    assert template.content[:2] == b"PK"


@pytest.mark.parametrize("role", [Role.STREET_OFFICIAL, Role.BUILDING_LEADER, Role.SUPERVISOR])
def test_every_staff_role_browses_its_own_top(world, client_for, role):
    client = client_for(world.user(role))
    body = main_text(client.get(reverse("territory:browser")))
    top = world.inside(role)
    assert detail(top) in body
    assert client.get(detail(top)).status_code == 200
    assert client.get(detail(world.outside(role))).status_code == 404
