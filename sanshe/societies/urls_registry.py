"""URLs: registry."""

from django.urls import path

from . import views_registry as v

urlpatterns = [
    path("", v.OrganizationListView.as_view(), name="list"),
    path("export/", v.OrganizationExportView.as_view(), name="export"),
    path("new/", v.OrganizationCreateView.as_view(), name="create"),
    path("figures/", v.FiguresView.as_view(), name="figures"),
    path("evaluation-config/", v.ConfigView.as_view(), name="config"),
    path("<int:pk>/", v.OrganizationDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", v.OrganizationEditView.as_view(), name="edit"),
    path("<int:pk>/status/", v.StatusView.as_view(), name="status"),
    path("<int:pk>/incubation/", v.IncubationView.as_view(), name="incubation"),
    path("<int:pk>/inspection/", v.InspectionView.as_view(), name="inspection"),
    path("<int:pk>/evaluation/", v.EvaluationView.as_view(), name="evaluation"),
    path("<int:pk>/members/new/", v.MemberAddView.as_view(), name="member_add"),
    path("<int:pk>/council/new/", v.SeatAddView.as_view(), name="seat_add"),
    path("<int:pk>/posts/new/", v.PostAddView.as_view(), name="post_add"),
    path("<int:pk>/staff/", v.StaffView.as_view(), name="staff"),
    path("staff/<int:pk>/remove/", v.StaffRemoveView.as_view(), name="staff_remove"),
    path("council/<int:pk>/", v.SeatEditView.as_view(), name="seat_edit"),
    path("council/<int:pk>/remove/", v.SeatRemoveView.as_view(), name="seat_remove"),
    path("posts/<int:pk>/", v.PostEditView.as_view(), name="post_edit"),
    path("posts/<int:pk>/remove/", v.PostRemoveView.as_view(), name="post_remove"),
    path("members/<int:pk>/end/", v.MemberEndView.as_view(), name="member_end"),
    path("mine/", v.OwnListView.as_view(), name="own_list"),
    path("mine/<int:pk>/", v.OwnDetailView.as_view(), name="own_detail"),
    path("mine/<int:pk>/contacts/", v.OwnContactsView.as_view(), name="own_contacts"),
    path("mine/<int:pk>/members/new/", v.OwnMemberAddView.as_view(), name="own_member_add"),
    path("mine/<int:pk>/council/new/", v.OwnSeatAddView.as_view(), name="own_seat_add"),
    path("mine/members/<int:pk>/end/", v.OwnMemberEndView.as_view(), name="own_member_end"),
]
