"""URLs of the service cloud: the catalogue and stations (configuration) and the public 办事指南."""

from django.urls import path

from . import views_config as config
from . import views_guide as guide

urlpatterns = [
    path("catalogue/", config.ItemListView.as_view(), name="item_list"),
    path("catalogue/new/", config.ItemFormView.as_view(), name="item_create"),
    path("catalogue/<int:pk>/", config.ItemDetailView.as_view(), name="item_detail"),
    path("catalogue/<int:pk>/edit/", config.ItemFormView.as_view(), name="item_edit"),
    path("catalogue/<int:pk>/active/", config.ItemActiveView.as_view(), name="item_active"),
    path("stations/", config.StationListView.as_view(), name="station_list"),
    path("stations/new/", config.StationFormView.as_view(), name="station_create"),
    path("stations/<int:pk>/edit/", config.StationFormView.as_view(), name="station_edit"),
    path("guide/", guide.GuideView.as_view(), name="guide"),
    path("guide/<int:pk>/", guide.GuideItemView.as_view(), name="guide_item"),
]
