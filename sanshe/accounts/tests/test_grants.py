"""Role grant rules, enforced by the service and reached through the pages and the API alike."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from sanshe.accounts import services
from sanshe.accounts.models import RoleGrant, User
from sanshe.accounts.roles import ADMIN_ROLES, Role
from sanshe.core.exceptions import Denied, OutOfScope
from sanshe.core.models import AuditEntry
from sanshe.core.testing import PASSWORD


@pytest.fixture
def fresh(world):
    """An account of the first district with no role."""
    return User.objects.get(username="t_nobody")


def test_district_admin_grants_a_business_role(world, fresh):
    actor = world.user(Role.DISTRICT_ADMIN)
    grant = services.grant_role(fresh, actor=actor, role=Role.GRID_WORKER, node=world.nodes["G1"])
    assert grant.granted_by == actor
    fresh.refresh_from_db()
    assert fresh.roles() == {Role.GRID_WORKER}
    entry = AuditEntry.objects.get(action="accounts.role.granted", object_id=str(grant.pk))
    assert entry.changes["role"] == Role.GRID_WORKER and entry.changes["node"] == world.nodes["G1"].code


def test_a_user_may_hold_several_roles(world, fresh):
    actor = world.user(Role.DISTRICT_ADMIN)
    services.grant_role(fresh, actor=actor, role=Role.GRID_WORKER, node=world.nodes["G1"])
    services.grant_role(fresh, actor=actor, role=Role.GRID_WORKER, node=world.nodes["G2"])
    services.grant_role(fresh, actor=actor, role=Role.VOLUNTEER, node=world.nodes["C1"])
    assert RoleGrant.objects.active().filter(user=fresh).count() == 3
    with pytest.raises(ValidationError) as exc:
        services.grant_role(fresh, actor=actor, role=Role.GRID_WORKER, node=world.nodes["G1"])
    assert "已担任此角色" in str(exc.value)


def test_two_admin_roles_are_refused(world, fresh):
    security = world.user(Role.SECURITY_ADMIN)
    services.grant_role(fresh, actor=security, role=Role.AUDIT_ADMIN, node=world.nodes["D1"])
    with pytest.raises(ValidationError) as exc:
        services.grant_role(fresh, actor=security, role=Role.SYSTEM_ADMIN, node=world.nodes["D1"])
    assert "只能担任系统管理员、安全管理员、审计管理员中的一个角色" in exc.value.message_dict["role"][0]
    assert fresh.grants.active().count() == 1


def test_admin_plus_business_role_is_refused_both_ways(world, fresh):
    security = world.user(Role.SECURITY_ADMIN)
    services.grant_role(fresh, actor=security, role=Role.SECURITY_ADMIN, node=world.nodes["D1"])
    with pytest.raises(ValidationError) as exc:
        services.grant_role(fresh, actor=security, role=Role.COMMUNITY_WORKER, node=world.nodes["C1"])
    assert "不能同时担任业务角色" in exc.value.message_dict["role"][0]

    worker = world.user(Role.GRID_WORKER)
    with pytest.raises(ValidationError) as exc:
        services.grant_role(worker, actor=security, role=Role.AUDIT_ADMIN, node=world.nodes["D1"])
    assert "不能同时担任业务角色" in exc.value.message_dict["role"][0]


def test_the_database_refuses_a_second_admin_role_too(world, fresh):
    from django.db import IntegrityError, transaction

    RoleGrant.objects.create(user=fresh, role=Role.AUDIT_ADMIN, node=world.nodes["D1"])
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleGrant.objects.create(user=fresh, role=Role.SECURITY_ADMIN, node=world.nodes["D1"])


def test_self_grant_is_refused(world):
    actor = world.user(Role.DISTRICT_ADMIN)
    with pytest.raises(ValidationError) as exc:
        services.grant_role(actor, actor=actor, role=Role.COMMUNITY_WORKER, node=world.nodes["C1"])
    assert "不能给自己授予角色" in exc.value.message_dict["user"][0]


def test_wrong_level_is_refused(world, fresh):
    actor = world.user(Role.DISTRICT_ADMIN)
    with pytest.raises(ValidationError) as exc:
        services.grant_role(fresh, actor=actor, role=Role.GRID_WORKER, node=world.nodes["C1"])
    assert exc.value.message_dict["node"][0].startswith("该角色只能在以下层级授予：")


def test_out_of_scope_node_is_404(world, fresh):
    actor = world.user(Role.DISTRICT_ADMIN)
    with pytest.raises(OutOfScope):
        services.grant_role(fresh, actor=actor, role=Role.GRID_WORKER, node=world.nodes["G5"])


def test_out_of_scope_account_is_404(world):
    stranger = User.objects.create_user("far_away", PASSWORD, district=world.nodes["D2"])
    with pytest.raises(OutOfScope):
        services.grant_role(stranger, actor=world.user(Role.DISTRICT_ADMIN), role=Role.RESIDENT,
                            node=world.nodes["C1"])


def test_district_admin_cannot_grant_admin_roles(world, fresh):
    actor = world.user(Role.DISTRICT_ADMIN)
    for role in ADMIN_ROLES:
        with pytest.raises(Denied):
            services.grant_role(fresh, actor=actor, role=role, node=world.nodes["D1"])
    assert not fresh.grants.exists()


def test_district_admin_cannot_grant_admin_roles_through_the_page(world, fresh, client_for):
    c = client_for(world.user(Role.DISTRICT_ADMIN))
    url = reverse("accounts:grant_create", kwargs={"pk": fresh.pk})
    page = c.get(url)
    assert page.status_code == 200
    roles_offered = {value for value, _label in page.context["form"].fields["role"].choices}
    assert not roles_offered & ADMIN_ROLES and Role.GRID_WORKER in roles_offered
    # Forged POST: the form refuses a role it does not offer; the service would answer 403.
    response = c.post(url, {"role": Role.AUDIT_ADMIN, "node": world.nodes["D1"].pk})
    assert response.status_code == 200 and not fresh.grants.exists()


def test_district_admin_cannot_grant_admin_roles_through_the_api(world, fresh, client_for):
    c = client_for(world.user(Role.DISTRICT_ADMIN))
    response = c.post("/api/v1/accounts/grants/", {"user": fresh.pk, "role": Role.AUDIT_ADMIN,
                                                   "node": world.nodes["D1"].pk}, content_type="application/json")
    assert response.status_code == 403
    assert AuditEntry.objects.filter(action="permission.denied", message__contains="accounts.grant_admin").exists()


def test_security_admin_grants_admin_roles(world, fresh, client_for):
    c = client_for(world.user(Role.SECURITY_ADMIN))
    url = reverse("accounts:grant_create", kwargs={"pk": fresh.pk})
    response = c.post(url, {"role": Role.AUDIT_ADMIN, "node": world.nodes["D1"].pk})
    assert response.status_code == 302
    assert fresh.roles() == {Role.AUDIT_ADMIN}
    assert fresh.needs_second_factor


def test_roles_without_grant_permission_get_403(world, fresh, client_for):
    for role in (Role.SYSTEM_ADMIN, Role.COMMUNITY_WORKER):
        c = client_for(world.user(role))
        url = reverse("accounts:grant_create", kwargs={"pk": fresh.pk})
        assert c.get(url).status_code == 403
        c.logout()


def test_revoke(world, fresh, client_for):
    actor = world.user(Role.DISTRICT_ADMIN)
    grant = services.grant_role(fresh, actor=actor, role=Role.GRID_WORKER, node=world.nodes["G1"])
    c = client_for(actor)
    assert c.get(reverse("accounts:grant_revoke", kwargs={"pk": grant.pk})).status_code == 405
    response = c.post(reverse("accounts:grant_revoke", kwargs={"pk": grant.pk}))
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.revoked_at is not None and grant.revoked_by == actor
    assert AuditEntry.objects.filter(action="accounts.role.revoked", object_id=str(grant.pk)).exists()
    # The revoked grant stays in the history.
    page = c.get(reverse("accounts:user_detail", kwargs={"pk": fresh.pk}))
    assert grant in page.context["history"] and grant not in page.context["current_grants"]


def test_revoking_ones_own_role_is_refused(world, client_for):
    actor = world.user(Role.DISTRICT_ADMIN)
    own = actor.grants.active().get()
    c = client_for(actor)
    response = c.post(reverse("accounts:grant_revoke", kwargs={"pk": own.pk}), follow=True)
    assert "不能撤销自己的角色" in response.content.decode()
    own.refresh_from_db()
    assert own.revoked_at is None


def test_district_admin_cannot_revoke_admin_roles(world, client_for):
    audit_grant = world.user(Role.AUDIT_ADMIN).grants.active().get()
    c = client_for(world.user(Role.DISTRICT_ADMIN))
    assert c.post(reverse("accounts:grant_revoke", kwargs={"pk": audit_grant.pk})).status_code == 403
    audit_grant.refresh_from_db()
    assert audit_grant.revoked_at is None


def test_revoke_out_of_scope_is_404(world, client_for):
    stranger = User.objects.create_user("far_away", PASSWORD, district=world.nodes["D2"])
    grant = RoleGrant.objects.create(user=stranger, role=Role.RESIDENT, node=world.nodes["C4"])
    c = client_for(world.user(Role.DISTRICT_ADMIN))
    assert c.post(reverse("accounts:grant_revoke", kwargs={"pk": grant.pk})).status_code == 404


def test_grant_page_offers_only_nodes_in_reach_and_at_the_roles_levels(world, fresh, client_for):
    c = client_for(world.user(Role.DISTRICT_ADMIN))
    url = reverse("accounts:grant_create", kwargs={"pk": fresh.pk})
    def shown(params):
        response = c.get(url, params, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        body = response.content.decode()
        assert body.lstrip().startswith('<div id="node-picker"')
        return {int(v) for v in re.findall(r'<option value="(\d+)"', body)}

    assert shown({"role": Role.GRID_WORKER}) == {world.nodes[g].pk for g in ("G1", "G2", "G3", "G4")}
    assert shown({"role": Role.GRID_WORKER, "q": "和平"}) == {world.nodes["G1"].pk, world.nodes["G2"].pk}
    assert shown({"role": Role.STREET_OFFICIAL}) == {world.nodes["S1"].pk, world.nodes["S2"].pk}
    # A node outside the district cannot be chosen even when forged.
    response = c.post(url, {"role": Role.GRID_WORKER, "node": world.nodes["G5"].pk})
    assert response.status_code == 200 and "node" in response.context["form"].errors
    assert not fresh.grants.exists()


def test_the_page_shows_service_errors_inline_in_chinese(world, fresh, client_for):
    c = client_for(world.user(Role.SECURITY_ADMIN))
    services.grant_role(fresh, actor=world.user(Role.SECURITY_ADMIN), role=Role.GRID_WORKER, node=world.nodes["G1"])
    url = reverse("accounts:grant_create", kwargs={"pk": fresh.pk})
    response = c.post(url, {"role": Role.GRID_WORKER, "node": world.nodes["G1"].pk})
    assert response.status_code == 200
    assert "该账号在此区域已担任此角色" in response.content.decode()
