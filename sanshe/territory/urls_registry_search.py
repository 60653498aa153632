"""Registry URLs (search, export, configuration: group tags and resident units)."""

from django.urls import path

from . import views_registry_config as config
from . import views_registry_search as search

urlpatterns: list = [
    path("residents/", search.ResidentSearchView.as_view(), name="resident_search"),
    path("residents/export/", search.ResidentExportView.as_view(), name="resident_export"),
    path("residents/territory/", search.ResidentSearchTerritoryView.as_view(), name="resident_search_territory"),
    path("registry/tags/", config.TagTypeListView.as_view(), name="tag_type_list"),
    path("registry/tags/new/", config.TagTypeFormView.as_view(), name="tag_type_create"),
    path("registry/tags/<int:pk>/edit/", config.TagTypeFormView.as_view(), name="tag_type_edit"),
    path("units/", config.ResidentUnitListView.as_view(), name="resident_unit_list"),
    path("units/new/", config.ResidentUnitCreateView.as_view(), name="resident_unit_create"),
    path("units/<int:pk>/edit/", config.ResidentUnitEditView.as_view(), name="resident_unit_edit"),
]
