"""Registry API: scoping, masking, the blind-index lookup, writes through the services, idempotent POSTs."""

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from drf_spectacular.generators import SchemaGenerator

from sanshe.accounts.roles import ROLE_SPECS, Perm, Role
from sanshe.core.models import AuditEntry
from sanshe.core.testing import login_as
from sanshe.territory.choices import ResidentStatus
from sanshe.territory.models import Resident, ResidentTag, ResidentUnit
from sanshe.territory.tests.matrix_registry_search import _CREATES

from .test_registry_search import _credit_code, household_at, make_id, put, tag

API = "/api/v1/registry/"


def api(client, method, path, data=None, **headers):
    return client.generic(method, API + path, json.dumps(data or {}), content_type="application/json", **headers)


@pytest.fixture
def as_role(world):
    def make(role):
        client = Client()
        login_as(client, world.user(role))
        return client

    return make


def test_grid_worker_sees_only_his_grid(world, as_role):
    mine = put(world, "B1", name="一网格")
    other = put(world, "G2", name="二网格")
    far = put(world, "B5", name="邻区")
    grid = as_role(Role.GRID_WORKER)
    body = grid.get(API + "residents/").json()
    assert [r["name"] for r in body["results"]] == ["一网格"]
    assert grid.get(API + f"residents/{mine.pk}/").status_code == 200
    assert grid.get(API + f"residents/{other.pk}/").status_code == 404
    assert grid.get(API + f"residents/{far.pk}/").status_code == 404
    assert AuditEntry.objects.filter(action="permission.out_of_scope", object_id=str(other.pk)).exists()
    households = grid.get(API + "households/").json()["results"]
    assert [h["id"] for h in households] == [mine.household_id]
    admin = as_role(Role.DISTRICT_ADMIN)
    assert {r["name"] for r in admin.get(API + "residents/").json()["results"]} == {"一网格", "二网格"}


@pytest.mark.parametrize("role", [r for r in Role.values if Perm.REGISTRY_VIEW in ROLE_SPECS[r].permissions])
def test_every_response_is_masked(world, as_role, role):
    number = make_id()
    resident = put(world, "B1", name="掩码", id_number=number, phone="13812345678")
    tag(resident, "unemployed")
    client = as_role(role)
    bodies = [
        client.get(API + "residents/").content, client.get(API + f"residents/{resident.pk}/").content,
        client.get(API + "residents/", {"id_number": number}).content, client.get(API + "tags/").content,
        client.get(API + "households/").content,
    ]
    for body in bodies:
        text = body.decode()
        assert number not in text and "13812345678" not in text
    row = json.loads(bodies[0])["results"][0]
    assert row["id_number_masked"] == number[:6] + "********" + number[-4:] and row["phone_masked"] == "138****5678"
    assert "id_number" not in row and "phone" not in row
    assert [r["name"] for r in json.loads(bodies[2])["results"]] == ["掩码"]


def test_filters_and_blind_index_lookup(world, as_role):
    number = next(n for n in (make_id(seq=f"{s:03d}") for s in range(1, 999)) if n.endswith("X"))
    put(world, name="王五", id_number=number, phone="13812345678")
    put(world, name="王六")
    client = as_role(Role.COMMUNITY_WORKER)

    def found(**params):
        response = client.get(API + "residents/", params)
        assert response.status_code == 200, response.content
        return [r["name"] for r in response.json()["results"]]

    assert found(id_number=number.lower()) == ["王五"]
    assert found(id_number=number[:10]) == []
    assert found(phone="138-1234-5678") == ["王五"]
    assert found(name="王") == ["王五", "王六"]
    assert found(name="六", name_match="contains") == ["王六"]
    assert found(status="moved_out") == []
    assert client.get(API + "residents/", {"age_min": "x"}).status_code == 400


def test_list_queries_do_not_grow_with_rows(world, as_role):
    household = household_at(world, "B1")
    client = as_role(Role.COMMUNITY_WORKER)
    for i in range(3):
        tag(put(world, name=f"甲{i}", household=household), "unemployed")
    with CaptureQueriesContext(connection) as few:
        assert client.get(API + "residents/").status_code == 200
    for i in range(20):
        tag(put(world, name=f"乙{i}", household=household), "unemployed")
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(API + "residents/").json()["results"]) == 23
    assert len(few.captured_queries) == len(many.captured_queries)


