"""Pages of the resident import: upload (run as a background task), progress, results, error workbook, template.

Every view requires registry.import; a job is visible to the importers of its community (404 elsewhere).
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from sanshe.accounts.roles import Perm
from sanshe.core.exceptions import OutOfScope
from sanshe.core.services import require

from . import tasks
from .choices import Level
from .imports_registry import template_workbook
from .models import Node

IMPORT = Perm.REGISTRY_IMPORT
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UPLOAD = 200 * 1024 * 1024


class ResidentImportForm(forms.Form):
    file = forms.FileField(label=_("Ledger file"),
                           help_text=_("An .xlsx, .xls or .csv file (UTF-8 or GBK)."))
    community = forms.ModelChoiceField(label=_("Community"), queryset=Node.objects.none())
    grid = forms.ModelChoiceField(
        label=_("Default grid"), queryset=Node.objects.none(), required=False,
        help_text=_("New compounds go under this grid when the sheet has no 网格 column (not needed when the "
                    "community has one grid)."))
    dry_run = forms.BooleanField(label=_("Only check, save nothing"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        communities = Node.objects.visible_to(user, IMPORT).filter(level=Level.COMMUNITY, is_active=True)
        self.fields["community"].queryset = communities.order_by("code")
        self.fields["grid"].queryset = Node.objects.visible_to(user, IMPORT).filter(
            level=Level.GRID, is_active=True).order_by("code")
        if communities.count() == 1:
            self.fields["community"].initial = communities.first()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError(_("The file is too large."))
        return upload

    def clean(self):
        data = super().clean()
        grid, community = data.get("grid"), data.get("community")
        if grid and community and grid.parent_id != community.pk:
            self.add_error("grid", _("The default grid is not a grid of this community."))
        return data


def _job_for(user, job_id: str) -> dict:
    """The job, if the user may import into its community; else 404 (audited as out of scope)."""
    require(user, IMPORT)
    try:
        job = tasks.load_job(job_id)
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    community = Node.objects.filter(pk=job["community_id"]).first()
    if community is None or not Node.objects.visible_to(user, IMPORT).filter(pk=community.pk).exists():
        raise OutOfScope(IMPORT, community)
    job["community"] = community
    return job


@login_required
def import_page(request):
    """Upload a ledger: the job is stored and enqueued, then the job page follows its progress."""
    require(request.user, IMPORT)
    form = ResidentImportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = tasks.create_job(data=upload.read(), filename=upload.name, actor=request.user,
                               community=form.cleaned_data["community"], grid=form.cleaned_data["grid"],
                               dry_run=form.cleaned_data["dry_run"])
        tasks.run_registry_import.enqueue(job["id"])
        return redirect("territory:registry_import_job", job_id=job["id"])
    return render(request, "registry/import/upload.html", {"form": form})


def _context(request, job_id):
    job = _job_for(request.user, job_id)
    result = tasks.load_result(job_id) if job["status"] == "done" else None
    percent = int(100 * job["done"] / job["total"]) if job.get("total") else 0
    has_workbook = (tasks.job_dir(job_id) / "errors.xlsx").exists()
    started = parse_datetime(job.get("created_at") or "")
    return {"job": job, "result": result, "percent": percent, "has_workbook": has_workbook, "started": started,
            "finished": job["status"] in ("done", "failed"),
            "status_url": reverse("territory:registry_import_status", kwargs={"job_id": job_id})}


@login_required
def job_page(request, job_id):
    """Progress of an import (htmx polls the status fragment), then its result and error table."""
    return render(request, "registry/import/job.html", _context(request, job_id))


@login_required
def job_status(request, job_id):
    """The status fragment the job page polls."""
    return render(request, "registry/import/_status.html", _context(request, job_id))


@login_required
def error_workbook(request, job_id):
    """The error workbook of a finished import."""
    job = _job_for(request.user, job_id)
    path = tasks.job_dir(job_id) / "errors.xlsx"
    if not path.exists():
        raise Http404
    name = job["filename"].rsplit(".", 1)[0] + "-错误.xlsx"
    return FileResponse(path.open("rb"), as_attachment=True, filename=name, content_type=XLSX)


@login_required
def template_download(request):
    """The .xlsx template with the Chinese headers and one example row."""
    require(request.user, IMPORT)
    response = HttpResponse(template_workbook(), content_type=XLSX)
    response["Content-Disposition"] = "attachment; filename*=UTF-8''%E5%B1%85%E6%B0%91%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF.xlsx"
    return response
