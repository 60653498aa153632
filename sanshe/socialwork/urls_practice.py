"""URLs: practice — the social worker's cases, groups, activities; the staff's lists and figures."""

from django.urls import path

from . import views_practice as v

urlpatterns: list = [
    # the social worker (SOCIALWORK_PRACTICE): his own and supervised cases, his groups and activities
    path("practice/my/cases/", v.MyCasesView.as_view(), name="practice_my_cases"),
    path("practice/my/cases/new/", v.CaseCreateView.as_view(), name="practice_case_create"),
    path("practice/my/cases/<int:pk>/", v.CaseView.as_view(), name="practice_case"),
    path("practice/my/cases/<int:pk>/notes/", v.CaseNotesView.as_view(), name="practice_case_notes"),
    path("practice/my/cases/<int:pk>/action/", v.CaseActionView.as_view(), name="practice_case_action"),
    path("practice/my/groups/", v.MyGroupsView.as_view(), name="practice_my_groups"),
    path("practice/my/groups/new/", v.GroupCreateView.as_view(), name="practice_group_create"),
    path("practice/my/groups/<int:pk>/", v.GroupView.as_view(), name="practice_group"),
    path("practice/my/groups/<int:pk>/action/", v.GroupActionView.as_view(), name="practice_group_action"),
    path("practice/my/activities/", v.MyActivitiesView.as_view(), name="practice_my_activities"),
    # staff (SOCIALWORK_VIEW): titles, states and counts only
    path("practice/cases/", v.CasesView.as_view(), name="practice_cases"),
    path("practice/cases/<int:pk>/", v.CaseStaffView.as_view(), name="practice_case_staff"),
    path("practice/groups/", v.GroupsView.as_view(), name="practice_groups"),
    path("practice/groups/<int:pk>/", v.GroupStaffView.as_view(), name="practice_group_staff"),
    path("practice/activities/", v.ActivitiesView.as_view(), name="practice_activities"),
    path("practice/figures/", v.FiguresView.as_view(), name="practice_figures"),
]
