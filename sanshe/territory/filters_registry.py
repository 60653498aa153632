"""The resident search filter, shared by the search page, its export and the API (``/api/v1/registry/residents/``).

ID numbers and phones are stored encrypted: they are found only by their full value, through the blind index
(``id_number_index`` / ``phone_index``). A partial number cannot match, by design.
"""

from __future__ import annotations

import datetime as dt

import django_filters
import django_filters.fields
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from sanshe.accounts.roles import Perm
from sanshe.core import crypto
from sanshe.core.validators import normalize_phone

from . import registry
from .choices import Level, RegistrationKind, ResidentStatus
from .models import Node, Resident, ResidentTag, TagType

TERRITORY_LEVELS = (Level.STREET, Level.COMMUNITY, Level.GRID, Level.COMPOUND)
# Filters that narrow the search (pagination cursors and page size are not among them).
FILTER_FIELDS = ("name", "name_match", "id_number", "phone", "tag", "details_missing", "age_min", "age_max", "status",
                 "node", "registration_kind")
# The territory picker of the search page: one select per level, each listing the children of the one above.
CASCADE_LEVELS = (Level.STREET, Level.COMMUNITY, Level.GRID, Level.COMPOUND)


def years_ago(today: dt.date, years: int) -> dt.date:
    """The same day ``years`` years before ``today`` (29 February → 28 February)."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


def territory_choices_queryset(request):
    """The streets, communities, grids and compounds the user may search in (active, in code order)."""
    user = getattr(request, "user", None)
    return (
        Node.objects.visible_to(user, Perm.REGISTRY_VIEW)
        .filter(level__in=TERRITORY_LEVELS, is_active=True)
        .order_by("code")
    )


def tag_choices_queryset(request=None):
    return TagType.objects.filter(is_active=True).order_by("sort_order", "code")


class _NodeField(django_filters.fields.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.get_level_display()} · {obj.name}"


@extend_schema_field(OpenApiTypes.STR)
class TagChoiceFilter(django_filters.ModelChoiceFilter):
    """A tag type, by its code (``disabled``, ``elderly`` …)."""


@extend_schema_field(OpenApiTypes.INT)
class TerritoryChoiceFilter(django_filters.ModelChoiceFilter):
    """A territory node the user reaches; its label says its level (网格 · 和平第一网格)."""

    field_class = _NodeField


def _skip(queryset, name, value):
    """Applied together in :meth:`ResidentFilter.filter_queryset`."""
    return queryset


class ResidentFilter(django_filters.FilterSet):
    """Name (prefix or contains), full ID number, full phone, tag valid today, age, status, territory, kind."""

    name = django_filters.CharFilter(label=_("Name"), method=_skip,
                                     widget=forms.TextInput(attrs={"placeholder": _("Name"), "type": "search"}))
    name_match = django_filters.ChoiceFilter(
        label=_("Name matches"), method=_skip, empty_label=None,
        choices=[("prefix", _("Starts with")), ("contains", _("Contains"))],
    )
    id_number = django_filters.CharFilter(
        label=_("ID number"), method=_skip,
        help_text=_("The full 18-character number; a part of it finds nothing."),
        widget=forms.TextInput(attrs={"placeholder": _("Full ID number"), "autocomplete": "off"}),
    )
    phone = django_filters.CharFilter(
        label=_("Phone"), method=_skip, help_text=_("The full number; a part of it finds nothing."),
        widget=forms.TextInput(attrs={"placeholder": _("Full phone number"), "autocomplete": "off",
                                      "inputmode": "tel"}),
    )
    tag = TagChoiceFilter(
        label=_("Group"), queryset=tag_choices_queryset, to_field_name="code", method=_skip,
        empty_label=_("Any group"),
    )
    details_missing = django_filters.BooleanFilter(
        label=_("Tags with missing details"), method=_skip, widget=forms.CheckboxInput,
        help_text=_("Residents holding a tag whose required details (grade, certificate number …) are still to be "
                    "filled in, e.g. after an import."),
    )
    age_min = django_filters.NumberFilter(label=_("Age from"), method=_skip, min_value=0, max_value=150,
                                          widget=forms.NumberInput(attrs={"placeholder": _("Age from")}))
    age_max = django_filters.NumberFilter(label=_("Age to"), method=_skip, min_value=0, max_value=150,
                                          widget=forms.NumberInput(attrs={"placeholder": _("Age to")}))
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ResidentStatus.choices, method=_skip,
                                         empty_label=_("Any status"))
    node = TerritoryChoiceFilter(label=_("Territory"), queryset=territory_choices_queryset, method=_skip,
                                 empty_label=_("All my territory"))
    registration_kind = django_filters.ChoiceFilter(
        label=_("Registration kind"), choices=RegistrationKind.choices, method=_skip, empty_label=_("Any kind"),
    )

    class Meta:
        model = Resident
        fields: list = []

    def __init__(self, *args, today: dt.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()

    # --- the filter -----------------------------------------------------------------------------------
    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        data = self.form.cleaned_data
        return apply_filters(queryset, data, today=self.today)

    def active_filter(self) -> dict:
        """The non-empty filter fields as typed, without the ID number or phone themselves (for the audit)."""
        out = {}
        for name in FILTER_FIELDS:
            value = (self.data.get(name) or "").strip() if hasattr(self.data, "get") else ""
            if not value or (name == "name_match" and not (self.data.get("name") or "").strip()):
                continue
            if name in ("id_number", "phone"):
                value = "(full number)"
            out[name] = value
        return out

    def query_params(self) -> list[tuple[str, str]]:
        """The filter as (name, value) pairs, to repeat it in links and hidden export fields."""
        return [(name, self.data.get(name)) for name in FILTER_FIELDS
                if hasattr(self.data, "get") and (self.data.get(name) or "").strip()]


def apply_filters(queryset: QuerySet, data: dict, *, today: dt.date) -> QuerySet:
    """The resident filter on cleaned values (see :class:`ResidentFilter`)."""
    name = (data.get("name") or "").strip()
    if name:
        lookup = "name__contains" if data.get("name_match") == "contains" else "name__startswith"
        queryset = queryset.filter(**{lookup: name})
    number = (data.get("id_number") or "").strip()
    if number:
        queryset = queryset.filter(id_number_index=registry.id_number_index(number))
    phone = (data.get("phone") or "").strip()
    if phone:
        queryset = queryset.filter(phone_index=crypto.blind_index(normalize_phone(phone)))
    tag = data.get("tag")
    if tag is not None:
        queryset = queryset.filter(tag_q(tag, today))
    if data.get("details_missing"):
        queryset = queryset.filter(details_missing_q(today, tag))
    if data.get("age_min") is not None:
        queryset = queryset.filter(birth_date__lte=years_ago(today, int(data["age_min"])))
    if data.get("age_max") is not None:
        queryset = queryset.filter(birth_date__gt=years_ago(today, int(data["age_max"]) + 1))
    if data.get("status"):
        queryset = queryset.filter(status=data["status"])
    node = data.get("node")
    if node is not None:
        queryset = queryset.filter(**{f"{node.level}_id": node.pk})
    if data.get("registration_kind"):
        queryset = queryset.filter(household__registration_kind=data["registration_kind"])
    return queryset


def tag_q(tag_type: TagType, today: dt.date) -> Q:
    """Residents holding ``tag_type`` today (a derived age tag: born on or before the cut-off)."""
    if tag_type.derived_min_age is not None:
        return Q(birth_date__lte=years_ago(today, tag_type.derived_min_age))
    valid = ResidentTag.objects.filter(resident=OuterRef("pk"), tag_type=tag_type).filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=today), Q(valid_to__isnull=True) | Q(valid_to__gte=today)
    )
    return Q(Exists(valid))


def details_missing_q(today: dt.date, tag_type: TagType | None = None) -> Q:
    """Residents holding a tag (not ended; of ``tag_type`` when given) that lacks a required detail (待补充)."""
    lacking = ResidentTag.objects.filter(resident=OuterRef("pk")).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=today)).filter(registry.details_missing_q())
    if tag_type is not None:
        lacking = lacking.filter(tag_type=tag_type)
    return Q(Exists(lacking))


def territory_cascade(user, node: Node | None) -> list[dict]:
    """The selects of the territory picker down to ``node``: for each level from the user's top one, the nodes
    to choose from (the children of the choice above) and the one chosen. At most one query per level, whatever
    the size of the district (a district admin never gets every compound in one list).

    Returns ``[{"level", "label", "options": [Node], "selected": pk | None, "parent": pk | None}]``.
    """
    visible = Node.objects.visible_to(user, Perm.REGISTRY_VIEW).filter(is_active=True)
    levels = set(visible.filter(level__in=CASCADE_LEVELS).values_list("level", flat=True).distinct())
    if not levels:
        return []
    depth = min(CASCADE_LEVELS.index(level) for level in levels)
    chain = []
    if node is not None and node.level in CASCADE_LEVELS:
        chain = [getattr(node, f"{level}_id") for level in CASCADE_LEVELS[depth:CASCADE_LEVELS.index(node.level)]]
        chain.append(node.pk)
    selects = []
    parent = None
    for i, level in enumerate(CASCADE_LEVELS[depth:]):
        qs = visible.filter(level=level)
        if parent is not None:
            qs = qs.filter(parent_id=parent)
        elif i:
            break
        options = list(qs.order_by("code").only("pk", "name", "code", "level"))
        if not options:
            break
        selected = chain[i] if i < len(chain) else None
        selects.append({"level": level, "label": Level(level).label, "options": options, "selected": selected,
                        "parent": parent})
        if selected is None:
            break
        parent = selected
    return selects


def valid_tags_queryset(today: dt.date) -> QuerySet:
    """Tags valid today, with their type (for ``prefetch_related`` onto residents)."""
    return (
        ResidentTag.objects.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=today),
                                   Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .select_related("tag_type").order_by("tag_type__sort_order", "tag_type__code")
    )


def derived_tag_names(resident: Resident, derived: list[TagType], today: dt.date) -> list[str]:
    """The names of the derived (age) tags a resident holds today."""
    if resident.birth_date is None:
        return []
    return [t.name for t in derived if resident.birth_date <= years_ago(today, t.derived_min_age)]


def validate_page_size(value, default: int, maximum: int) -> int:
    """A page size from a request parameter, clamped to 1 … ``maximum``."""
    try:
        size = int(value)
    except (TypeError, ValueError):
        return default
    return max(1, min(size, maximum))
