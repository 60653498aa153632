"""Catalogue API (``/api/v1/servicedesk/…``): the categories (read) and the items of the caller's districts with
their materials (read for staff with ``servicedesk.view``; create and change for district admins).

Items belong to a district: a reader sees the catalogue of the districts he works in, an item of another
district is a 404. Writes go through :mod:`sanshe.servicedesk.services_config` (validation errors are 400s
keyed by field); POSTs honour ``Idempotency-Key`` (``ScopedViewSet``).
"""

from __future__ import annotations

from django.db.models import Prefetch, Q
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.response import Response

from sanshe.accounts.roles import Perm
from sanshe.api.viewsets import ScopedViewSet
from sanshe.core.exceptions import OutOfScope
from sanshe.gridops.models import HandlingUnit
from sanshe.territory.models import Node

from . import services_config
from .choices import Channel
from .models import ItemMaterial, ServiceCategory, ServiceItem

VIEW, CONFIGURE = Perm.SERVICES_VIEW, Perm.SERVICES_CONFIGURE


class ServiceCategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = ServiceCategory
        fields = ["id", "code", "name", "sort_order"]
        read_only_fields = fields


class ItemMaterialSerializer(serializers.ModelSerializer):
    class Meta:
        model = ItemMaterial
        fields = ["id", "name", "required", "note", "sort_order"]
        read_only_fields = fields


class ServiceItemSerializer(serializers.ModelSerializer):
    category_name = serializers.CharField(source="category.name", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True)
    materials = ItemMaterialSerializer(many=True, read_only=True)

    class Meta:
        model = ServiceItem
        fields = ["id", "district", "code", "name", "category", "category_name", "department", "department_name",
                  "description", "eligibility", "time_limit_days", "fee", "channel", "is_active", "sort_order",
                  "materials", "updated_at"]
        read_only_fields = fields


class ItemMaterialInputSerializer(serializers.Serializer):
    id = serializers.IntegerField(required=False, allow_null=True,
                                  help_text=_("An existing material of the item (keep and edit it); omit to add."))
    name = serializers.CharField(max_length=200)
    required = serializers.BooleanField(default=True)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


@extend_schema_field(OpenApiTypes.INT)
class _DistrictField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        request = self.context.get("request")
        return services_config.readable_districts(getattr(request, "user", None), CONFIGURE)


@extend_schema_field(OpenApiTypes.INT)
class _DepartmentField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        request = self.context.get("request")
        districts = services_config.readable_districts(getattr(request, "user", None), CONFIGURE)
        return HandlingUnit.objects.filter(district__in=districts)


class ServiceItemWriteSerializer(serializers.Serializer):
    district = _DistrictField(label=_("district"), required=False,
                              help_text=_("Needed only by an admin of several districts."))
    code = serializers.CharField(label=_("code"), max_length=30)
    name = serializers.CharField(label=_("name"), max_length=100)
    category = serializers.PrimaryKeyRelatedField(label=_("category"), queryset=ServiceCategory.objects.all())
    department = _DepartmentField(label=_("department"))
    description = serializers.CharField(label=_("description"), required=False, allow_blank=True)
    eligibility = serializers.CharField(label=_("who may apply"), required=False, allow_blank=True)
    time_limit_days = serializers.IntegerField(label=_("legal time limit (working days)"), required=False,
                                               min_value=0, max_value=365)
    fee = serializers.DecimalField(label=_("fee (yuan)"), max_digits=8, decimal_places=2, required=False,
                                   min_value=0)
    channel = serializers.ChoiceField(label=_("where"), choices=Channel.choices, required=False)
    is_active = serializers.BooleanField(label=_("active"), required=False)
    sort_order = serializers.IntegerField(label=_("order"), required=False, min_value=0, max_value=32767)
    materials = ItemMaterialInputSerializer(label=_("required materials"), many=True, required=False,
                                        help_text=_("The whole list in order; on a change it replaces the list."))


class ServiceItemUpdateSerializer(ServiceItemWriteSerializer):
    district = None
    code = None
    name = serializers.CharField(label=_("name"), max_length=100, required=False)
    category = serializers.PrimaryKeyRelatedField(label=_("category"), queryset=ServiceCategory.objects.all(),
                                                  required=False)
    department = _DepartmentField(label=_("department"), required=False)


