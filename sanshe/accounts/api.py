"""Accounts API: users, role grants, the caller himself, and his own API tokens.

Same rules as the pages: the role permission per action (``permission_map``, 403), the territory through
``visible_to`` (404), every write through :mod:`sanshe.accounts.services`.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from sanshe.api.viewsets import ScopedViewSet
from sanshe.territory.models import Node

from . import services
from .filters import GrantFilter, UserFilter
from .models import ApiToken, RoleGrant, User
from .roles import Perm, Role

AUTHENTICATED = "authenticated"


# --- Serializers --------------------------------------------------------------------------------------------
class GrantBriefSerializer(serializers.ModelSerializer):
    role_label = serializers.CharField(source="get_role_display", read_only=True)
    node_name = serializers.CharField(source="node.name", read_only=True)
    node_code = serializers.CharField(source="node.code", read_only=True)
    node_level = serializers.CharField(source="node.level", read_only=True)

    class Meta:
        model = RoleGrant
        fields = ["id", "role", "role_label", "node", "node_name", "node_code", "node_level", "granted_at"]
        read_only_fields = fields


class UserSerializer(serializers.ModelSerializer):
    district_name = serializers.CharField(source="district.name", read_only=True, default=None)
    roles = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "district", "district_name", "is_active",
                  "must_change_password", "date_joined", "last_login", "roles"]
        read_only_fields = fields

    @extend_schema_field(GrantBriefSerializer(many=True))
    def get_roles(self, obj) -> list:
        grants = getattr(obj, "current_grants", None)
        if grants is None:
            grants = obj.grants.active().select_related("node")
        return GrantBriefSerializer(grants, many=True).data


class UserCreateSerializer(serializers.Serializer):
    username = serializers.CharField(label=gettext_lazy("User name"), max_length=150)
    full_name = serializers.CharField(label=gettext_lazy("Full name"), max_length=100, required=False,
                                      allow_blank=True, default="")
    district = serializers.PrimaryKeyRelatedField(
        label=gettext_lazy("District"), queryset=Node.objects.filter(level=Node.Level.DISTRICT),
        required=False,
        help_text=gettext_lazy("Required only when you manage accounts in more than one district."),
    )
    password = serializers.CharField(
        label=gettext_lazy("Password"), required=False, allow_blank=True, write_only=True,
        trim_whitespace=False,
        help_text=gettext_lazy("Leave out to have a temporary password generated and returned once."),
    )


class UserCreatedSerializer(UserSerializer):
    password = serializers.CharField(
        read_only=True, allow_null=True,
        help_text=gettext_lazy("The generated temporary password, returned only in this response; null when "
                               "the caller gave one."),
    )

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "password"]
        read_only_fields = fields


class UserUpdateSerializer(serializers.Serializer):
    full_name = serializers.CharField(label=gettext_lazy("Full name"), max_length=100, required=False,
                                      allow_blank=True)
    is_active = serializers.BooleanField(label=gettext_lazy("Active"), required=False)


class RoleGrantSerializer(serializers.ModelSerializer):
    role = serializers.ChoiceField(label=gettext_lazy("Role"), choices=Role.choices)
    role_label = serializers.CharField(source="get_role_display", read_only=True)
    user = serializers.PrimaryKeyRelatedField(label=gettext_lazy("User"), queryset=User.objects.all())
    username = serializers.CharField(source="user.username", read_only=True)
    node = serializers.PrimaryKeyRelatedField(label=gettext_lazy("Territory node"),
                                              queryset=Node.objects.all())
    node_name = serializers.CharField(source="node.name", read_only=True)
    node_code = serializers.CharField(source="node.code", read_only=True)
    node_level = serializers.CharField(source="node.level", read_only=True)
    granted_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    revoked_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = RoleGrant
        fields = ["id", "user", "username", "role", "role_label", "node", "node_name", "node_code",
                  "node_level", "granted_at", "granted_by", "revoked_at", "revoked_by"]
        read_only_fields = ["granted_at", "granted_by", "revoked_at", "revoked_by"]


class MeSerializer(serializers.ModelSerializer):
    district_name = serializers.CharField(source="district.name", read_only=True, default=None)
    roles = serializers.SerializerMethodField()
    permissions = serializers.SerializerMethodField()
    grants = serializers.SerializerMethodField()
    second_factor_required = serializers.BooleanField(source="needs_second_factor", read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "district", "district_name", "must_change_password",
                  "last_login", "second_factor_required", "roles", "permissions", "grants"]
        read_only_fields = fields

    def get_roles(self, obj) -> list[str]:
        return sorted(obj.roles())

    def get_permissions(self, obj) -> list[str]:
        return sorted(obj.permissions())

    @extend_schema_field(GrantBriefSerializer(many=True))
    def get_grants(self, obj) -> list:
        return GrantBriefSerializer(obj.grants.active().select_related("node").order_by("role", "node__code"),
                                    many=True).data


class ApiTokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
        read_only_fields = ["id", "prefix", "created_at", "last_used_at", "revoked_at"]


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    key = serializers.CharField(read_only=True,
                                help_text=gettext_lazy("The token, returned only in this response."))

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "key"]


# --- Viewsets -----------------------------------------------------------------------------------------------
def _active_grants():
    return Prefetch("grants", queryset=RoleGrant.objects.active().select_related("node").order_by("role"),
                    to_attr="current_grants")


@extend_schema_view(
    create=extend_schema(request=UserCreateSerializer, responses={201: UserCreatedSerializer}),
    partial_update=extend_schema(request=UserUpdateSerializer, responses=UserSerializer),
)
class UserViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Accounts of the caller's district(s)."""

    model = User
    serializer_class = UserSerializer
    filterset_class = UserFilter
    scope_permission = Perm.ACCOUNTS_VIEW
    permission_map = {
        "list": Perm.ACCOUNTS_VIEW,
        "retrieve": Perm.ACCOUNTS_VIEW,
        "create": Perm.ACCOUNTS_MANAGE,
        "partial_update": Perm.ACCOUNTS_MANAGE,
        "default": Perm.ACCOUNTS_VIEW,  # OPTIONS; PUT and DELETE then answer 405
    }
    http_method_names = ["get", "post", "patch", "head", "options"]

    def base_queryset(self):
        return User.objects.select_related("district").prefetch_related(_active_grants()).order_by("username")

    def create(self, request, *args, **kwargs):
        data = UserCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        district = values.get("district") or self._default_district()
        user, generated = services.create_user(
            actor=request.user, username=values["username"], full_name=values.get("full_name", ""),
            password=values.get("password") or None, district=district,
        )
        user = self.base_queryset().get(pk=user.pk)
        body = UserCreatedSerializer(user).data
        body["password"] = generated
        return Response(body, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        user = self.get_object()
        data = UserUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.update_user(user, actor=request.user, **data.validated_data)
        return Response(UserSerializer(self.base_queryset().get(pk=user.pk)).data)

    def _default_district(self) -> Node:
        reach = Node.objects.visible_to(self.request.user, Perm.ACCOUNTS_MANAGE)
        districts = list(reach.filter(level=Node.Level.DISTRICT)[:2])
        if len(districts) != 1:
            raise ValidationError({"district": _("This field is required.")})
        return districts[0]


class GrantViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Role grants at the nodes of the caller's territory (current and revoked; filter ``active=true``)."""

    model = RoleGrant
    serializer_class = RoleGrantSerializer
    filterset_class = GrantFilter
    scope_permission = Perm.ACCOUNTS_VIEW
    permission_map = {
        "list": Perm.ACCOUNTS_VIEW,
        "retrieve": Perm.ACCOUNTS_VIEW,
        "create": Perm.ROLES_GRANT,
        "revoke": Perm.ROLES_GRANT,
        "default": Perm.ACCOUNTS_VIEW,
    }

    def base_queryset(self):
        return RoleGrant.objects.select_related("user", "node", "granted_by", "revoked_by").order_by(
            "-granted_at", "-id")

    @extend_schema(responses={201: RoleGrantSerializer})
    def create(self, request, *args, **kwargs):
        data = RoleGrantSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        grant = services.grant_role(values["user"], actor=request.user, role=values["role"],
                                    node=values["node"])
        grant = self.base_queryset().get(pk=grant.pk)
        return Response(RoleGrantSerializer(grant).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=RoleGrantSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        grant = services.revoke_role(self.get_object(), actor=request.user)
        return Response(RoleGrantSerializer(self.base_queryset().get(pk=grant.pk)).data)


class _SingleObjectSchema(AutoSchema):
    """``accounts/me`` answers with one object, not a list."""

    def _is_list_view(self, serializer=None) -> bool:
        return False


class MeViewSet(ScopedViewSet):
    """The caller: his account, roles, permissions and grants."""

    model = User
    serializer_class = MeSerializer
    permission_map = {"list": AUTHENTICATED}
    pagination_class = None
    filter_backends: list = []
    schema = _SingleObjectSchema()

    def get_queryset(self):
        return User.objects.filter(pk=self.request.user.pk)

    @extend_schema(responses=MeSerializer, operation_id="v1_accounts_me_retrieve")
    def list(self, request, *args, **kwargs):
        return Response(MeSerializer(request.user).data)


@extend_schema_view(create=extend_schema(responses={201: ApiTokenCreatedSerializer}))
class TokenViewSet(mixins.ListModelMixin, ScopedViewSet):
    """The caller's own API tokens. A new token's key is returned once, at creation."""

    model = ApiToken
    serializer_class = ApiTokenSerializer
    permission_map = {"list": AUTHENTICATED, "create": AUTHENTICATED, "revoke": AUTHENTICATED}
    filter_backends: list = []

    def get_queryset(self):
        return ApiToken.objects.filter(user=self.request.user).order_by("-created_at")

    def create(self, request, *args, **kwargs):
        data = ApiTokenSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token, key = services.create_api_token(request.user, actor=request.user,
                                               name=data.validated_data["name"])
        body = ApiTokenCreatedSerializer(token).data
        body["key"] = key
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=ApiTokenSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        token = services.revoke_api_token(self.get_object(), actor=request.user)
        return Response(ApiTokenSerializer(token).data)


def register(router):
    """Register this app's viewsets on the v1 router."""
    router.register("accounts/users", UserViewSet, basename="accounts-user")
    router.register("accounts/grants", GrantViewSet, basename="accounts-grant")
    router.register("accounts/me", MeViewSet, basename="accounts-me")
    router.register("accounts/tokens", TokenViewSet, basename="accounts-token")
