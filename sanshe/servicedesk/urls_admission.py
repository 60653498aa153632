"""URLs of the service cloud: community work admission (社区工作准入)."""

from django.urls import path

from . import views_admission as v

urlpatterns = [
    path("admission/list/", v.EntryListView.as_view(), name="admission_entry_list"),
    path("admission/list/new/", v.EntryEditView.as_view(), name="admission_entry_create"),
    path("admission/list/<int:pk>/", v.EntryEditView.as_view(), name="admission_entry_edit"),
    path("admission/list/<int:pk>/withdraw/", v.EntryWithdrawView.as_view(), name="admission_entry_withdraw"),
    path("admission/tasks/", v.DepartmentTaskListView.as_view(), name="admission_task_list"),
    path("admission/tasks/new/", v.TaskSubmitView.as_view(), name="admission_task_submit"),
    path("admission/tasks/<int:pk>/", v.DepartmentTaskDetailView.as_view(), name="admission_task_detail"),
    path("admission/review/", v.ReviewQueueView.as_view(), name="admission_review"),
    path("admission/review/<int:pk>/", v.ReviewDetailView.as_view(), name="admission_review_detail"),
    path("admission/work/", v.AssignmentListView.as_view(), name="admission_assignments"),
    path("admission/work/<int:pk>/done/", v.MarkDoneView.as_view(), name="admission_assignment_done"),
    path("admission/burden/", v.BurdenOverviewView.as_view(), name="admission_burden"),
    path("admission/burden/<int:pk>/", v.BurdenCommunityView.as_view(), name="admission_burden_community"),
]
