"""Account pages: home per role, user list / create / detail / edit, profile, security."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from sanshe.accounts import services
from sanshe.accounts.models import ApiToken, User
from sanshe.accounts.roles import ADMIN_ROLES, Role
from sanshe.core.models import AuditEntry
from sanshe.core.testing import PASSWORD

ALL_ROLES = sorted(Role.values)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_home_for_every_role(world, client_for, role):
    user = world.user(role)
    response = client_for(user).get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert str(Role(role).label) in body                 # "my roles"
    assert world.inside(role).name in body               # the node of the grant
    if user.has_permission("territory.view"):
        area = response.context["areas"][0]
        assert area["node"] == world.inside(role)
        for child in area["children"]:
            assert child["node"].name in body


def test_home_of_a_street_official_counts_its_communities(world, client_for):
    response = client_for(world.user(Role.STREET_OFFICIAL)).get("/")
    area = response.context["areas"][0]
    assert [c["node"].name for c in area["children"]] == ["和平社区", "团结社区"]
    he_ping = area["children"][0]["counts"]
    assert [n for _label, n in he_ping] == [2, 2, 2]     # grids, compounds, buildings under 和平社区
    assert [n for _label, n in area["summary"]] == [2, 3, 3, 3]


def test_home_of_the_admin_roles(world, client_for, client):
    security = world.user(Role.SECURITY_ADMIN)
    for _i in range(5):
        client.post("/accounts/login/", {"username": "t_grid_worker", "password": "nope-Nope-1"})
    body = client_for(security).get("/").content.decode()
    assert "已锁定的账号" in body and "t_grid_worker" in body
    assert "未设置动态验证码的管理员" in body
    client.logout()

    audit_admin = world.user(Role.AUDIT_ADMIN)
    response = client_for(audit_admin).get("/")
    assert response.context["recent_audit"]
    assert "今日被拒绝的请求" in response.content.decode()
    client.logout()

    response = client_for(world.user(Role.SYSTEM_ADMIN)).get("/")
    assert response.context["account_count"] == User.objects.filter(district=world.nodes["D1"]).count()
    assert "后台任务进程" in response.content.decode()


def test_user_list_is_scoped_searchable_and_filtered(world, client_for):
    User.objects.create_user("far_away", PASSWORD, district=world.nodes["D2"])
    c = client_for(world.user(Role.DISTRICT_ADMIN))
    response = c.get(reverse("accounts:user_list"))
    assert response.status_code == 200
    names = {u.username for u in response.context["page"].object_list}
    assert "far_away" not in names and "t_grid_worker" in names
    assert response.context["page"].paginator.count == User.objects.filter(district=world.nodes["D1"]).count()

    found = c.get(reverse("accounts:user_list"), {"q": "网格员"}).context["page"].object_list
    assert [u.username for u in found] == ["t_grid_worker"]
    found = c.get(reverse("accounts:user_list"), {"role": Role.AUDIT_ADMIN}).context["page"].object_list
    assert [u.username for u in found] == ["t_audit_admin"]
    User.objects.filter(username="t_volunteer").update(is_active=False)
    found = c.get(reverse("accounts:user_list"), {"is_active": "false"}).context["page"].object_list
    assert [u.username for u in found] == ["t_volunteer"]
    # The htmx request gets the result block only.
    partial = c.get(reverse("accounts:user_list"), {"q": "t_grid"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    assert partial.content.decode().lstrip().startswith('<div id="results">')


def test_user_list_is_paginated(world, client_for):
    for i in range(30):
        User.objects.create_user(f"bulk{i:02d}", PASSWORD, district=world.nodes["D1"])
    c = client_for(world.user(Role.SECURITY_ADMIN))
    first = c.get(reverse("accounts:user_list"))
    assert len(first.context["page"].object_list) == 25
    second = c.get(reverse("accounts:user_list"), {"page": 2})
    assert second.context["page"].number == 2


@pytest.mark.parametrize("role", [Role.COMMUNITY_WORKER, Role.AUDIT_ADMIN, Role.RESIDENT])
def test_user_pages_need_accounts_view(world, client_for, role):
    c = client_for(world.user(role))
    assert c.get(reverse("accounts:user_list")).status_code == 403
    assert c.get(reverse("accounts:user_detail", kwargs={"pk": world.users["nobody"].pk})).status_code == 403


def test_user_detail_outside_the_district_is_404(world, client_for):
    stranger = User.objects.create_user("far_away", PASSWORD, district=world.nodes["D2"])
    c = client_for(world.user(Role.DISTRICT_ADMIN))
    assert c.get(reverse("accounts:user_detail", kwargs={"pk": stranger.pk})).status_code == 404
    assert c.get(reverse("accounts:user_detail", kwargs={"pk": 999999})).status_code == 404
    assert AuditEntry.objects.filter(action="permission.out_of_scope", object_id=str(stranger.pk)).exists()


def test_user_detail(world, client_for):
    target = world.user(Role.GRID_WORKER)
    c = client_for(world.user(Role.DISTRICT_ADMIN))
    response = c.get(reverse("accounts:user_detail", kwargs={"pk": target.pk}))
    body = response.content.decode()
    assert response.status_code == 200
    assert "网格员" in body and "和平第一网格" in body
    assert [g.can_revoke for g in response.context["current_grants"]] == [True]
    # The audit administrator's grant cannot be revoked by a district administrator: no button.
    response = c.get(reverse("accounts:user_detail", kwargs={"pk": world.users[Role.AUDIT_ADMIN].pk}))
    assert [g.can_revoke for g in response.context["current_grants"]] == [False]


def test_create_user_with_generated_password_and_first_role(world, client_for):
    actor = world.user(Role.DISTRICT_ADMIN)
    c = client_for(actor)
    page = c.get(reverse("accounts:user_create"))
    assert page.status_code == 200
    assert page.context["form"].fields["district"].initial == world.nodes["D1"].pk
    response = c.post(reverse("accounts:user_create"), {
        "username": "zhang_san", "full_name": "张三", "district": world.nodes["D1"].pk, "password": "",
        "role": Role.GRID_WORKER, "node": world.nodes["G2"].pk,
    })
    assert response.status_code == 200
    password = response.context["password"]
    assert password and password in response.content.decode()
    assert response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]
    user = User.objects.get(username="zhang_san")
    assert user.check_password(password) and user.must_change_password
    assert user.roles() == {Role.GRID_WORKER}
    assert AuditEntry.objects.filter(action="accounts.user.created", object_id=str(user.pk)).exists()
    assert password not in str(list(AuditEntry.objects.values_list("changes", flat=True)))


def test_create_user_with_a_chosen_password_and_errors_in_chinese(world, client_for):
    c = client_for(world.user(Role.SYSTEM_ADMIN))
    url = reverse("accounts:user_create")
    response = c.post(url, {"username": "li_si", "district": world.nodes["D1"].pk, "password": "short"})
    assert response.status_code == 200
    assert "密码长度太短" in response.content.decode()
    response = c.post(url, {"username": "t_grid_worker", "district": world.nodes["D1"].pk, "password": "Li-si-2024"})
    assert "该用户名已被使用" in response.content.decode()
    response = c.post(url, {"username": "li_si", "district": world.nodes["D1"].pk, "password": "Li-si-2024"})
    assert response.status_code == 302
    assert User.objects.get(username="li_si").check_password("Li-si-2024")
    # The system administrator may not grant roles: the form has no role fields.
    assert "role" not in c.get(url).context["form"].fields


def test_create_user_rolls_back_when_the_first_role_is_refused(world, client_for):
    c = client_for(world.user(Role.DISTRICT_ADMIN))
    response = c.post(reverse("accounts:user_create"), {
        "username": "wang_wu", "district": world.nodes["D1"].pk, "role": Role.GRID_WORKER,
        "node": world.nodes["C1"].pk,
    })
    assert response.status_code == 200
    assert not User.objects.filter(username="wang_wu").exists()


def test_create_user_refused_without_accounts_manage(world, client_for):
    c = client_for(world.user(Role.SECURITY_ADMIN))
    assert c.get(reverse("accounts:user_create")).status_code == 403


def test_edit_user_and_reset_password(world, client_for):
    target = world.user(Role.VOLUNTEER)
    c = client_for(world.user(Role.DISTRICT_ADMIN))
    url = reverse("accounts:user_edit", kwargs={"pk": target.pk})
    assert c.get(url).status_code == 200
    response = c.post(url, {"full_name": "赵六"})           # unchecked box: deactivate
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.full_name == "赵六" and not target.is_active
    assert AuditEntry.objects.filter(action="accounts.user.deactivated", object_id=str(target.pk)).exists()

    response = c.post(url, {"reset_password": "1"})
    password = response.context["password"]
    target.refresh_from_db()
    assert target.check_password(password) and target.must_change_password
    assert password in response.content.decode()


def test_edit_own_account_cannot_deactivate(world, client_for):
    actor = world.user(Role.DISTRICT_ADMIN)
    c = client_for(actor)
    response = c.post(reverse("accounts:user_edit", kwargs={"pk": actor.pk}), {"full_name": "x"})
    assert response.status_code == 200 and "不能停用自己的账号" in response.content.decode()


def test_security_page(world, client_for):
    audit_admin = world.user(Role.AUDIT_ADMIN)
    TOTPDevice.objects.create(user=audit_admin, name="phone", confirmed=True)
    response = client_for(world.user(Role.SECURITY_ADMIN)).get(reverse("accounts:security"))
    assert response.status_code == 200
    rows = dict((u.username, has) for u, has in response.context["admin_rows"])
    assert rows["t_audit_admin"] is True and rows["t_system_admin"] is False
    body = response.content.decode()
    assert "现行安全策略" in body and "空闲会话超时" in body
    assert re.search(r"<dd>\s*30\s*</dd>", body) and re.search(r"<dd>\s*12\s*</dd>", body)


@pytest.mark.parametrize("role", sorted(set(Role.values) - {Role.SECURITY_ADMIN}))
def test_security_page_needs_security_manage(world, client_for, role):
    assert client_for(world.user(role)).get(reverse("accounts:security")).status_code == 403


def test_profile_tokens(world, client_for):
    user = world.user(Role.COMMUNITY_WORKER)
    c = client_for(user)
    response = c.post(reverse("accounts:profile"), {"name": "报表脚本"})
    assert response.status_code == 200
    key = response.context["new_key"]
    assert key in response.content.decode()
    token = ApiToken.objects.get(user=user)
    assert token.key_hash == ApiToken.hash_key(key) and key not in token.key_hash
    # Shown once: the next view of the page does not show it.
    assert key not in c.get(reverse("accounts:profile")).content.decode()
    response = c.post(reverse("accounts:profile"), {"revoke": token.pk})
    token.refresh_from_db()
    assert response.status_code == 302 and token.revoked_at is not None


def test_admin_profile_cannot_create_tokens(world, client_for):
    c = client_for(world.user(Role.AUDIT_ADMIN))
    response = c.post(reverse("accounts:profile"), {"name": "x"})
    assert "平台管理员账号不能创建 API 令牌" in response.content.decode()
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("role", sorted(ADMIN_ROLES | {Role.DISTRICT_ADMIN, Role.GRID_WORKER}))
def test_profile_and_password_pages_render(world, client_for, role):
    c = client_for(world.user(role))
    assert c.get(reverse("accounts:profile")).status_code == 200
    assert c.get(reverse("accounts:password_change")).status_code == 200


def test_logout_is_post_only(world, client_for):
    c = client_for(world.user(Role.GRID_WORKER))
    assert c.get(reverse("accounts:logout")).status_code == 405
    assert c.post(reverse("accounts:logout")).status_code == 302
    assert c.get("/").status_code == 302


def test_user_names_are_unique_whatever_the_case(world):
    with pytest.raises(ValidationError) as exc:
        services.create_user(actor=world.user(Role.DISTRICT_ADMIN), username="T_GRID_WORKER",
                             district=world.nodes["D1"])
    assert exc.value.message_dict["username"] == ["该用户名已被使用。"]
