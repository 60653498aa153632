"""URLs of grid governance: patrols (included by ``urls.py``)."""

from django.urls import path

from . import views_patrols as v

urlpatterns = [
    path("patrols/", v.PatrolListView.as_view(), name="patrol_list"),
    path("patrols/my/", v.MyPatrolView.as_view(), name="patrol_my"),
    path("patrols/start/", v.StartPatrolView.as_view(), name="patrol_start"),
    path("patrols/coverage/", v.CoverageView.as_view(), name="patrol_coverage"),
    path("patrols/<int:pk>/", v.PatrolDetailView.as_view(), name="patrol_detail"),
    path("patrols/<int:pk>/points/", v.PatrolPointsView.as_view(), name="patrol_points"),
    path("patrols/<int:pk>/end/", v.EndPatrolView.as_view(), name="patrol_end"),
]
