"""The audit log for the audit administrator: filter, page (keyset on ``seq``), one entry, export, chain check.

Only holders of ``audit.view`` read the log (the audit administrator); ``audit.export`` downloads it. Nothing
here edits or deletes an entry, and there is no view that could. Plain reading is not audited; exports and
chain checks are (``audit.exported``, ``audit.verified``).

The log is platform-wide on purpose: failed logins, denials and the administrators' own actions have no
territory, and an auditor who saw only part of the chain could not check it.

Apps that add actions may add their labels with ``ACTION_LABELS.update({...})`` in their ``AppConfig.ready``.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.validators import validate_ipv46_address
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from sanshe.accounts.roles import Perm, Role

from . import audit
from .exports import audited_export
from .models import AuditEntry
from .views import PermissionRequiredMixin

PAGE_SIZE = 50
DEFAULT_EXPORT_MAX_ROWS = 100_000

ACTION_LABELS: dict[str, str] = {
    "auth.login": gettext_lazy("Logged in"),
    "auth.logout": gettext_lazy("Logged out"),
    "auth.login_failed": gettext_lazy("Failed login"),
    "auth.lockout": gettext_lazy("Account locked after failed logins"),
    "auth.session_expired": gettext_lazy("Session expired"),
    "auth.second_factor": gettext_lazy("Second factor verified"),
    "permission.denied": gettext_lazy("Permission denied"),
    "permission.out_of_scope": gettext_lazy("Access outside own territory"),
    "accounts.user.created": gettext_lazy("Account created"),
    "accounts.user.updated": gettext_lazy("Account changed"),
    "accounts.user.activated": gettext_lazy("Account activated"),
    "accounts.user.deactivated": gettext_lazy("Account deactivated"),
    "accounts.role.granted": gettext_lazy("Role granted"),
    "accounts.role.revoked": gettext_lazy("Role revoked"),
    "accounts.password.changed": gettext_lazy("Password changed"),
    "accounts.password.reset": gettext_lazy("Password reset"),
    "accounts.token.created": gettext_lazy("API token issued"),
    "accounts.token.revoked": gettext_lazy("API token revoked"),
    "security.user.unlocked": gettext_lazy("Account unlocked"),
    "security.totp.reset": gettext_lazy("Second factor reset"),
    "security.totp.confirmed": gettext_lazy("Second factor set up"),
    "security.totp.setup_started": gettext_lazy("Second factor setup started"),
    "territory.node.created": gettext_lazy("Territory node created"),
    "territory.node.updated": gettext_lazy("Territory node changed"),
    "territory.node.recoded": gettext_lazy("Territory node re-coded"),
    "territory.node.moved": gettext_lazy("Territory node moved"),
    "territory.node.retired": gettext_lazy("Territory node retired"),
    "territory.node.reactivated": gettext_lazy("Territory node reactivated"),
    "territory.import": gettext_lazy("Territory imported"),
    "audit.exported": gettext_lazy("Audit log exported"),
    "audit.verified": gettext_lazy("Audit chain verified"),
}

# Beginnings of action codes offered in the filter (prefix match).
ACTION_GROUPS: dict[str, str] = {
    "auth.": gettext_lazy("Logins and sessions"),
    "permission.": gettext_lazy("Refused access"),
    "accounts.": gettext_lazy("Accounts and roles"),
    "security.": gettext_lazy("Login security"),
    "territory.": gettext_lazy("Territory"),
    "audit.": gettext_lazy("Audit log"),
}

REASONS = {
    "missing": gettext_lazy("an entry is missing (sequence gap)"),
    "link": gettext_lazy("the entry does not point to the previous entry's hash"),
    "content": gettext_lazy("the entry's content does not match its hash (it was changed)"),
    "tail": gettext_lazy("entries at the end of the chain were removed"),
}

RESULT_TAGS = {
    AuditEntry.Result.SUCCESS: "tag-ok",
    AuditEntry.Result.FAILURE: "tag-warn",
    AuditEntry.Result.DENIED: "tag-red",
}


def action_label(action: str) -> str:
    """The translated name of an action code, or '' when none is known."""
    label = ACTION_LABELS.get(action)
    return str(label) if label else ""


def role_labels(roles: str) -> list[str]:
    out = []
    for code in filter(None, (roles or "").split(",")):
        try:
            out.append(str(Role(code).label))
        except ValueError:
            out.append(code)
    return out


def object_type_label(object_type: str) -> str:
    if not object_type:
        return ""
    try:
        return str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return object_type


def field_label(object_type: str, name: str) -> str:
    try:
        return str(apps.get_model(object_type)._meta.get_field(name).verbose_name)
    except (LookupError, ValueError, FieldDoesNotExist):
        return ""


def export_max_rows() -> int:
    return int(getattr(settings, "SANSHE_AUDIT_EXPORT_MAX_ROWS", DEFAULT_EXPORT_MAX_ROWS))


# --- Filter ------------------------------------------------------------------------------------------------
class AuditFilterForm(forms.Form):
    """The filter of the list, the export and the pagination links (all read the same GET/POST fields).

    Times are entered in local time (``settings.TIME_ZONE``, Asia/Shanghai) and compared with the UTC times
    stored in the log. ``date_to`` includes its whole minute, or its whole day when no time is given.
    """

    TIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]

    date_from = forms.CharField(
        label=gettext_lazy("From"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    date_to = forms.CharField(
        label=gettext_lazy("To"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    user = forms.CharField(label=gettext_lazy("User name"), required=False, max_length=150)
    action = forms.CharField(
        label=gettext_lazy("Action"), required=False, max_length=100,
        widget=forms.TextInput(attrs={"list": "audit-actions", "placeholder": "auth."}),
    )
    object_type = forms.CharField(
        label=gettext_lazy("Object type"), required=False, max_length=100,
        widget=forms.TextInput(attrs={"list": "audit-object-types", "placeholder": "territory.node"}),
    )
    object_id = forms.CharField(label=gettext_lazy("Object id"), required=False, max_length=64)
    territory = forms.CharField(
        label=gettext_lazy("Territory code"), required=False, max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "510199001"}),
    )
    result = forms.ChoiceField(
        label=gettext_lazy("Result"), required=False,
        choices=[("", gettext_lazy("Any result")), *AuditEntry.Result.choices],
    )
    ip = forms.CharField(label=gettext_lazy("IP address"), required=False, max_length=45)
    request_id = forms.CharField(label=gettext_lazy("Request id"), required=False, max_length=64)
    seq = forms.IntegerField(label=gettext_lazy("Go to no."), required=False, min_value=1)

    FIELDS_IN_FILTER = ("date_from", "date_to", "user", "action", "object_type", "object_id", "territory",
                        "result", "ip", "request_id")

    def _parse_time(self, name: str) -> tuple[dt.datetime | None, bool]:
        raw = (self.cleaned_data.get(name) or "").strip()
        if not raw:
            return None, False
        for fmt in self.TIME_FORMATS:
            try:
                return timezone.make_aware(dt.datetime.strptime(raw, fmt)), False
            except ValueError:
                continue
        try:
            day = dt.date.fromisoformat(raw)
        except ValueError as exc:
            raise ValidationError(_("Enter a date and time, e.g. 2025-01-31 08:30.")) from exc
        return timezone.make_aware(dt.datetime.combine(day, dt.time.min)), True

    def clean_date_from(self):
        value, _date_only = self._parse_time("date_from")
        return value

    def clean_date_to(self):
        value, date_only = self._parse_time("date_to")
        if value is None:
            return None
        # Exclusive upper bound: the whole day of a bare date, else the whole minute (or second) typed.
        raw = self.cleaned_data["date_to"].strip()
        step = dt.timedelta(days=1) if date_only else (
            dt.timedelta(seconds=1) if raw.count(":") == 2 else dt.timedelta(minutes=1))
        return value + step

    def clean_ip(self):
        ip = self.cleaned_data.get("ip", "").strip()
        if ip:
            try:
                validate_ipv46_address(ip)
            except ValidationError as exc:
                raise ValidationError(_("Enter a complete IPv4 or IPv6 address.")) from exc
        return ip

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end <= start:
            self.add_error("date_to", _("The end must come after the start."))
        return data

    def filter(self, qs: QuerySet | None = None) -> QuerySet:
        """The entries matching the (valid) filter; the cursor (``seq``) is not applied here."""
        qs = AuditEntry.objects.all() if qs is None else qs
        data = self.cleaned_data
        if data.get("date_from"):
            qs = qs.filter(at__gte=data["date_from"])
        if data.get("date_to"):
            qs = qs.filter(at__lt=data["date_to"])
        if data.get("user"):
            qs = qs.filter(username__startswith=data["user"].strip())
        if data.get("action"):
            qs = qs.filter(action__startswith=data["action"].strip())
        if data.get("object_type"):
            qs = qs.filter(object_type=data["object_type"].strip().lower())
        if data.get("object_id"):
            qs = qs.filter(object_id=data["object_id"].strip())
        if data.get("territory"):
            code = data["territory"].strip()
            # ``territory`` holds one code, or the codes of all the actor's grants joined by commas.
            qs = qs.filter(Q(territory__startswith=code) | Q(territory__contains="," + code))
        if data.get("result"):
            qs = qs.filter(result=data["result"])
        if data.get("ip"):
            qs = qs.filter(ip=data["ip"])
        if data.get("request_id"):
            qs = qs.filter(request_id=data["request_id"].strip())
        return qs

    def active_filter(self) -> dict:
        """The non-empty filter fields as typed (for the export's audit entry and the page's links)."""
        return {name: self.data.get(name) for name in self.FIELDS_IN_FILTER if (self.data.get(name) or "").strip()}


def filter_form(data) -> AuditFilterForm:
    form = AuditFilterForm(data)
    form.is_valid()
    return form


# --- Keyset pagination -------------------------------------------------------------------------------------
@dataclass
class KeysetPage:
    """One page of entries, newest first, and the cursors of its neighbours (``None`` when there is none)."""

    entries: list
    newer: int | None  # pass as ?after=<seq>
    older: int | None  # pass as ?before=<seq>


def keyset_page(qs: QuerySet, *, before: int | None = None, after: int | None = None,
                size: int = PAGE_SIZE) -> KeysetPage:
    """Entries around a cursor on the unique, indexed ``seq`` — never OFFSET, so page 20,000 is as fast as 1.

    ``before``: the ``size`` entries just older than that seq; ``after``: the ``size`` entries just newer;
    neither: the newest. One query fetches ``size + 1`` rows (the extra row tells whether there is more in
    that direction); one ``EXISTS`` looks the other way.
    """
    if after is not None:
        rows = list(qs.filter(seq__gt=after).order_by("seq")[: size + 1])
        more_newer = len(rows) > size
        rows = rows[:size]
        rows.reverse()
        if not rows:
            return keyset_page(qs, size=size)
        more_older = qs.filter(seq__lt=rows[-1].seq).exists()
    else:
        base = qs.filter(seq__lt=before) if before is not None else qs
        rows = list(base.order_by("-seq")[: size + 1])
        more_older = len(rows) > size
        rows = rows[:size]
        more_newer = bool(rows) and before is not None and qs.filter(seq__gt=rows[0].seq).exists()
        if not rows and before is not None:
            more_newer = qs.filter(seq__gte=before).exists()
            return KeysetPage([], newer=before - 1 if more_newer else None, older=None)
    return KeysetPage(
        rows,
        newer=rows[0].seq if rows and more_newer else None,
        older=rows[-1].seq if rows and more_older else None,
    )


def _int_param(request, name: str) -> int | None:
    try:
        value = int(request.GET.get(name, ""))
    except ValueError:
        return None
    return value if value >= 0 else None


def _query(params: dict, **cursor) -> str:
    merged = {k: v for k, v in params.items() if v not in (None, "")}
    merged.update({k: v for k, v in cursor.items() if v is not None})
    return "?" + urlencode(merged) if merged else "?"


# --- Presentation ------------------------------------------------------------------------------------------
class EntryRow:
    """An entry with what the templates show next to it."""

    def __init__(self, entry: AuditEntry, node_names: dict[str, str] | None = None):
        self.e = entry
        self.node_names = node_names or {}

    def __getattr__(self, name):
        return getattr(self.e, name)

    @cached_property
    def action_label(self) -> str:
        return action_label(self.e.action)

    @cached_property
    def role_labels(self) -> list[str]:
        return role_labels(self.e.roles)

    @cached_property
    def territory_codes(self) -> list[tuple[str, str]]:
        return [(code, self.node_names.get(code, "")) for code in filter(None, self.e.territory.split(","))]

    @cached_property
    def object_type_label(self) -> str:
        return object_type_label(self.e.object_type)

    @property
    def result_tag(self) -> str:
        return RESULT_TAGS.get(self.e.result, "")


def _node_names(entries) -> dict[str, str]:
    from sanshe.territory.models import Node

    codes = {code for e in entries for code in e.territory.split(",") if code}
    if not codes:
        return {}
    return dict(Node.objects.filter(code__in=codes).values_list("code", "name"))


def _display(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, str):
        moment = parse_datetime(value) if len(value) >= 20 and value[10:11] == "T" else None
        if moment is not None and timezone.is_aware(moment):
            # Stored as UTC ISO text; shown in local time like every other time on these pages.
            return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")
        return value
    return json.dumps(value, ensure_ascii=False)


def change_rows(entry: AuditEntry) -> tuple[list[dict], list[dict]]:
    """(diff rows ``field, label, before, after``; other details ``key, value``) of an entry's ``changes``."""
    diffs, details = [], []
    for key, value in (entry.changes or {}).items():
        if isinstance(value, list) and len(value) == 2:
            diffs.append({
                "field": key, "label": field_label(entry.object_type, key),
                "before": _display(value[0]), "after": _display(value[1]),
                "before_none": value[0] is None, "after_none": value[1] is None,
            })
        else:
            details.append({"key": key, "value": _display(value)})
    return diffs, details


