"""URLs: the social workers' roster, certificates, posts, subsidy table and roll, trainings, figures."""

from django.urls import path

from . import views_workers as v

urlpatterns = [
    path("workers/", v.WorkerListView.as_view(), name="worker_list"),
    path("workers/new/", v.WorkerCreateView.as_view(), name="worker_create"),
    path("workers/<int:pk>/", v.WorkerDetailView.as_view(), name="worker_detail"),
    path("workers/<int:pk>/edit/", v.WorkerEditView.as_view(), name="worker_edit"),
    path("workers/<int:pk>/posts/new/", v.PostCreateView.as_view(), name="worker_post_create"),
    path("workers/<int:pk>/posts/end/", v.PostEndView.as_view(), name="worker_post_end"),
    path("workers/<int:pk>/certificates/new/", v.CertificateCreateView.as_view(), name="worker_certificate_create"),
    path("certificates/<int:pk>/edit/", v.CertificateEditView.as_view(), name="worker_certificate_edit"),
    path("certificates/<int:pk>/revoke/", v.CertificateRevokeView.as_view(), name="worker_certificate_revoke"),
    path("me/", v.MyProfileView.as_view(), name="my_profile"),
    path("subsidy/rates/", v.RateListView.as_view(), name="subsidy_rates"),
    path("subsidy/roll/", v.RollView.as_view(), name="subsidy_roll"),
    path("subsidy/roll/export/", v.RollExportView.as_view(), name="subsidy_roll_export"),
    path("subsidy/roll/confirm/", v.RollConfirmView.as_view(), name="subsidy_roll_confirm"),
    path("trainings/", v.TrainingListView.as_view(), name="training_list"),
    path("trainings/new/", v.TrainingCreateView.as_view(), name="training_create"),
    path("trainings/<int:pk>/", v.TrainingDetailView.as_view(), name="training_detail"),
    path("trainings/<int:pk>/edit/", v.TrainingEditView.as_view(), name="training_edit"),
    path("workers/figures/", v.FiguresView.as_view(), name="worker_figures"),
]
