"""The service cloud's figures (``servicedesk:stats``) and their xlsx export (``servicedesk:stats_export``).

The page reads its territory, period and station from the query string (``node``, ``period`` = month / 6m / 12m
/ custom with ``start`` and ``end``, ``station``) through :class:`StatsForm`; the figures come from
:func:`sanshe.servicedesk.indicators.compute`. A bad query string is a 400 with the form's errors, a node or a
station outside the user's stats territory a 404. District admins, street officials, community workers and
window clerks (``Perm.SERVICES_STATS``) each see their own territory.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.http import JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy
from django.views.generic import TemplateView, View

from sanshe.accounts.roles import Perm
from sanshe.core import audit
from sanshe.core.exceptions import OutOfScope
from sanshe.core.exports import audited_export
from sanshe.core.views import PermissionRequiredMixin
from sanshe.territory.choices import Level
from sanshe.territory.models import Node

from . import indicators as ind
from .models import ServiceStation

STATS = Perm.SERVICES_STATS
MAX_DAYS = 3 * 366


class StatsForm(forms.Form):
    node = forms.IntegerField(label=gettext_lazy("Territory"), required=False, min_value=1)
    period = forms.ChoiceField(label=gettext_lazy("Period"), choices=ind.PERIOD_CHOICES, required=False)
    start = forms.DateField(label=gettext_lazy("From"), required=False)
    end = forms.DateField(label=gettext_lazy("To"), required=False)
    station = forms.IntegerField(label=gettext_lazy("Station"), required=False, min_value=1)

    def clean(self):
        data = super().clean()
        if data.get("period") == "custom":
            start, end = data.get("start"), data.get("end")
            if not start:
                self.add_error("start", _("Give the first day of the period."))
            if not end:
                self.add_error("end", _("Give the last day of the period."))
            if start and end:
                if end < start:
                    self.add_error("end", _("The last day must not be before the first day."))
                elif (end - start).days >= MAX_DAYS:
                    self.add_error("end", _("A period can be at most three years long."))
        return data

    def get_period(self, now=None) -> ind.Period:
        key = self.cleaned_data.get("period") or "6m"
        if key == "custom":
            return ind.custom(self.cleaned_data["start"], self.cleaned_data["end"])
        if key == "month":
            return ind.this_month(now)
        return ind.last_months(12 if key == "12m" else 6, now)


def resolve(request):
    """(form, node, station, period, indicators or None) for the request's query string."""
    form = StatsForm(request.GET)
    if not form.is_valid():
        return form, None, None, None, None
    user = request.user
    node_id = form.cleaned_data.get("node")
    if node_id:
        node = Node.objects.filter(pk=node_id).first()
        if node is None:
            raise OutOfScope(STATS)
        ind.check_node(user, node)
    else:
        node = ind.top_node(user)
    station = None
    if form.cleaned_data.get("station"):
        station = ServiceStation.objects.filter(pk=form.cleaned_data["station"]).first()
        if station is None:
            raise OutOfScope(STATS)
    period = form.get_period()
    result = ind.compute(user, node=node, start=period.start, end=period.end, station=station)
    return form, node, station, period, result


def _num(value) -> float | None:
    return None if value is None else float(value)


def chart_data(result: ind.Indicators) -> dict:
    """What ``servicedesk_stats.js`` draws (the ECharts options are built in the script)."""
    def series(rows, *names):
        return {name: [getattr(r.figures, name) for r in rows] for name in names}

    return {
        "trend": {"labels": [r.label for r in result.trend], **series(result.trend, "accepted", "finished"),
                  "on_time_rate": [_num(r.figures.on_time_rate) for r in result.trend],
                  "satisfaction_rate": [_num(r.figures.satisfaction_rate) for r in result.trend]},
        "stations": {"labels": [r.label for r in result.stations[:30]],
                     **series(result.stations[:30], "accepted", "finished"),
                     "on_time_rate": [_num(r.figures.on_time_rate) for r in result.stations[:30]]},
        "departments": {"labels": [r.label for r in result.departments[:15]],
                        **series(result.departments[:15], "accepted", "finished"),
                        "on_time_rate": [_num(r.figures.on_time_rate) for r in result.departments[:15]]},
        "categories": {"labels": [r.label for r in result.categories], **series(result.categories, "accepted")},
    }