def last_verification() -> AuditEntry | None:
    return AuditEntry.objects.filter(action="audit.verified").order_by("-seq").first()


def chain_context(*, checked: int | None = None, broken=None, entry: AuditEntry | None = None) -> dict:
    """What the chain status box shows: a check just run (``checked``/``broken``) or the last one recorded."""
    if checked is not None:
        return {"chain": {"fresh": True, "ok": broken is None, "checked": checked,
                          "broken_seq": broken.seq if broken else None,
                          "reason": str(REASONS.get(broken.reason, broken.reason)) if broken else ""}}
    if entry is None:
        return {"chain": None}
    info = entry.changes or {}
    reason = info.get("reason", "")
    return {"chain": {"fresh": False, "ok": entry.result == AuditEntry.Result.SUCCESS,
                      "checked": info.get("entries"), "broken_seq": info.get("broken_seq"),
                      "reason": str(REASONS.get(reason, reason)), "at": entry.at, "by": entry.username,
                      "entry": entry}}


# --- Views -------------------------------------------------------------------------------------------------
class AuditListView(PermissionRequiredMixin, TemplateView):
    """The log, newest first, filtered, in pages of 50 by ``seq``. Reading it is not audited."""

    required_permission = Perm.AUDIT_VIEW
    template_name = "audit/list.html"

    def get_context_data(self, **kwargs):
        request = self.request
        form = filter_form(request.GET)
        params = {name: request.GET.get(name, "") for name in AuditFilterForm.FIELDS_IN_FILTER}
        page = KeysetPage([], None, None)
        if form.is_valid():
            before, after = _int_param(request, "before"), _int_param(request, "after")
            if form.cleaned_data.get("seq"):
                before, after = form.cleaned_data["seq"] + 1, None
            page = keyset_page(form.filter(), before=before, after=after)
        names = _node_names(page.entries)
        context = super().get_context_data(**kwargs)
        context.update({
            "form": form,
            "filtered": bool(form.active_filter()),
            "entries": [EntryRow(e, names) for e in page.entries],
            "newer_url": _query(params, after=page.newer) if page.newer is not None else "",
            "older_url": _query(params, before=page.older) if page.older is not None else "",
            "newest_url": _query(params),
            "oldest_url": _query(params, after=0),
            "export_params": [(k, v) for k, v in params.items() if v],
            "can_export": request.user.has_permission(Perm.AUDIT_EXPORT),
            "export_max_rows": export_max_rows(),
            "action_choices": [*ACTION_GROUPS.items(), *ACTION_LABELS.items()],
            "object_types": sorted(
                (m._meta.label_lower, str(m._meta.verbose_name)) for m in apps.get_models()
                if m._meta.app_config.name.startswith("sanshe.")
            ),
            "time_zone": settings.TIME_ZONE,
            **chain_context(entry=last_verification()),
            "page_size": PAGE_SIZE,
            "first_seq": page.entries[0].seq if page.entries else None,
            "last_seq": page.entries[-1].seq if page.entries else None,
        })
        return context


