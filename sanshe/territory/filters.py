"""Filters of the territory API (django-filter)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import Level
from .models import Node


class NodeFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=Level.choices, label=_("Level"))
    parent = django_filters.NumberFilter(field_name="parent_id", label=_("Parent node id"))
    is_active = django_filters.BooleanFilter(label=_("Active"))
    code = django_filters.CharFilter(label=_("Code (exact)"))
    q = django_filters.CharFilter(method="search", label=_("Name contains, or code starts with"))

    class Meta:
        model = Node
        fields = ["level", "parent", "is_active", "code", "q"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(code__startswith=value))
