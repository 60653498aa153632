"""URLs of grid governance: configuration (catalogue, handling units, responsibility table, settings, working days)
and the map of events (included by ``urls.py``)."""

from django.urls import path

from . import views_config as config
from . import views_map as maps

urlpatterns = [
    path("config/categories/", config.CategoryListView.as_view(), name="category_list"),
    path("config/categories/new/", config.CategoryFormView.as_view(), name="category_create"),
    path("config/categories/<int:pk>/", config.CategoryDetailView.as_view(), name="category_detail"),
    path("config/categories/<int:pk>/edit/", config.CategoryFormView.as_view(), name="category_edit"),
    path("config/units/", config.UnitListView.as_view(), name="unit_list"),
    path("config/units/new/", config.UnitFormView.as_view(), name="unit_create"),
    path("config/units/<int:pk>/", config.UnitDetailView.as_view(), name="unit_detail"),
    path("config/units/<int:pk>/edit/", config.UnitFormView.as_view(), name="unit_edit"),
    path("config/units/<int:pk>/members/add/", config.UnitMemberAddView.as_view(), name="unit_member_add"),
    path("config/units/<int:pk>/members/<int:user_pk>/remove/", config.UnitMemberRemoveView.as_view(),
         name="unit_member_remove"),
    path("config/responsibility/", config.ResponsibilityView.as_view(), name="responsibility"),
    path("config/responsibility/<int:pk>/", config.ResponsibilityLineView.as_view(), name="responsibility_line"),
    path("config/settings/", config.SettingsView.as_view(), name="event_settings"),
    path("config/workdays/", config.WorkdayListView.as_view(), name="workdays"),
    path("config/workdays/<int:pk>/delete/", config.WorkdayDeleteView.as_view(), name="workday_delete"),
    path("map/", maps.EventMapView.as_view(), name="event_map"),
    path("map/events.json", maps.EventMapDataView.as_view(), name="event_map_data"),
    path("map/grids.json", maps.EventMapGridsView.as_view(), name="event_map_grids"),
]