def test_create_is_idempotent_and_masked(world, as_role):
    household = household_at(world, "B1")
    client = as_role(Role.COMMUNITY_WORKER)
    number = make_id()
    data = {"household": household.pk, "name": "新来的", "id_number": number.lower(), "phone": "13812345678",
            "relation": "head"}
    first = api(client, "POST", "residents/", data, HTTP_IDEMPOTENCY_KEY="k-1")
    second = api(client, "POST", "residents/", data, HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201, first.content
    assert second.status_code == 201 and second["Idempotent-Replayed"] == "true"
    assert Resident.objects.filter(name="新来的").count() == 1
    assert first.json() == second.json()
    assert number not in first.content.decode() and first.json()["birth_date"] == "1980-01-01"
    assert AuditEntry.objects.filter(action="registry.resident.registered").count() == 1
    bad = api(client, "POST", "residents/", {**data, "id_number": number[:-1] + "0" if number[-1] != "0" else "1"})
    assert bad.status_code == 400 and "id_number" in bad.json()
    # A household outside the worker's community reads as "does not exist".
    outside = household_at(world, "G3")
    refused = api(client, "POST", "residents/", {"household": outside.pk, "name": "外"})
    assert refused.status_code == 400 and "household" in refused.json()


def test_update_and_life_events(world, as_role):
    client = as_role(Role.GRID_WORKER)
    resident = put(world, "B1", name="老王", phone="13812345678")
    response = api(client, "PATCH", f"residents/{resident.pk}/", {"phone": "139 0000 1111", "note": "换号"})
    assert response.status_code == 200 and response.json()["phone_masked"] == "139****1111"
    assert "13900001111" not in response.content.decode()
    other = household_at(world, "B1")
    response = api(client, "POST", f"residents/{resident.pk}/transfer/", {"to_household": other.pk,
                                                                           "date": "2026-01-01"})
    assert response.status_code == 200 and response.json()["household"] == other.pk
    response = api(client, "POST", f"residents/{resident.pk}/move-out/", {"date": "2026-02-01", "note": "外迁"})
    assert response.status_code == 200 and response.json()["status"] == ResidentStatus.MOVED_OUT
    response = api(client, "POST", f"residents/{resident.pk}/death/", {"date": "2026-02-02"})
    assert response.status_code == 400 and "status" in response.json()
    far = put(world, "G2", name="别处")
    assert api(client, "PATCH", f"residents/{far.pk}/", {"note": "x"}).status_code == 404
    assert api(as_role(Role.DISTRICT_ADMIN), "PATCH", f"residents/{resident.pk}/", {"note": "x"}).status_code == 403


def test_unmask(world, as_role):
    number = make_id()
    resident = put(world, "B1", name="查看", id_number=number, phone="13812345678")
    cw = as_role(Role.COMMUNITY_WORKER)
    response = api(cw, "POST", f"residents/{resident.pk}/unmask/", {"field": "id_number", "reason": "核对低保"})
    assert response.status_code == 200 and response.json() == {"field": "id_number", "value": number}
    entry = AuditEntry.objects.get(action="registry.resident.unmasked")
    assert entry.message == "核对低保" and number not in json.dumps(entry.changes)
    assert api(cw, "POST", f"residents/{resident.pk}/unmask/", {"field": "phone", "reason": ""}).status_code == 400
    grid = as_role(Role.GRID_WORKER)
    assert api(grid, "POST", f"residents/{resident.pk}/unmask/", {"field": "phone", "reason": "想看"}).status_code == 403
    street = as_role(Role.STREET_OFFICIAL)
    far = put(world, "G4", name="光明街道的人", phone="13900001111")
    assert api(street, "POST", f"residents/{far.pk}/unmask/", {"field": "phone", "reason": "想看"}).status_code == 404


def test_tags_and_tag_types(world, as_role):
    resident = put(world, "B1", name="标签", birth_date=None)
    client = as_role(Role.GRID_WORKER)
    response = api(client, "POST", "tags/", {"resident": resident.pk, "tag_type": "disabled"})
    assert response.status_code == 400 and "details" in response.json()
    response = api(client, "POST", "tags/", {"resident": resident.pk, "tag_type": "disabled",
                                             "details": {"grade": "二级"}})
    assert response.status_code == 201 and response.json()["code"] == "disabled"
    assert api(client, "POST", "tags/", {"resident": resident.pk, "tag_type": "elderly"}).status_code == 400
    detail = client.get(API + f"residents/{resident.pk}/").json()
    assert [t["code"] for t in detail["tags"]] == ["disabled"]
    tag_pk = response.json()["id"]
    ended = api(client, "POST", f"tags/{tag_pk}/end/", {"valid_to": "2026-01-01"})
    assert ended.status_code == 200 and ended.json()["valid_to"] == "2026-01-01"
    assert ResidentTag.objects.get(pk=tag_pk).valid_to.isoformat() == "2026-01-01"
    types = client.get(API + "tag-types/").json()["results"]
    assert types[0]["code"] == "elderly" and types[0]["derived_min_age"] == 60
    assert api(client, "POST", "tag-types/", {"code": "x", "name": "x"}).status_code in (403, 405)


def test_resident_units(world, as_role):
    code = _credit_code()
    cw = as_role(Role.COMMUNITY_WORKER)
    response = api(cw, "POST", "resident-units/", {"name": "和平医院", "kind": "hospital", "node": world.nodes["C1"].pk,
                                                   "credit_code": code.lower(), "contact_phone": "13812345678"})
    assert response.status_code == 201, response.content
    assert response.json()["credit_code"] == code
    unit_pk = response.json()["id"]
    response = api(cw, "PATCH", f"resident-units/{unit_pk}/", {"is_active": False, "credit_code": "123"})
    assert response.status_code == 400 and "credit_code" in response.json()
    response = api(cw, "PATCH", f"resident-units/{unit_pk}/", {"is_active": False})
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert api(cw, "POST", "resident-units/", {"name": "外", "node": world.nodes["C2"].pk}).status_code == 400
    admin = as_role(Role.DISTRICT_ADMIN)
    assert api(admin, "POST", "resident-units/", {"name": "区", "node": world.nodes["C1"].pk}).status_code == 403
    assert [u["id"] for u in admin.get(API + "resident-units/").json()["results"]] == [unit_pk]
    grid = as_role(Role.GRID_WORKER)
    assert grid.get(API + f"resident-units/{unit_pk}/").status_code == 404  # at community level, above his grid
    assert ResidentUnit.objects.count() == 1


@pytest.mark.parametrize("name", sorted(_CREATES))
def test_create_routes_for_every_role(world, name):
    """POST on each list route: 201 for roles with registry.manage, 403 for the others (like the matrix)."""
    path = {"registry-resident-list": "residents/", "registry-household-list": "households/",
            "registry-dwelling-list": "dwellings/", "registry-tag-list": "tags/",
            "registry-resident-unit-list": "resident-units/"}[name]
    failures = []
    for role in Role.values:
        client = Client()
        login_as(client, world.user(role))
        response = api(client, "POST", path, _CREATES[name](world, role))
        expected = 201 if Perm.REGISTRY_MANAGE in ROLE_SPECS[role].permissions else 403
        if response.status_code != expected:
            failures.append(f"{role}: {response.status_code} {response.content[:200]!r}")
    assert not failures, failures


def test_schema_documents_the_registry():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = schema["paths"]
    for path in ("/api/v1/registry/residents/", "/api/v1/registry/residents/{id}/unmask/",
                 "/api/v1/registry/resident-units/{id}/", "/api/v1/registry/tag-types/"):
        assert path in paths
    params = {p["name"] for p in paths["/api/v1/registry/residents/"]["get"]["parameters"]}
    assert {"id_number", "phone", "tag", "age_min", "age_max", "node", "registration_kind"} <= params
    resident = schema["components"]["schemas"]["Resident"]["properties"]
    assert "id_number_masked" in resident and "id_number" not in resident and "phone" not in resident
