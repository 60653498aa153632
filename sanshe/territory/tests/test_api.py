"""The territory API: scoping, filters, writes through the services, idempotency, errors in Chinese."""

import json

import pytest
from django.urls import reverse

from sanshe.accounts.roles import Role
from sanshe.core.models import AuditEntry
from sanshe.territory.models import Node

LIST = reverse("territory-node-list")


def url(node, action=None):
    if action:
        return reverse(f"territory-node-{action}", args=[node.pk])
    return reverse("territory-node-detail", args=[node.pk])


def post(client, path, data, **headers):
    return client.post(path, json.dumps(data), content_type="application/json", **headers)


def codes(response):
    assert response.status_code == 200, response.content
    return [row["code"] for row in response.json()["results"]]


def test_list_is_scoped(world, client_for):
    found = codes(client_for(world.user(Role.GRID_WORKER)).get(LIST))
    assert found and all(code.startswith(world.nodes["G1"].code) for code in found)
    found = codes(client_for(world.user(Role.DISTRICT_ADMIN)).get(LIST))
    assert "510199" in found and not any(code.startswith("510198") for code in found)
    assert found == sorted(found)


def test_list_filters(world, client_for):
    client = client_for(world.user(Role.DISTRICT_ADMIN))
    n = world.nodes
    assert codes(client.get(LIST, {"level": "grid"})) == [n[k].code for k in ("G1", "G2", "G3", "G4")]
    assert codes(client.get(LIST, {"parent": n["C1"].pk})) == [n["G1"].code, n["G2"].code]
    assert codes(client.get(LIST, {"code": n["S2"].code})) == [n["S2"].code]
    assert codes(client.get(LIST, {"q": "团结"})) == [n["C2"].code, n["G3"].code, n["P3"].code]
    assert codes(client.get(LIST, {"q": "5101990020", "level": "community"})) == [n["C3"].code]
    assert codes(client.get(LIST, {"is_active": "false"})) == []
    assert codes(client.get(LIST, {"level": "grid", "parent": n["C4"].pk})) == []


def test_retrieve_with_ancestors_and_counts_and_404_outside(world, client_for):
    client = client_for(world.user(Role.STREET_OFFICIAL))
    data = client.get(url(world.nodes["C1"])).json()
    assert [a["code"] for a in data["ancestors"]] == ["510199", "510199001000"]
    assert data["counts"] == {"grid": 2, "compound": 2, "building": 2}
    assert client.get(url(world.nodes["C3"])).status_code == 404
    assert client.get(url(world.nodes["C4"])).status_code == 404
    assert AuditEntry.objects.filter(action="permission.out_of_scope", object_id=str(world.nodes["C3"].pk)).exists()


def test_create_patch_move_retire_reactivate(world, client_for):
    n = world.nodes
    client = client_for(world.user(Role.DISTRICT_ADMIN))
    response = post(client, LIST, {"level": "grid", "parent": n["C1"].pk, "name": "和平第三网格"})
    assert response.status_code == 201, response.content
    grid = Node.objects.get(pk=response.json()["id"])
    assert grid.code == "510199001001003" == response.json()["code"]
    assert response.json()["ancestors"][-1]["id"] == n["C1"].pk

    response = client.patch(url(grid), json.dumps({"name": "和平三号网格", "geometry": {
        "type": "Point", "coordinates": [104.06, 30.67]}}), content_type="application/json")
    assert response.status_code == 200, response.content
    grid.refresh_from_db()
    assert grid.name == "和平三号网格" and grid.geometry["type"] == "Point" and grid.code == "510199001001003"
    assert client.put(url(grid), "{}", content_type="application/json").status_code == 405

    response = post(client, url(n["G2"], "move"), {"new_parent": n["C2"].pk})
    assert response.status_code == 200, response.content
    assert response.json()["code"] == "510199001002002"
    assert Node.objects.get(pk=n["B2"].pk).community_id == n["C2"].pk

    response = post(client, url(n["B1"], "retire"), {"reason": "拆除"})
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert codes(client.get(LIST, {"is_active": "false"})) == [n["B1"].code]
    response = post(client, url(n["B1"], "reactivate"), {})
    assert response.status_code == 200 and response.json()["is_active"] is True


def test_writes_outside_scope_are_404_and_without_permission_403(world, client_for):
    n = world.nodes
    client = client_for(world.user(Role.DISTRICT_ADMIN))
    assert client.patch(url(n["G5"]), json.dumps({"name": "x"}), content_type="application/json").status_code == 404
    assert post(client, url(n["B5"], "retire"), {"reason": "x"}).status_code == 404
    response = post(client, url(n["G2"], "move"), {"new_parent": n["C4"].pk})
    assert response.status_code == 400 and "new_parent" in response.json()
    response = post(client, LIST, {"level": "grid", "parent": n["C4"].pk, "name": "外面"})
    assert response.status_code == 400 and "parent" in response.json()

    client = client_for(world.user(Role.GRID_WORKER))
    assert post(client, LIST, {"level": "compound", "parent": n["G1"].pk, "name": "x"}).status_code == 403
    assert post(client, url(n["B1"], "retire"), {"reason": "x"}).status_code == 403
    assert client.patch(url(n["G1"]), json.dumps({"name": "x"}), content_type="application/json").status_code == 403
    assert not Node.objects.filter(name="x").exists()


def test_idempotency_key_creates_one_node(world, client_for):
    client = client_for(world.user(Role.DISTRICT_ADMIN))
    body = {"level": "compound", "parent": world.nodes["G1"].pk, "name": "幸福小区"}
    first = post(client, LIST, body, HTTP_IDEMPOTENCY_KEY="create-xingfu-1")
    second = post(client, LIST, body, HTTP_IDEMPOTENCY_KEY="create-xingfu-1")
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert second["Idempotent-Replayed"] == "true"
    assert Node.objects.filter(name="幸福小区").count() == 1
    assert AuditEntry.objects.filter(action="territory.node.created", object_id=str(first.json()["id"])).count() == 1
    other = post(client, LIST, {**body, "name": "别的小区"}, HTTP_IDEMPOTENCY_KEY="create-xingfu-1")
    assert other.status_code == 422


def test_field_errors_are_400_in_chinese(world, client_for, zh_fragment):
    n = world.nodes
    client = client_for(world.user(Role.DISTRICT_ADMIN))
    response = post(client, LIST, {"level": "grid", "parent": n["C1"].pk})
    assert response.status_code == 400
    assert response.json() == {"name": ["该字段是必填项。"]}
    response = post(client, LIST, {"level": "grid", "parent": n["C1"].pk, "name": "坏", "code": "510199001002001"})
    assert response.status_code == 400
    assert response.json() == {"code": ["编码须为上级编码 510199001001 加 3 位数字。"]}
    response = post(client, LIST, {"level": "grid", "parent": n["C1"].pk, "name": "坏", "geometry": {"type": "Line"}})
    assert response.json() == {"geometry": ["几何类型须为 Point、Polygon 或 MultiPolygon。"]}
    response = post(client, url(n["P1"], "retire"), {"reason": "合并"})
    assert response.status_code == 400 and response.json() == {"node": ["请先撤销或移走其 1 个有效下级节点。"]}
    response = post(client, url(n["B1"], "retire"), {})
    assert response.json() == {"reason": ["该字段是必填项。"]}


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.AUDIT_ADMIN, Role.VOLUNTEER])
def test_roles_without_territory_view_get_403(world, client_for, role):
    assert client_for(world.user(role)).get(LIST).status_code == 403