def cards(result: ind.Indicators) -> list[dict]:
    """The figure cards: ``key`` is the ``data-figure`` attribute (tests read the cards by it)."""
    t = result.totals
    show = ind.show_rate
    days = t.mean_handling_days
    return [
        {"key": "accepted", "label": _("Accepted"), "value": f"{t.accepted:,}"},
        {"key": "finished", "label": _("Finished"), "value": f"{t.finished:,}",
         "sub": _("%(done)s done · %(refused)s refused") % {"done": f"{t.done:,}", "refused": f"{t.refused:,}"}},
        {"key": "open", "label": _("Open"), "value": f"{t.open:,}"},
        {"key": "overdue", "label": _("Overdue open"), "value": f"{t.overdue:,}"},
        {"key": "on_time_rate", "label": _("On-time rate"), "value": show(t.on_time_rate),
         "sub": f"{t.on_time:,} / {t.finished:,}"},
        {"key": "mean_handling_days", "label": pgettext("service figures", "Mean handling time"),
         "value": "–" if days is None else str(days), "sub": _("in working days")},
        {"key": "supplement_rate", "label": _("Materials-missing rate"), "value": show(t.supplement_rate),
         "sub": f"{t.supplemented:,} / {t.accepted:,}"},
        {"key": "satisfaction_rate", "label": _("Satisfaction"), "value": show(t.satisfaction_rate),
         "sub": f"{t.satisfied:,} / {t.rated:,}"},
        {"key": "certificates", "label": _("Certificates issued"), "value": f"{result.certificates_issued:,}"},
    ]


def picker(user, node: Node | None) -> dict:
    """The territory picker: the chain from the user's top node down to ``node``, and its children."""
    nodes = ind.stats_nodes(user)
    crumbs = []
    if node is not None:
        ids = [getattr(node, f"{level}_id") for level in ind.LEVELS[: ind.LEVELS.index(node.level) + 1]]
        found = {n.pk: n for n in nodes.filter(pk__in=[i for i in ids if i])}
        crumbs = [found[i] for i in ids if i in found]
    children = []
    if node is not None and ind.CHILD_LEVEL[node.level]:
        children = list(nodes.filter(parent=node, is_active=True).order_by("code").only("id", "name", "level"))
    grants = [node_id for level, node_id in user.scope_nodes(STATS) if level in ind.LEVELS]
    tops = list(Node.objects.filter(pk__in=grants).order_by("code")) if len(grants) > 1 else []
    return {"crumbs": crumbs, "children": children, "tops": tops}


def _level_label(level: str | None) -> str:
    return str(Level(level).label) if level else ""


class StatsView(PermissionRequiredMixin, TemplateView):
    """Cards, trend, per station / window, by department and category, certificates per community."""

    required_permission = STATS
    template_name = "servicedesk/stats/stats.html"

    def get(self, request, *args, **kwargs):
        form, node, station, period, result = resolve(request)
        context = self.get_context_data(form=form, node=node, station=station, period=period, result=result)
        if result is None:
            return self.render_to_response(context, status=400)
        query = request.GET.copy()
        keep = {"period": period.key}
        if period.key == "custom":
            keep.update(start=f"{form.cleaned_data['start']:%Y-%m-%d}", end=f"{form.cleaned_data['end']:%Y-%m-%d}")
        context.update(
            cards=cards(result), charts=chart_data(result), picker=picker(request.user, node),
            export_query=urlencode(list(query.lists()), doseq=True), period_key=period.key,
            keep_query=urlencode(keep), child_level_label=_level_label(result.child_level),
            periods=ind.PERIOD_CHOICES,
            station_choices=list(ind.stations_in(request.user, node).order_by("node__code", "name")
                                 .only("id", "name")),
        )
        return self.render_to_response(context)