class AuditDetailView(PermissionRequiredMixin, TemplateView):
    """One entry: every field, the diff as a table, its hashes and whether its own link holds."""

    required_permission = Perm.AUDIT_VIEW
    template_name = "audit/detail.html"

    def get_context_data(self, **kwargs):
        entry = get_object_or_404(AuditEntry, pk=self.kwargs["pk"])
        previous = AuditEntry.objects.filter(seq__lt=entry.seq).order_by("-seq").only("pk", "seq", "hash").first()
        following = AuditEntry.objects.filter(seq__gt=entry.seq).order_by("seq").only("pk", "seq").first()
        diffs, details = change_rows(entry)
        context = super().get_context_data(**kwargs)
        context.update({
            "entry": EntryRow(entry, _node_names([entry])),
            "previous": previous,
            "following": following,
            "diffs": diffs,
            "details": details,
            "hash_ok": audit.compute_hash(entry) == entry.hash,
            "link_ok": (previous.hash == entry.prev_hash) if previous is not None and previous.seq == entry.seq - 1
            else (entry.seq == 1 and entry.prev_hash == "0" * 64),
            "gap_before": previous is not None and previous.seq != entry.seq - 1,
            "same_request": (
                AuditEntry.objects.filter(request_id=entry.request_id).count() if entry.request_id else 0
            ),
            "same_request_url": reverse("audit:list") + _query({"request_id": entry.request_id}),
            "time_zone": settings.TIME_ZONE,
        })
        return context


