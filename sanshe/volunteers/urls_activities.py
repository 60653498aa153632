"""URLs: the volunteer registry, teams, activities, sign-up, QR check-in and out, hours, figures."""

from django.urls import path

from sanshe.accounts.roles import Perm

from . import views_activities as v

ORG = {"org": True, "required_permission": Perm.VOLUNTEERS_ORGANIZE}

urlpatterns: list = [
    # the volunteer's phone pages (志愿服务)
    path("me/", v.MyHomeView.as_view(), name="my_home"),
    path("me/register/", v.MyRegisterView.as_view(), name="my_register"),
    path("me/activities/", v.MyActivityListView.as_view(), name="my_activities"),
    path("me/activities/<int:pk>/", v.MyActivityView.as_view(), name="my_activity"),
    path("me/activities/<int:pk>/signup/", v.MySignUpView.as_view(), name="my_signup"),
    path("me/activities/<int:pk>/cancel/", v.MySignUpView.as_view(cancel=True), name="my_signup_cancel"),
    path("me/records/", v.MyRecordsView.as_view(), name="my_records"),
    path("checkin/<str:token>/", v.CheckInView.as_view(), name="checkin"),
    # staff
    path("", v.VolunteerListView.as_view(), name="volunteer_list"),
    path("export/", v.VolunteerExportView.as_view(), name="volunteer_export"),
    path("new/", v.VolunteerCreateView.as_view(), name="volunteer_create"),
    path("<int:pk>/", v.VolunteerDetailView.as_view(), name="volunteer_detail"),
    path("<int:pk>/edit/", v.VolunteerEditView.as_view(), name="volunteer_edit"),
    path("teams/", v.TeamListView.as_view(), name="team_list"),
    path("teams/new/", v.TeamCreateView.as_view(), name="team_create"),
    path("teams/<int:pk>/", v.TeamDetailView.as_view(), name="team_detail"),
    path("activities/", v.ActivityListView.as_view(), name="activity_list"),
    path("activities/new/", v.ActivityCreateView.as_view(), name="activity_create"),
    path("activities/<int:pk>/", v.ActivityDetailView.as_view(), name="activity_detail"),
    path("activities/<int:pk>/qr.svg", v.ActivityQrView.as_view(), name="activity_qr"),
    path("activities/<int:pk>/cancel/", v.ActivityCancelView.as_view(), name="activity_cancel"),
    path("records/<int:pk>/confirm/", v.RecordDecisionView.as_view(), name="record_confirm"),
    path("records/<int:pk>/reject/", v.RecordDecisionView.as_view(reject=True), name="record_reject"),
    path("figures/", v.FiguresView.as_view(), name="figures"),
    # an organization's own activities (VOLUNTEERS_ORGANIZE)
    path("org/activities/", v.ActivityListView.as_view(**ORG), name="org_activity_list"),
    path("org/activities/new/", v.ActivityCreateView.as_view(**ORG), name="org_activity_create"),
    path("org/activities/<int:pk>/", v.ActivityDetailView.as_view(**ORG), name="org_activity_detail"),
    path("org/activities/<int:pk>/qr.svg", v.ActivityQrView.as_view(**ORG), name="org_activity_qr"),
    path("org/activities/<int:pk>/cancel/", v.ActivityCancelView.as_view(**ORG), name="org_activity_cancel"),
    path("org/records/<int:pk>/confirm/", v.RecordDecisionView.as_view(**ORG), name="org_record_confirm"),
    path("org/records/<int:pk>/reject/", v.RecordDecisionView.as_view(reject=True, **ORG),
         name="org_record_reject"),
]