def _pct(value) -> float | None:
    return None if value is None else float(value)


EXPORT_HEADERS = [
    (gettext_lazy("Breakdown"), 14), (gettext_lazy("Name"), 28), (gettext_lazy("Accepted"), 10),
    (gettext_lazy("Finished"), 10), (pgettext_lazy("service figures", "Done"), 10),
    (pgettext_lazy("service figures", "Refused"), 10),
    (gettext_lazy("Open"), 10), (gettext_lazy("Overdue open"), 10), (gettext_lazy("Finished on time"), 12),
    (gettext_lazy("On-time rate (%)"), 12), (gettext_lazy("Mean handling time (working days)"), 16),
    (gettext_lazy("Through missing materials"), 12), (gettext_lazy("Materials-missing rate (%)"), 14),
    (gettext_lazy("Rated"), 10), (pgettext_lazy("figure", "Satisfied"), 10), (gettext_lazy("Satisfaction rate (%)"), 12),
    (gettext_lazy("Certificates issued"), 12), (gettext_lazy("Certificates revoked"), 12),
]


def export_rows(result: ind.Indicators):
    def line(section, name, f: ind.Figures, issued=None, revoked=None):
        days = f.mean_handling_days
        return [section, name, f.accepted, f.finished, f.done, f.refused, f.open, f.overdue, f.on_time,
                _pct(f.on_time_rate), None if days is None else float(days), f.supplemented,
                _pct(f.supplement_rate), f.rated, f.satisfied, _pct(f.satisfaction_rate), issued, revoked]

    where = result.station.name if result.station else (result.node.name if result.node else _("My territory"))
    yield line(_("Total"), where, result.totals, result.certificates_issued,
               sum(r.revoked for r in result.certificates))
    for r in result.children:
        yield line(_level_label(result.child_level), r.label, r.figures)
    for r in result.stations:
        yield line(_("Station"), r.label, r.figures)
    for r in result.windows:
        yield line(_("Window"), r.label, r.figures)
    for r in result.departments:
        yield line(_("Department"), r.label, r.figures)
    for r in result.categories:
        yield line(_("Category"), r.label, r.figures)
    for r in result.trend:
        yield line(_("Day") if result.granularity == "day" else _("Month"), r.label, r.figures)
    empty = ind.Figures()
    for c in result.certificates:
        row = line(_("Certificates"), f"{c.community} · {c.month:%Y-%m} · {c.type}", empty, c.issued, c.revoked)
        yield row[:2] + [None] * (len(row) - 4) + row[-2:]


class StatsExportView(PermissionRequiredMixin, View):
    """The page's figures and breakdowns as an .xlsx file (audited as an export)."""

    required_permission = STATS

    def get(self, request, *args, **kwargs):
        form, node, station, period, result = resolve(request)
        if result is None:
            return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
        active = {"node": node.code if node else "", "station": station.name if station else "",
                  "period": period.label, "period_kind": period.key}

        def record(table):
            audit.record("servicedesk.stats.exported", actor=request.user, object_type="servicedesk.application",
                         object_repr=_("Service cloud figures"), extra={"filter": active, "rows": table.rows})

        return audited_export(
            "xlsx", [str(h) for h, _w in EXPORT_HEADERS], export_rows(result), user=request.user,
            basename="service-figures", record=record, max_rows=20_000, sheet_title=_("Service figures"),
            truncated_note="", active_filter=active, column_widths=[w for _h, w in EXPORT_HEADERS],
            extra_notes=[(_("Territory"), node.name if node else ""), (_("Period"), period.label),
                         (_("Computed at"), timezone.localtime(result.now).strftime("%Y-%m-%d %H:%M:%S"))],
        )
