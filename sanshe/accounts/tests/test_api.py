"""Accounts API: users, grants, me, tokens; token authentication; idempotent POST; errors in Chinese."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from sanshe.accounts import services
from sanshe.accounts.models import ApiToken, RoleGrant, User
from sanshe.accounts.roles import Role
from sanshe.core.models import AuditEntry
from sanshe.core.testing import PASSWORD, login_as

USERS = "/api/v1/accounts/users/"
GRANTS = "/api/v1/accounts/grants/"
ME = "/api/v1/accounts/me/"
TOKENS = "/api/v1/accounts/tokens/"


@pytest.fixture
def api():
    def make(user=None, token=None):
        client = APIClient()
        if token is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        elif user is not None:
            login_as(client, user)
        return client

    return make


def token_for(user) -> str:
    return services.create_api_token(user, actor=user, name="test")[1]


def test_token_authentication_and_revocation(world, api):
    user = world.user(Role.DISTRICT_ADMIN)
    token, key = services.create_api_token(user, actor=user, name="script")
    client = api(token=key)
    response = client.get(ME)
    assert response.status_code == 200
    assert response.json()["username"] == user.username
    token.refresh_from_db()
    assert token.last_used_at is not None
    services.revoke_api_token(token, actor=user)
    response = client.get(ME)
    assert response.status_code in (401, 403)
    assert response.json()["detail"] == "令牌无效或已被撤销。"
    assert api(token="not-a-key").get(ME).status_code in (401, 403)
    assert api().get(ME).status_code in (401, 403)


def test_token_of_an_inactive_user_is_refused(world, api):
    user = world.user(Role.GRID_WORKER)
    key = token_for(user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert api(token=key).get(ME).status_code in (401, 403)


def test_me(world, api):
    user = world.user(Role.DISTRICT_ADMIN)
    body = api(user).get(ME).json()
    assert body["roles"] == [Role.DISTRICT_ADMIN]
    assert "accounts.manage" in body["permissions"] and "audit.view" not in body["permissions"]
    assert body["grants"][0]["node_code"] == world.nodes["D1"].code
    assert body["grants"][0]["role_label"] == "区级管理员"
    assert body["second_factor_required"] is False


def test_user_list_is_scoped_and_filtered(world, api):
    User.objects.create_user("far_away", PASSWORD, district=world.nodes["D2"])
    client = api(token=token_for(world.user(Role.DISTRICT_ADMIN)))
    body = client.get(USERS).json()
    names = {u["username"] for u in body["results"]}
    assert "far_away" not in names and "t_grid_worker" in names
    assert body["count"] == User.objects.filter(district=world.nodes["D1"]).count()
    body = client.get(USERS, {"role": Role.GRID_WORKER}).json()
    assert [u["username"] for u in body["results"]] == ["t_grid_worker"]
    assert body["results"][0]["roles"][0]["node_name"] == "和平第一网格"
    body = client.get(USERS, {"q": "审计"}).json()
    assert [u["username"] for u in body["results"]] == ["t_audit_admin"]
    far = User.objects.get(username="far_away")
    assert client.get(f"{USERS}{far.pk}/").status_code == 404
    assert client.get(f"{USERS}{world.users['nobody'].pk}/").status_code == 200


def test_user_api_needs_the_role_permission(world, api):
    client = api(token=token_for(world.user(Role.COMMUNITY_WORKER)))
    assert client.get(USERS).status_code == 403
    assert client.post(USERS, {"username": "x"}, format="json").status_code == 403


def test_create_user_returns_the_generated_password_once(world, api):
    client = api(token=token_for(world.user(Role.DISTRICT_ADMIN)))
    response = client.post(USERS, {"username": "api_user", "full_name": "接口用户"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["district"] == world.nodes["D1"].pk and body["must_change_password"] is True
    user = User.objects.get(username="api_user")
    assert user.check_password(body["password"])
    assert client.get(f"{USERS}{user.pk}/").json().get("password") is None

    response = client.post(USERS, {"username": "api_user2", "password": "Qz-7Lmbr-k"}, format="json")
    assert response.status_code == 201 and response.json()["password"] is None


def test_create_user_is_idempotent(world, api):
    client = api(token=token_for(world.user(Role.DISTRICT_ADMIN)))
    payload = {"username": "once_only", "full_name": "只建一次"}
    first = client.post(USERS, payload, format="json", HTTP_IDEMPOTENCY_KEY="abc-123-def")
    second = client.post(USERS, payload, format="json", HTTP_IDEMPOTENCY_KEY="abc-123-def")
    assert first.status_code == second.status_code == 201
    assert second["Idempotent-Replayed"] == "true"
    # The replay is the same record; the one-time password is not kept at rest, so it is not repeated.
    assert first.json()["password"] and second.json()["password"] is None
    assert {**first.json(), "password": None} == second.json()
    from sanshe.core.models import IdempotencyRecord

    stored = IdempotencyRecord.objects.get(key="abc-123-def")
    assert first.json()["password"] not in str(stored.response_body)
    assert User.objects.filter(username="once_only").count() == 1
    assert AuditEntry.objects.filter(action="accounts.user.created", object_repr__contains="once_only").count() == 1
    # The same key for another request is refused.
    other = client.post(USERS, {"username": "someone_else"}, format="json", HTTP_IDEMPOTENCY_KEY="abc-123-def")
    assert other.status_code == 422
    assert not User.objects.filter(username="someone_else").exists()


def test_create_user_errors_are_400_with_field_errors_in_chinese(world, api):
    client = api(token=token_for(world.user(Role.DISTRICT_ADMIN)))
    response = client.post(USERS, {}, format="json")
    assert response.status_code == 400
    assert response.json()["username"][0] in ("这个字段是必填项。", "该字段是必填项。")
    response = client.post(USERS, {"username": "t_grid_worker"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"username": ["该用户名已被使用。"]}
    response = client.post(USERS, {"username": "weak_one", "password": "abcdefgh12"}, format="json")
    assert response.status_code == 400
    assert "至少包含 3 类字符" in response.json()["password"][0]
    response = client.post(USERS, {"username": "elsewhere", "district": world.nodes["D2"].pk}, format="json")
    assert response.status_code == 404


def test_partial_update_user(world, api):
    target = world.user(Role.VOLUNTEER)
    client = api(token=token_for(world.user(Role.DISTRICT_ADMIN)))
    response = client.patch(f"{USERS}{target.pk}/", {"full_name": "新名字", "is_active": False}, format="json")
    assert response.status_code == 200
    assert response.json()["full_name"] == "新名字" and response.json()["is_active"] is False
    assert client.put(f"{USERS}{target.pk}/", {"full_name": "x"}, format="json").status_code == 405
    assert client.delete(f"{USERS}{target.pk}/").status_code == 405


def test_grants_api(world, api):
    nobody = world.users["nobody"]
    actor = world.user(Role.DISTRICT_ADMIN)
    client = api(token=token_for(actor))
    response = client.post(GRANTS, {"user": nobody.pk, "role": Role.GRID_WORKER, "node": world.nodes["G1"].pk},
                           format="json")
    assert response.status_code == 201, response.content
    grant_id = response.json()["id"]
    assert response.json()["granted_by"] == actor.username

    listed = client.get(GRANTS, {"user": nobody.pk}).json()["results"]
    assert [g["id"] for g in listed] == [grant_id]

    wrong_level = client.post(GRANTS, {"user": nobody.pk, "role": Role.GRID_WORKER, "node": world.nodes["C1"].pk},
                              format="json")
    assert wrong_level.status_code == 400
    assert wrong_level.json()["node"][0].startswith("该角色只能在以下层级授予")

    outside = client.post(GRANTS, {"user": nobody.pk, "role": Role.GRID_WORKER, "node": world.nodes["G5"].pk},
                          format="json")
    assert outside.status_code == 404

    response = client.post(f"{GRANTS}{grant_id}/revoke/")
    assert response.status_code == 200 and response.json()["revoked_at"]
    assert client.get(GRANTS, {"user": nobody.pk, "active": "true"}).json()["count"] == 0


def test_grants_list_is_scoped(world, api):
    stranger = User.objects.create_user("far_away", PASSWORD, district=world.nodes["D2"])
    RoleGrant.objects.create(user=stranger, role=Role.RESIDENT, node=world.nodes["C4"])
    body = api(token=token_for(world.user(Role.DISTRICT_ADMIN))).get(GRANTS, {"page_size": 500}).json()
    assert "far_away" not in {g["username"] for g in body["results"]}
    assert body["count"] == RoleGrant.objects.filter(node__district=world.nodes["D1"]).count()


def test_tokens_api(world, api):
    user = world.user(Role.COMMUNITY_WORKER)
    client = api(user)
    response = client.post(TOKENS, {"name": "手机应用"}, format="json")
    assert response.status_code == 201
    key = response.json()["key"]
    assert api(token=key).get(ME).status_code == 200
    listed = client.get(TOKENS).json()["results"]
    assert [t["name"] for t in listed] == ["手机应用"] and "key" not in listed[0]
    token_id = listed[0]["id"]
    assert client.post(f"{TOKENS}{token_id}/revoke/").status_code == 200
    assert api(token=key).get(ME).status_code in (401, 403)

    # Another user's token is not reachable.
    other = world.user(Role.GRID_WORKER)
    other_token, _key = services.create_api_token(other, actor=other, name="x")
    assert client.post(f"{TOKENS}{other_token.pk}/revoke/").status_code == 404
    other_token.refresh_from_db()
    assert other_token.revoked_at is None


def test_admins_cannot_create_tokens(world, api):
    response = api(world.user(Role.SECURITY_ADMIN)).post(TOKENS, {"name": "x"}, format="json")
    assert response.status_code == 400
    assert response.json()["name"] == ["平台管理员账号不能创建 API 令牌。"]
    assert not ApiToken.objects.exists()