ID = [OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)]
ITEM_FILTERS = [
    OpenApiParameter("category", OpenApiTypes.INT, description="category id"),
    OpenApiParameter("department", OpenApiTypes.INT, description="department (handling unit) id"),
    OpenApiParameter("active", OpenApiTypes.STR, enum=["0", "1"]),
    OpenApiParameter("q", OpenApiTypes.STR, description="name or code contains"),
]


@extend_schema_view(
    list=extend_schema(summary="Categories of the service catalogue"),
    retrieve=extend_schema(summary="One category", parameters=ID),
)
class CategoryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Categories are platform-wide configuration: the same for every reader."""

    model = ServiceCategory
    serializer_class = ServiceCategorySerializer
    pagination_class = None
    permission_map = {"list": VIEW, "retrieve": VIEW, "default": VIEW}

    def get_queryset(self):
        return ServiceCategory.objects.order_by("sort_order", "code")

    def get_object(self):
        obj = ServiceCategory.objects.filter(pk=self.kwargs["pk"]).first()
        if obj is None:
            raise Http404
        return obj


@extend_schema_view(
    list=extend_schema(summary="Items of the caller's districts with their materials", parameters=ITEM_FILTERS),
    retrieve=extend_schema(summary="One item with its materials", parameters=ID),
    create=extend_schema(summary="Add an item to the catalogue (district admins)", request=ServiceItemWriteSerializer,
                         responses={201: ServiceItemSerializer}),
    partial_update=extend_schema(
        summary="Change an item (district admins)",
        description="`materials`, when given, is the new list in order: entries with the `id` of a material "
                    "edit it, entries without add one, materials left out are removed.",
        parameters=ID, request=ServiceItemUpdateSerializer, responses=ServiceItemSerializer),
)
class ItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = ServiceItem
    serializer_class = ServiceItemSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    permission_map = {"list": VIEW, "retrieve": VIEW, "create": CONFIGURE, "partial_update": CONFIGURE,
                      "default": CONFIGURE}

    def _permission(self):
        return CONFIGURE if self.action in ("create", "partial_update") else VIEW

    def get_queryset(self):
        qs = (services_config.readable_items(self.request.user, self._permission())
              .select_related("category", "department")
              .prefetch_related(Prefetch("materials", queryset=ItemMaterial.objects.order_by("sort_order", "pk")))
              .order_by("district_id", "category__sort_order", "sort_order", "code", "id"))
        params = self.request.query_params
        for name in ("category", "department"):
            value = params.get(name)
            if value and value.isdigit():
                qs = qs.filter(**{f"{name}_id": int(value)})
        if params.get("active") in ("0", "1"):
            qs = qs.filter(is_active=params["active"] == "1")
        q = (params.get("q") or "").strip()
        if q:
            qs = qs.filter(Q(name__contains=q) | Q(code__icontains=q))
        return qs

    def get_object(self):
        pk = self.kwargs["pk"]
        obj = self.get_queryset().filter(pk=pk).first()
        if obj is None:
            outside = ServiceItem.objects.filter(pk=pk).first()
            if outside is None:
                raise Http404
            raise OutOfScope(self._permission(), outside)
        return obj

    def _input(self, serializer_class):
        serializer = serializer_class(data=self.request.data, partial=serializer_class is ServiceItemUpdateSerializer,
                                      context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "materials" in data:
            data["materials"] = [dict(m) for m in data["materials"]]
        return data

    def _output(self, item, code=status.HTTP_200_OK):
        item = self.get_queryset().get(pk=item.pk)
        return Response(ServiceItemSerializer(item).data, status=code)

    def create(self, request, *args, **kwargs):
        data = self._input(ServiceItemWriteSerializer)
        district = data.pop("district", None)
        if district is None:
            districts = list(services_config.readable_districts(request.user, CONFIGURE)[:2])
            if len(districts) != 1:
                raise serializers.ValidationError({"district": [_("Choose the district.")]})
            district = districts[0]
        item = services_config.create_item(actor=request.user, district=Node.objects.get(pk=district.pk), **data)
        return self._output(item, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        item = self.get_object()
        data = self._input(ServiceItemUpdateSerializer)
        item = services_config.update_item(item, actor=request.user, **data)
        return self._output(item)


def register(router) -> None:
    router.register("servicedesk/categories", CategoryViewSet, basename="servicedesk-category")
    router.register("servicedesk/items", ItemViewSet, basename="servicedesk-item")
