"""Registry API: dwellings, households, residents, resident tags, tag types and resident units.

Scoped (``visible_to``) and masked: resident responses carry ``id_number_masked`` / ``phone_masked`` only; the
full value comes only from ``POST …/residents/{id}/unmask/`` with a reason (``registry.unmask``, audited).
Writes go through :mod:`sanshe.territory.registry` and :mod:`sanshe.territory.registry_config`.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from sanshe.accounts.roles import Perm
from sanshe.api.viewsets import ScopedViewSet

from . import registry, registry_config
from .choices import IdType, Occupancy, Relation, UnitKind
from .filters_registry import ResidentFilter, derived_tag_names, valid_tags_queryset
from .models import Dwelling, Household, Node, Resident, ResidentTag, ResidentUnit, TagType

VIEW, MANAGE = Perm.REGISTRY_VIEW, Perm.REGISTRY_MANAGE
ANCESTORS = ["district", "street", "community", "grid", "compound", "building"]


def _user(serializer):
    request = serializer.context.get("request")
    return getattr(request, "user", None)


def scoped_field(model, permission=MANAGE, **filters):
    """A primary-key field limited to the objects the requesting user reaches with ``permission``."""

    @extend_schema_field(OpenApiTypes.INT)
    class Field(serializers.PrimaryKeyRelatedField):
        def get_queryset(self):
            return model.objects.visible_to(_user(self), permission).filter(**filters)

    Field.__name__ = f"Scoped{model.__name__}Field"
    return Field


ScopedHousehold = scoped_field(Household)
ScopedDwelling = scoped_field(Dwelling)
ScopedBuilding = scoped_field(Node, level="building", is_active=True)
ScopedUnitNode = scoped_field(Node, level__in=registry_config.UNIT_LEVELS, is_active=True)
ScopedNode = scoped_field(Node, is_active=True)


# --- serializers -------------------------------------------------------------------------------------------
class DwellingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Dwelling
        fields = ["id", "building", "unit", "floor", "room", "occupancy", *ANCESTORS[:-1], "created_at", "updated_at"]
        read_only_fields = fields


class DwellingCreateSerializer(serializers.Serializer):
    building = ScopedBuilding(label=_("building"))
    unit = serializers.CharField(label=_("unit"), max_length=10, required=False, allow_blank=True, default="")
    room = serializers.CharField(label=_("room"), max_length=20)
    floor = serializers.IntegerField(label=_("floor"), required=False, allow_null=True, default=None)


class DwellingUpdateSerializer(serializers.Serializer):
    occupancy = serializers.ChoiceField(label=_("occupancy"), choices=Occupancy.choices)


class HouseholdSerializer(serializers.ModelSerializer):
    class Meta:
        model = Household
        fields = ["id", "number", "dwelling", "registration_kind", "head", "is_active", "note", *ANCESTORS,
                  "created_at", "updated_at"]
        read_only_fields = fields


class HouseholdCreateSerializer(serializers.Serializer):
    number = serializers.CharField(label=_("household number"), max_length=40)
    node = ScopedNode(label=_("territory"), required=False, allow_null=True, default=None,
                      help_text=_("The building, compound or grid of a household without a dwelling."))
    dwelling = ScopedDwelling(label=_("dwelling"), required=False, allow_null=True, default=None)
    registration_kind = serializers.ChoiceField(label=_("registration kind"),
                                                choices=Household._meta.get_field("registration_kind").choices,
                                                required=False, default="registered")
    note = serializers.CharField(label=_("note"), required=False, allow_blank=True, default="")

    def validate(self, attrs):
        if attrs.get("node") is None and attrs.get("dwelling") is None:
            raise serializers.ValidationError({"node": _("Give a dwelling or a territory node.")})
        return attrs


class HouseholdUpdateSerializer(serializers.Serializer):
    registration_kind = serializers.ChoiceField(label=_("registration kind"),
                                                choices=Household._meta.get_field("registration_kind").choices,
                                                required=False)
    dwelling = ScopedDwelling(label=_("dwelling"), required=False, allow_null=True)
    note = serializers.CharField(label=_("note"), required=False, allow_blank=True)


class TagBriefSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="tag_type.code", read_only=True)
    name = serializers.CharField(source="tag_type.name", read_only=True)

    class Meta:
        model = ResidentTag
        fields = ["id", "code", "name", "valid_from", "valid_to", "details"]
        read_only_fields = fields


class ResidentSerializer(serializers.ModelSerializer):
    """A resident, masked: the ID number and phone never appear in full here."""

    tags = serializers.SerializerMethodField(help_text=_("Tags valid today (derived age tags have no id)."))
    warnings = serializers.SerializerMethodField(help_text=_("Warnings of the last write (e.g. unknown area code)."))

    class Meta:
        model = Resident
        fields = ["id", "name", "sex", "ethnicity", "id_type", "id_number_masked", "birth_date", "phone_masked",
                  "household", "dwelling", "relation", "status", "move_in_date", "move_out_date", "death_date",
                  "note", *ANCESTORS, "tags", "warnings", "created_at", "updated_at"]
        read_only_fields = fields

    @extend_schema_field(TagBriefSerializer(many=True))
    def get_tags(self, resident: Resident):
        today = timezone.localdate()
        derived = self.context.get("derived_tags")
        if derived is None:
            derived = list(TagType.objects.filter(derived_min_age__isnull=False, is_active=True))
        tags = getattr(resident, "valid_tags", None)
        if tags is None:
            tags = list(valid_tags_queryset(today).filter(resident=resident))
        derived_rows = [{"id": None, "code": t.code, "name": t.name, "valid_from": None, "valid_to": None,
                         "details": {}} for t in derived if t.name in derived_tag_names(resident, [t], today)]
        return derived_rows + TagBriefSerializer(tags, many=True).data

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_warnings(self, resident: Resident):
        return [str(w) for w in self.context.get("warnings", [])]


class ResidentWriteSerializer(serializers.Serializer):
    household = ScopedHousehold(label=_("household"))
    name = serializers.CharField(label=_("name"), max_length=50)
    id_type = serializers.ChoiceField(label=_("ID type"), choices=IdType.choices, required=False,
                                      default=IdType.ID_CARD)
    id_number = serializers.CharField(label=_("ID number"), required=False, allow_blank=True, default="",
                                      write_only=True, trim_whitespace=True)
    phone = serializers.CharField(label=_("phone"), required=False, allow_blank=True, default="", write_only=True)
    relation = serializers.ChoiceField(label=_("relation to head"), choices=Relation.choices, required=False,
                                       allow_blank=True, default="")
    sex = serializers.ChoiceField(label=_("sex"), choices=Resident._meta.get_field("sex").choices, required=False,
                                  allow_blank=True, default="")
    ethnicity = serializers.CharField(label=_("ethnicity"), max_length=20, required=False, default="汉族")
    birth_date = serializers.DateField(label=_("birth date"), required=False, allow_null=True, default=None,
                                       help_text=_("Taken from the ID number for a resident ID card."))
    move_in_date = serializers.DateField(label=_("move-in date"), required=False, allow_null=True, default=None)
    note = serializers.CharField(label=_("note"), required=False, allow_blank=True, default="")


class ResidentUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(label=_("name"), max_length=50, required=False)
    id_type = serializers.ChoiceField(label=_("ID type"), choices=IdType.choices, required=False)
    id_number = serializers.CharField(label=_("ID number"), required=False, allow_blank=True, write_only=True)
    phone = serializers.CharField(label=_("phone"), required=False, allow_blank=True, write_only=True)
    relation = serializers.ChoiceField(label=_("relation to head"), choices=Relation.choices, required=False,
                                       allow_blank=True)
    sex = serializers.ChoiceField(label=_("sex"), choices=Resident._meta.get_field("sex").choices, required=False,
                                  allow_blank=True)
    ethnicity = serializers.CharField(label=_("ethnicity"), max_length=20, required=False)
    birth_date = serializers.DateField(label=_("birth date"), required=False, allow_null=True)
    move_in_date = serializers.DateField(label=_("move-in date"), required=False, allow_null=True)
    note = serializers.CharField(label=_("note"), required=False, allow_blank=True)


class LeaveSerializer(serializers.Serializer):
    date = serializers.DateField(label=_("date"))
    note = serializers.CharField(label=_("note"), max_length=255, required=False, allow_blank=True, default="")


class TransferSerializer(serializers.Serializer):
    to_household = ScopedHousehold(label=_("to household"))
    date = serializers.DateField(label=_("date"))
    relation = serializers.ChoiceField(label=_("relation to head"), choices=Relation.choices, required=False,
                                       allow_blank=True, default="")


class UnmaskSerializer(serializers.Serializer):
    field = serializers.ChoiceField(label=_("field"), choices=[("id_number", _("ID number")), ("phone", _("phone"))])
    reason = serializers.CharField(label=_("reason"), max_length=500)


class UnmaskResponseSerializer(serializers.Serializer):
    field = serializers.CharField()
    value = serializers.CharField(help_text=_("The full value (this reading is audited)."))


class ResidentTagSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="tag_type.code", read_only=True)
    name = serializers.CharField(source="tag_type.name", read_only=True)

    class Meta:
        model = ResidentTag
        fields = ["id", "resident", "tag_type", "code", "name", "valid_from", "valid_to", "details", *ANCESTORS]
        read_only_fields = fields


class ResidentTagCreateSerializer(serializers.Serializer):
    resident = scoped_field(Resident)(label=_("resident"))
    tag_type = serializers.SlugRelatedField(label=_("tag"), slug_field="code",
                                            queryset=TagType.objects.filter(is_active=True))
    valid_from = serializers.DateField(label=_("valid from"), required=False, allow_null=True, default=None)
    valid_to = serializers.DateField(label=_("valid to"), required=False, allow_null=True, default=None)
    details = serializers.DictField(label=_("details"), child=serializers.CharField(allow_blank=True),
                                    required=False, default=dict)


class EndTagSerializer(serializers.Serializer):
    valid_to = serializers.DateField(label=_("valid to"))


class TagTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = TagType
        fields = ["id", "code", "name", "detail_fields", "derived_min_age", "is_active", "sort_order"]
        read_only_fields = fields


class ResidentUnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = ResidentUnit
        fields = ["id", "name", "credit_code", "kind", "node", "address", "contact_name", "contact_phone",
                  "is_active", *ANCESTORS, "created_at", "updated_at"]
        read_only_fields = fields


class ResidentUnitWriteSerializer(serializers.Serializer):
    name = serializers.CharField(label=_("name"), max_length=100)
    node = ScopedUnitNode(label=_("located in"))
    credit_code = serializers.CharField(label=_("unified social credit code"), max_length=40, required=False,
                                        allow_blank=True, default="")
    kind = serializers.ChoiceField(label=_("kind"), choices=UnitKind.choices, required=False,
                                   default=UnitKind.ENTERPRISE)
    address = serializers.CharField(label=_("address"), max_length=255, required=False, allow_blank=True, default="")
    contact_name = serializers.CharField(label=_("contact person"), max_length=50, required=False, allow_blank=True,
                                         default="")
    contact_phone = serializers.CharField(label=_("contact phone"), max_length=40, required=False, allow_blank=True,
                                          default="")


class ResidentUnitUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(label=_("name"), max_length=100, required=False)
    node = ScopedUnitNode(label=_("located in"), required=False)
    credit_code = serializers.CharField(label=_("unified social credit code"), max_length=40, required=False,
                                        allow_blank=True)
    kind = serializers.ChoiceField(label=_("kind"), choices=UnitKind.choices, required=False)
    address = serializers.CharField(label=_("address"), max_length=255, required=False, allow_blank=True)
    contact_name = serializers.CharField(label=_("contact person"), max_length=50, required=False, allow_blank=True)
    contact_phone = serializers.CharField(label=_("contact phone"), max_length=40, required=False, allow_blank=True)
    is_active = serializers.BooleanField(label=_("active"), required=False)


ID = [OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)]


# --- viewsets ----------------------------------------------------------------------------------------------
class _Base(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Reads through ``read_serializer``; each write action (create, partial_update, an @action) reads its input
    with ``write_serializers[action]`` and calls a service."""

    http_method_names = ["get", "post", "patch", "head", "options"]
    read_serializer = None
    write_serializers: dict = {}

    def get_serializer_class(self):
        return self.write_serializers.get(getattr(self, "action", None), self.read_serializer)

    def _out(self, obj, code=status.HTTP_200_OK, **context) -> Response:
        ctx = {**self.get_serializer_context(), **context}
        return Response(self.read_serializer(obj, context=ctx).data, status=code)

    def _input(self, serializer_class=None, *, partial=False):
        serializer_class = serializer_class or self.write_serializers[self.action]
        serializer = serializer_class(data=self.request.data, partial=partial, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def _write(self, service, obj=None, *, partial=False, code=status.HTTP_200_OK, fresh=None):
        """The one shape of every write action: read the action's input, call ``service`` (with the object of a
        detail route first), answer with the read serializer (re-read through ``fresh`` when given)."""
        data = dict(self._input(partial=partial))
        result = service(obj, actor=self.request.user, **data) if obj is not None else service(
            actor=self.request.user, **data)
        return self._out(fresh(result) if fresh else result, code)


@extend_schema_view(
    list=extend_schema(summary="Dwellings in the caller's territory"),
    retrieve=extend_schema(summary="One dwelling", parameters=ID),
    create=extend_schema(summary="Find or create a dwelling of a building", request=DwellingCreateSerializer,
                         responses={201: DwellingSerializer}),
    partial_update=extend_schema(summary="Change how a dwelling is used (owner-occupied, rented out, vacant)",
                                 parameters=ID, request=DwellingUpdateSerializer, responses=DwellingSerializer),
)
class DwellingViewSet(_Base):
    """Dwellings (套/户) of the buildings in the caller's territory."""

    model = Dwelling
    serializer_class = read_serializer = DwellingSerializer
    write_serializers = {"create": DwellingCreateSerializer, "partial_update": DwellingUpdateSerializer}
    permission_map = {"list": VIEW, "retrieve": VIEW, "create": MANAGE, "partial_update": MANAGE,
                      "default": MANAGE}

    def base_queryset(self):
        return Dwelling.objects.order_by("id")

    def create(self, request, *args, **kwargs):
        return self._write(registry.get_or_create_dwelling, code=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        return self._write(registry.set_dwelling_occupancy, self.get_object())


@extend_schema_view(
    list=extend_schema(summary="Households in the caller's territory"),
    retrieve=extend_schema(summary="One household", parameters=ID),
    create=extend_schema(summary="Open a household file", request=HouseholdCreateSerializer,
                         responses={201: HouseholdSerializer}),
    partial_update=extend_schema(summary="Change a household", parameters=ID, request=HouseholdUpdateSerializer,
                                 responses=HouseholdSerializer),
)
class HouseholdViewSet(_Base):
    """Households (户, 一户一档) in the caller's territory."""

    model = Household
    serializer_class = read_serializer = HouseholdSerializer
    write_serializers = {"create": HouseholdCreateSerializer, "partial_update": HouseholdUpdateSerializer}
    permission_map = {"list": VIEW, "retrieve": VIEW, "create": MANAGE, "partial_update": MANAGE,
                      "default": MANAGE}

    def base_queryset(self):
        return Household.objects.order_by("id")

    def create(self, request, *args, **kwargs):
        data = self._input(HouseholdCreateSerializer)
        node = data["node"] if data["node"] is not None else data["dwelling"].building
        household = registry.create_household(actor=request.user, number=data["number"], node=node,
                                              dwelling=data["dwelling"], registration_kind=data["registration_kind"],
                                              note=data["note"])
        return self._out(household, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        household = self.get_object()
        data = self._input(HouseholdUpdateSerializer, partial=True)
        household = registry.update_household(household, actor=request.user,
                                              registration_kind=data.get("registration_kind"),
                                              dwelling=data.get("dwelling", ...), note=data.get("note"))
        return self._out(household)


@extend_schema_view(
    list=extend_schema(summary="Search residents (masked)", description=(
        "Same filters as the search page. `id_number` and `phone` match the FULL value only (blind index); a "
        "part of a number finds nothing.")),
    retrieve=extend_schema(summary="One resident (masked)", parameters=ID),
    create=extend_schema(summary="Register a resident into a household", request=ResidentWriteSerializer,
                         responses={201: ResidentSerializer}),
    partial_update=extend_schema(summary="Change a resident's details", parameters=ID,
                                 request=ResidentUpdateSerializer, responses=ResidentSerializer),
    move_out=extend_schema(summary="Record a move out", parameters=ID, request=LeaveSerializer,
                           responses=ResidentSerializer),
    death=extend_schema(summary="Record a death", parameters=ID, request=LeaveSerializer,
                        responses=ResidentSerializer),
    transfer=extend_schema(summary="Move to another household", parameters=ID, request=TransferSerializer,
                           responses=ResidentSerializer),
    unmask=extend_schema(summary="See the ID number or phone in full (reason required, audited)", parameters=ID,
                         request=UnmaskSerializer, responses=UnmaskResponseSerializer),
)
class ResidentViewSet(_Base):
    """Residents in the caller's territory; ID numbers and phones masked."""

    model = Resident
    serializer_class = read_serializer = ResidentSerializer
    write_serializers = {"create": ResidentWriteSerializer, "partial_update": ResidentUpdateSerializer,
                         "move_out": LeaveSerializer, "death": LeaveSerializer, "transfer": TransferSerializer,
                         "unmask": UnmaskSerializer}
    filterset_class = ResidentFilter
    permission_map = {"list": VIEW, "retrieve": VIEW, "create": MANAGE, "partial_update": MANAGE,
                      "move_out": MANAGE, "death": MANAGE, "transfer": MANAGE, "unmask": Perm.REGISTRY_UNMASK,
                      "default": MANAGE}

    def base_queryset(self):
        today = timezone.localdate()
        # Masked responses only: the encrypted columns are not fetched (services re-read what they change).
        return Resident.objects.order_by("id").defer("id_number", "phone").prefetch_related(
            Prefetch("tags", queryset=valid_tags_queryset(today), to_attr="valid_tags"))

    def get_serializer_context(self):
        ctx = super().get_serializer_context()
        if getattr(self, "action", None) in ("list", "retrieve"):
            ctx["derived_tags"] = list(TagType.objects.filter(derived_min_age__isnull=False, is_active=True))
        return ctx

    def _fresh(self, resident):
        return self.base_queryset().get(pk=resident.pk)

    def create(self, request, *args, **kwargs):
        data = dict(self._input(ResidentWriteSerializer))
        resident, warnings = registry.register_resident(actor=request.user, **data)
        return self._out(self._fresh(resident), status.HTTP_201_CREATED, warnings=warnings)

    def partial_update(self, request, *args, **kwargs):
        resident = self.get_object()
        data = self._input(ResidentUpdateSerializer, partial=True)
        resident, warnings = registry.update_resident(resident, actor=request.user, **data)
        return self._out(self._fresh(resident), warnings=warnings)

    @action(detail=True, methods=["post"], url_path="move-out")
    def move_out(self, request, pk=None):
        return self._write(registry.move_out, self.get_object(), fresh=self._fresh)

    @action(detail=True, methods=["post"])
    def death(self, request, pk=None):
        return self._write(registry.record_death, self.get_object(), fresh=self._fresh)

    @action(detail=True, methods=["post"])
    def transfer(self, request, pk=None):
        return self._write(registry.transfer, self.get_object(), fresh=self._fresh)

    @action(detail=True, methods=["post"])
    def unmask(self, request, pk=None):
        resident = self.get_object()
        data = self._input(UnmaskSerializer)
        value = registry.unmask(resident, actor=request.user, field=data["field"], reason=data["reason"])
        return Response({"field": data["field"], "value": value})


@extend_schema_view(
    list=extend_schema(summary="Resident tags (special groups) in the caller's territory"),
    retrieve=extend_schema(summary="One resident tag", parameters=ID),
    create=extend_schema(summary="Tag a resident", request=ResidentTagCreateSerializer,
                         responses={201: ResidentTagSerializer}),
    end=extend_schema(summary="End a tag's validity", parameters=ID, request=EndTagSerializer,
                      responses=ResidentTagSerializer),
)
class ResidentTagViewSet(_Base):
    """Special-group tags held by residents (with validity and details)."""

    model = ResidentTag
    serializer_class = read_serializer = ResidentTagSerializer
    write_serializers = {"create": ResidentTagCreateSerializer, "end": EndTagSerializer}
    http_method_names = ["get", "post", "head", "options"]
    permission_map = {"list": VIEW, "retrieve": VIEW, "create": MANAGE, "end": MANAGE, "default": MANAGE}

    def base_queryset(self):
        return ResidentTag.objects.select_related("tag_type").order_by("id")

    def create(self, request, *args, **kwargs):
        data = self._input(ResidentTagCreateSerializer)
        tag = registry.add_tag(data.pop("resident"), actor=request.user, **data)
        return self._out(tag, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        return self._write(registry.end_tag, self.get_object())


@extend_schema_view(
    list=extend_schema(summary="Special-group tag types (configuration)"),
    retrieve=extend_schema(summary="One tag type", parameters=ID),
)
class TagTypeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The tag types of the district (read only; configured on the group tags page)."""

    model = TagType
    serializer_class = TagTypeSerializer
    permission_map = {"list": VIEW, "retrieve": VIEW, "default": Perm.REGISTRY_CONFIGURE}

    def get_queryset(self):  # configuration, not territory data: not scoped
        return TagType.objects.order_by("sort_order", "code")


@extend_schema_view(
    list=extend_schema(summary="Resident units (驻区单位) in the caller's territory"),
    retrieve=extend_schema(summary="One resident unit", parameters=ID),
    create=extend_schema(summary="Register a resident unit", request=ResidentUnitWriteSerializer,
                         responses={201: ResidentUnitSerializer}),
    partial_update=extend_schema(summary="Change a resident unit", parameters=ID,
                                 request=ResidentUnitUpdateSerializer, responses=ResidentUnitSerializer),
)
class ResidentUnitViewSet(_Base):
    """Resident units (驻区单位): enterprises, schools and state organs located in the territory."""

    model = ResidentUnit
    serializer_class = read_serializer = ResidentUnitSerializer
    write_serializers = {"create": ResidentUnitWriteSerializer, "partial_update": ResidentUnitUpdateSerializer}
    permission_map = {"list": VIEW, "retrieve": VIEW, "create": MANAGE, "partial_update": MANAGE,
                      "default": MANAGE}

    def base_queryset(self):
        return ResidentUnit.objects.order_by("id")

    def create(self, request, *args, **kwargs):
        return self._write(registry_config.create_resident_unit, code=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        return self._write(registry_config.update_resident_unit, self.get_object(), partial=True)


def register(router):
    """Register the registry viewsets."""
    router.register("registry/dwellings", DwellingViewSet, basename="registry-dwelling")
    router.register("registry/households", HouseholdViewSet, basename="registry-household")
    router.register("registry/residents", ResidentViewSet, basename="registry-resident")
    router.register("registry/tags", ResidentTagViewSet, basename="registry-tag")
    router.register("registry/tag-types", TagTypeViewSet, basename="registry-tag-type")
    router.register("registry/resident-units", ResidentUnitViewSet, basename="registry-resident-unit")
