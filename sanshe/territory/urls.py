from django.urls import path

from . import urls_registry_import, urls_registry_pages, urls_registry_search, views

app_name = "territory"

urlpatterns = [
    path("", views.browser_view, name="browser"),
    path("<int:pk>/", views.NodeDetailView.as_view(), name="node_detail"),
    path("<int:parent_pk>/new/", views.NodeCreateView.as_view(), name="node_create"),
    path("<int:pk>/edit/", views.NodeEditView.as_view(), name="node_edit"),
    path("<int:pk>/move/", views.NodeMoveView.as_view(), name="node_move"),
    path("<int:pk>/retire/", views.NodeRetireView.as_view(), name="node_retire"),
    path("<int:pk>/reactivate/", views.NodeReactivateView.as_view(), name="node_reactivate"),
    path("import/", views.ImportView.as_view(), name="import"),
    path("import/template.xlsx", views.ImportTemplateView.as_view(), name="import_template"),
]

# The resident registry (一院一图 · 一楼一册 · 一户一档), its search and its import.
urlpatterns += urls_registry_pages.urlpatterns + urls_registry_search.urlpatterns + urls_registry_import.urlpatterns
