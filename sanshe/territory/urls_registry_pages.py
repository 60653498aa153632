"""Registry URLs (pages): 一院一图 · 一楼一册 · 一户一档 and their forms."""

from django.urls import path

from . import views_registry_pages as v

urlpatterns: list = [
    path("compound/<int:pk>/", v.CompoundMapView.as_view(), name="compound_map"),
    path("building/<int:pk>/register/", v.BuildingRegisterView.as_view(), name="building_register"),
    path("building/<int:pk>/households/new/", v.HouseholdCreateView.as_view(), name="household_create"),
    path("household/<int:pk>/", v.HouseholdDetailView.as_view(), name="household_detail"),
    path("household/<int:pk>/edit/", v.HouseholdEditView.as_view(), name="household_edit"),
    path("household/<int:pk>/residents/new/", v.ResidentCreateView.as_view(), name="resident_create"),
    path("resident/<int:pk>/edit/", v.ResidentEditView.as_view(), name="resident_edit"),
    path("resident/<int:pk>/move-out/", v.ResidentMoveOutView.as_view(), name="resident_move_out"),
    path("resident/<int:pk>/death/", v.ResidentDeathView.as_view(), name="resident_death"),
    path("resident/<int:pk>/transfer/", v.ResidentTransferView.as_view(), name="resident_transfer"),
    path("resident/<int:pk>/unmask/", v.ResidentUnmaskView.as_view(), name="resident_unmask"),
    path("resident/<int:pk>/tags/new/", v.TagAddView.as_view(), name="tag_add"),
    path("tag/<int:pk>/end/", v.TagEndView.as_view(), name="tag_end"),
    path("tag/<int:pk>/details/", v.TagDetailsView.as_view(), name="tag_details"),
    path("dwelling/<int:pk>/occupancy/", v.DwellingOccupancyView.as_view(), name="dwelling_occupancy"),
]
