"""Territory API: ``/api/v1/territory/nodes/``. Serializers validate input; the services write."""

from __future__ import annotations

from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from sanshe.accounts.roles import Perm
from sanshe.api.viewsets import ScopedViewSet

from . import services
from .choices import Level
from .filters import NodeFilter
from .models import Node


@extend_schema_field(OpenApiTypes.OBJECT)
class GeometryField(serializers.JSONField):
    """A GeoJSON geometry (Point, Polygon or MultiPolygon; a Feature is unwrapped); null for none."""


class NodeSerializer(serializers.ModelSerializer):
    geometry = GeometryField(read_only=True, allow_null=True)

    class Meta:
        model = Node
        fields = ["id", "level", "code", "name", "parent", "geometry", "is_active", "retired_at", "retired_reason",
                  "created_at", "updated_at"]
        read_only_fields = fields


class AncestorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Node
        fields = ["id", "level", "code", "name"]
        read_only_fields = fields


class NodeDetailSerializer(NodeSerializer):
    ancestors = serializers.SerializerMethodField(help_text=_("From the district down to the parent."))
    counts = serializers.SerializerMethodField(
        help_text=_("Active nodes below this one, by level (the children's level counts the children)."))

    class Meta(NodeSerializer.Meta):
        fields = [*NodeSerializer.Meta.fields, "ancestors", "counts"]
        read_only_fields = fields

    @extend_schema_field(AncestorSerializer(many=True))
    def get_ancestors(self, node: Node):
        return AncestorSerializer(node.ancestors(), many=True).data

    @extend_schema_field(serializers.DictField(child=serializers.IntegerField()))
    def get_counts(self, node: Node) -> dict[str, int]:
        rows = (
            Node.objects.descendants_of(node).filter(is_active=True).values("level").annotate(n=Count("id"))
        )
        found = {row["level"]: row["n"] for row in rows}
        return {level: found.get(level, 0) for level in Level.values[Level.values.index(node.level) + 1:]}


def _manageable(serializer) -> object:
    request = serializer.context.get("request")
    user = getattr(request, "user", None)
    return Node.objects.visible_to(user, services.MANAGE).filter(is_active=True)


@extend_schema_field(OpenApiTypes.INT)
class ScopedNodeField(serializers.PrimaryKeyRelatedField):
    """A node id among the active nodes the requesting user manages (others read as "does not exist")."""

    def get_queryset(self):
        return _manageable(self)


class NodeCreateSerializer(serializers.Serializer):
    level = serializers.ChoiceField(label=_("level"), choices=Level.choices,
                                    help_text=_("Districts are not created here (see `manage.py bootstrap_district`)."))
    parent = ScopedNodeField(label=_("parent"))
    name = serializers.CharField(label=_("name"), max_length=100)
    code = serializers.CharField(label=_("code"), max_length=32, required=False, allow_blank=True, default="",
                                 help_text=_("Leave out to take the next free code under the parent."))
    geometry = GeometryField(label=_("boundary or position (GeoJSON)"), required=False, allow_null=True,
                             default=None)

    def create(self, validated_data):
        return services.create_node(actor=self.context["request"].user, **validated_data)


class NodeUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(label=_("name"), max_length=100, required=False)
    code = serializers.CharField(label=_("code"), max_length=32, required=False,
                                 help_text=_("A new code; the codes of the nodes below follow."))
    geometry = GeometryField(label=_("boundary or position (GeoJSON)"), required=False, allow_null=True)

    def update(self, instance, validated_data):
        return services.update_node(
            instance, actor=self.context["request"].user, name=validated_data.get("name"),
            code=validated_data.get("code"), geometry=validated_data.get("geometry", ...),
        )


class NodeMoveSerializer(serializers.Serializer):
    new_parent = ScopedNodeField(label=_("new parent"))
    new_code = serializers.CharField(
        label=_("new code"), max_length=32, required=False, allow_blank=True, default="",
        help_text=_("Leave out to keep the code if it fits the new parent, or to take the next free one."))


class NodeRetireSerializer(serializers.Serializer):
    reason = serializers.CharField(label=_("reason"), max_length=255)


NODE_ID = [OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Node id")]


@extend_schema_view(
    list=extend_schema(summary="List territory nodes in the caller's scope"),
    retrieve=extend_schema(summary="One territory node with its ancestors and counts", parameters=NODE_ID,
                           responses=NodeDetailSerializer),
    create=extend_schema(summary="Create a node under a parent", request=NodeCreateSerializer,
                         responses={201: NodeDetailSerializer}),
    partial_update=extend_schema(summary="Rename, re-code or re-draw a node", parameters=NODE_ID,
                                 request=NodeUpdateSerializer, responses=NodeDetailSerializer),
    move=extend_schema(summary="Move a node (and its subtree) under another parent", parameters=NODE_ID,
                       request=NodeMoveSerializer, responses=NodeDetailSerializer),
    retire=extend_schema(summary="Retire a node without active children", parameters=NODE_ID,
                         request=NodeRetireSerializer, responses=NodeDetailSerializer),
    reactivate=extend_schema(summary="Reactivate a retired node", parameters=NODE_ID, request=None,
                             responses=NodeDetailSerializer),
)
class NodeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The territory tree (区 → 街道 → 社区 → 网格 → 小区/院落 → 楼栋) within the caller's territory."""

    model = Node
    serializer_class = NodeSerializer
    filterset_class = NodeFilter
    http_method_names = ["get", "post", "patch", "head", "options"]
    permission_map = {
        "list": Perm.TERRITORY_VIEW,
        "retrieve": Perm.TERRITORY_VIEW,
        "create": Perm.TERRITORY_MANAGE,
        "partial_update": Perm.TERRITORY_MANAGE,
        "move": Perm.TERRITORY_MANAGE,
        "retire": Perm.TERRITORY_MANAGE,
        "reactivate": Perm.TERRITORY_MANAGE,
        "default": Perm.TERRITORY_MANAGE,
    }

    def base_queryset(self):
        return Node.objects.order_by("code")

    def get_serializer_class(self):
        return {
            "retrieve": NodeDetailSerializer,
            "create": NodeCreateSerializer,
            "partial_update": NodeUpdateSerializer,
            "move": NodeMoveSerializer,
            "retire": NodeRetireSerializer,
        }.get(self.action, NodeSerializer)

    def _detail(self, node: Node, code=status.HTTP_200_OK) -> Response:
        return Response(NodeDetailSerializer(node, context=self.get_serializer_context()).data, status=code)

    def create(self, request, *args, **kwargs):
        serializer = NodeCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        node = serializer.save()
        return self._detail(node, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        node = self.get_object()
        serializer = NodeUpdateSerializer(node, data=request.data, partial=True,
                                          context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return self._detail(serializer.save())

    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        node = self.get_object()
        serializer = NodeMoveSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        node = services.move_node(node, actor=request.user, **serializer.validated_data)
        return self._detail(node)

    @action(detail=True, methods=["post"])
    def retire(self, request, pk=None):
        node = self.get_object()
        serializer = NodeRetireSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return self._detail(services.retire_node(node, actor=request.user, **serializer.validated_data))

    @action(detail=True, methods=["post"])
    def reactivate(self, request, pk=None):
        return self._detail(services.reactivate_node(self.get_object(), actor=request.user))


def register(router):
    """Register this app's viewsets on the v1 router."""
    router.register("territory/nodes", NodeViewSet, basename="territory-node")
    from .api_registry import register as register_registry

    register_registry(router)