EXPORT_COLUMNS = [
    (gettext_lazy("No."), 10), (gettext_lazy("Time (local)"), 20), (gettext_lazy("Time (UTC)"), 28),
    (gettext_lazy("User name"), 16), (gettext_lazy("Roles"), 20), (gettext_lazy("Territory"), 18),
    (gettext_lazy("Action"), 26), (gettext_lazy("Action name"), 18), (gettext_lazy("Object type"), 18),
    (gettext_lazy("Object id"), 10), (gettext_lazy("Object"), 28), (gettext_lazy("Changes"), 60),
    (gettext_lazy("IP address"), 16), (gettext_lazy("Request id"), 34), (gettext_lazy("Result"), 8),
    (gettext_lazy("Message"), 30), (gettext_lazy("Previous hash"), 66), (gettext_lazy("Hash"), 66),
]


EXPORT_FIELDS = ("seq", "at", "username", "roles", "territory", "action", "object_type", "object_id", "object_repr",
                 "changes", "ip", "request_id", "result", "message", "prev_hash", "hash")


def _export_rows(qs: QuerySet):
    """One list per entry, in ``EXPORT_COLUMNS`` order; labels are looked up once per distinct value."""
    results = {k: str(v) for k, v in AuditEntry.Result.choices}
    roles_cache: dict[str, str] = {}
    actions_cache: dict[str, str] = {}
    local = timezone.get_current_timezone()
    for (seq, at, username, roles, territory, action, object_type, object_id, object_repr, changes, ip,
         request_id, result, message, prev_hash, hash_) in qs.values_list(*EXPORT_FIELDS).iterator(chunk_size=2000):
        if roles not in roles_cache:
            roles_cache[roles] = "、".join(role_labels(roles))
        if action not in actions_cache:
            actions_cache[action] = action_label(action)
        yield [
            seq, at.astimezone(local).replace(microsecond=0), at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            username, roles_cache[roles], territory, action, actions_cache[action], object_type, object_id,
            object_repr, json.dumps(changes, ensure_ascii=False) if changes else "", ip or "", request_id,
            results.get(result, result), message, prev_hash, hash_,
        ]


class AuditExportView(PermissionRequiredMixin, View):
    """The current filter as .xlsx or .csv (newest first, at most ``SANSHE_AUDIT_EXPORT_MAX_ROWS``).

    The file is built first, then the export is recorded (``audit.exported`` with the filter and the row
    count) in its own transaction; only then is the file sent. No audit entry, no file.
    """

    required_permission = Perm.AUDIT_EXPORT
    http_method_names = ["post"]

    def post(self, request):
        fmt = request.POST.get("format", "xlsx")
        if fmt not in ("xlsx", "csv"):
            return HttpResponseBadRequest(_("Unknown export format."))
        form = filter_form(request.POST)
        if not form.is_valid():
            messages.error(request, _("The filter is not valid; nothing was exported."))
            return redirect(reverse("audit:list") + _query({k: v for k, v in form.active_filter().items()}))
        limit = export_max_rows()
        active = form.active_filter()

        def record(table):
            audit.record(
                "audit.exported", actor=request.user, object_type="core.auditentry",
                object_repr=_("Audit log"),
                message=_("%(n)d rows as %(format)s") % {"n": table.rows, "format": fmt},
                extra={"filter": active, "format": fmt, "rows": table.rows, "truncated": table.truncated},
            )

        return audited_export(
            fmt, [str(h) for h, _w in EXPORT_COLUMNS], _export_rows(form.filter().order_by("-seq")[: limit + 1]),
            user=request.user, basename="audit", record=record, max_rows=limit, sheet_title=_("Audit log"),
            column_widths=[w for _h, w in EXPORT_COLUMNS], active_filter=active,
            truncated_note=_("Cut at %(n)d rows: the filter matches more entries. Narrow the filter and export "
                             "again.") % {"n": limit},
            extra_notes=[(_("Times"), _("Local time is %(zone)s; the log stores UTC.") % {"zone": settings.TIME_ZONE})],
        )


def verify_in_snapshot():
    """Run :func:`audit.verify_chain` on one consistent snapshot, so appends during the walk are no "break".

    PostgreSQL: a REPEATABLE READ read-only transaction (writers go on). SQLite: one transaction, which in
    this project's IMMEDIATE mode holds the write lock while the chain is read (SQLite is for small logs).
    Inside an already open transaction (tests) the isolation level cannot change; that transaction is used.
    """
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        return audit.verify_chain()




class ChainVerifyView(PermissionRequiredMixin, View):
    """Check the whole hash chain now (may take a while on a big log) and record that it was checked."""

    required_permission = Perm.AUDIT_VIEW
    http_method_names = ["post"]

    def post(self, request):
        checked, broken = verify_in_snapshot()
        extra = {"entries": checked}
        if broken is not None:
            extra.update({"broken_seq": broken.seq, "reason": broken.reason})
        with transaction.atomic():
            audit.record(
                "audit.verified", actor=request.user, object_type="core.auditentry", object_repr=_("Audit log"),
                result=AuditEntry.Result.SUCCESS if broken is None else AuditEntry.Result.FAILURE, extra=extra,
            )
        context = chain_context(checked=checked, broken=broken)
        if request.htmx:
            return render(request, "audit/_chain_status.html", context)
        if broken is None:
            messages.success(request, _("Audit chain intact: %(n)d entries verified.") % {"n": checked})
        else:
            messages.error(request, _("Audit chain broken at no. %(seq)d: %(reason)s.")
                           % {"seq": broken.seq, "reason": context["chain"]["reason"]})
        return redirect("audit:list")
