"""The indicators dashboard of grid governance (``gridops:dashboard``) and its xlsx export.

The page reads its territory, period and filters from the query string (``node``, ``period`` = month / 12m /
custom with ``start`` and ``end``, ``category``, ``source``) through :class:`DashboardForm`; the figures come from
:func:`sanshe.gridops.indicators.compute`. A bad query string is a 400 with the form's errors, a node outside the
user's stats territory a 404.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy
from django.views.generic import TemplateView, View

from sanshe.accounts.roles import Perm
from sanshe.core import audit
from sanshe.core.exceptions import OutOfScope
from sanshe.core.exports import audited_export
from sanshe.core.views import PermissionRequiredMixin
from sanshe.territory.models import Node

from . import indicators as ind
from .choices import Source
from .models import EventCategory

MAX_DAYS = 3 * 366


class DashboardForm(forms.Form):
    node = forms.IntegerField(label=gettext_lazy("Territory"), required=False, min_value=1)
    period = forms.ChoiceField(label=gettext_lazy("Period"), choices=ind.PERIOD_CHOICES, required=False)
    start = forms.DateField(label=gettext_lazy("From"), required=False)
    end = forms.DateField(label=gettext_lazy("To"), required=False)
    category = forms.ModelChoiceField(label=gettext_lazy("Category"), required=False,
                                      queryset=EventCategory.objects.filter(is_active=True).order_by("sort_order",
                                                                                                    "code"))
    source = forms.MultipleChoiceField(label=gettext_lazy("Source"), choices=Source.choices, required=False)

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
        data = self.cleaned_data
        if data.get("period") == "custom":
            return ind.custom(data["start"], data["end"])
        if data.get("period") == "month":
            return ind.this_month(now)
        return ind.last_12_months(now)


def resolve(request):
    """(form, node, period, indicators or None) for the request's query string."""
    form = DashboardForm(request.GET)  # every field is optional: an empty query string is the defaults
    if not form.is_valid():
        return form, None, None, None
    user = request.user
    node_id = form.cleaned_data.get("node")
    if node_id:
        node = Node.objects.filter(pk=node_id).first()
        if node is None:
            raise OutOfScope(Perm.EVENTS_STATS)
        ind.check_node(user, node)
    else:
        node = ind.top_node(user)
    period = form.get_period()
    result = ind.compute(user, node=node, start=period.start, end=period.end,
                         category=form.cleaned_data.get("category"), sources=form.cleaned_data.get("source") or ())
    return form, node, period, result


def _rate(value) -> float | None:
    return None if value is None else float(value)


def chart_data(result: ind.Indicators) -> dict:
    """What ``gridops_stats.js`` draws (ECharts options are built in the script)."""
    def series(rows, *names):
        return {name: [getattr(r.figures, name) for r in rows] for name in names}

    return {
        "trend": {"labels": [r.label for r in result.trend],
                  **series(result.trend, "reported", "filed", "closed"),
                  "closure_rate": [_rate(r.figures.closure_rate) for r in result.trend]},
        "categories": {"labels": [r.label for r in result.categories],
                       **series(result.categories, "reported", "closed")},
        "units": {"labels": [r.label for r in result.units[:15]],
                  **series(result.units[:15], "dispatched"),
                  "on_time": [_rate(r.figures.on_time_handling_rate) for r in result.units[:15]],
                  "satisfaction": [_rate(r.figures.satisfaction_rate) for r in result.units[:15]]},
        "children": {"labels": [r.label for r in result.children[:30]],
                     **series(result.children[:30], "reported", "closed"),
                     "closure_rate": [_rate(r.figures.closure_rate) for r in result.children[:30]]},
    }


def cards(result: ind.Indicators) -> list[dict]:
    """The figure cards: ``key`` is the ``data-figure`` attribute (e2e tests read the cards by it)."""
    t, d = result.totals, result.disputes
    show = ind.show_rate
    hours = t.mean_handling_hours
    return [
        {"key": "reported", "label": _("Reported"), "value": f"{t.reported:,}"},
        {"key": "filed", "label": _("Filed"), "value": f"{t.filed:,}"},
        {"key": "due", "label": _("Due for closing"), "value": f"{t.due:,}"},
        {"key": "closed", "label": pgettext("figure", "Closed"), "value": f"{t.closed:,}"},
        {"key": "closure_rate", "label": _("Closure rate"), "value": show(t.closure_rate),
         "sub": f"{t.closed:,} / {t.due:,}"},
        {"key": "on_time_closure_rate", "label": _("On-time closure rate"), "value": show(t.on_time_closure_rate),
         "sub": f"{t.closed_on_time:,} / {t.due:,}"},
        {"key": "on_time_handling_rate", "label": _("On-time handling rate"), "value": show(t.on_time_handling_rate),
         "sub": f"{t.handled_on_time:,} / {t.dispatched:,}"},
        {"key": "rework_rate", "label": _("Rework rate"), "value": show(t.rework_rate),
         "sub": f"{t.reworked:,} / {t.fed_back:,}"},
        {"key": "extension_rate", "label": _("Extension rate"), "value": show(t.extension_rate),
         "sub": f"{t.extended:,} / {t.dispatched:,}"},
        {"key": "mean_handling_hours", "label": _("Mean handling time"),
         "value": "–" if hours is None else _("%(hours)s h") % {"hours": hours}},
        {"key": "satisfaction_rate", "label": _("Satisfaction"), "value": show(t.satisfaction_rate),
         "sub": f"{t.satisfied:,} / {t.rated:,}"},
        {"key": "dispute_resolution_rate", "label": _("Dispute resolution rate"), "value": show(d.resolution_rate),
         "sub": f"{d.resolved:,} / {d.accepted:,}"},
        {"key": "dispute_inside_share", "label": _("Share resolved inside the community"),
         "value": show(d.inside_share), "sub": f"{d.resolved_inside:,} / {d.resolved:,}"},
    ]


def picker(user, node: Node | None) -> dict:
    """The level / territory picker: the chain from the user's top node down to ``node``, and its children."""
    nodes = ind.stats_nodes(user)
    crumbs = []
    if node is not None:
        ids = [getattr(node, f"{level}_id") for level in ind.LEVELS[: ind.LEVELS.index(node.level) + 1]]
        found = {n.pk: n for n in nodes.filter(pk__in=[i for i in ids if i])}
        crumbs = [found[i] for i in ids if i in found]
    children = []
    if node is not None and ind.CHILD_LEVEL[node.level]:
        children = list(nodes.filter(parent=node, is_active=True).order_by("code").only("id", "name", "level"))
    tops = []
    top = ind.top_node(user)
    if top is not None:
        grants = [node_id for level, node_id in user.scope_nodes(Perm.EVENTS_STATS) if level in ind.LEVELS]
        tops = list(Node.objects.filter(pk__in=grants).order_by("code"))
    return {"crumbs": crumbs, "children": children, "tops": tops if len(tops) > 1 else []}


class DashboardView(PermissionRequiredMixin, TemplateView):
    """The dashboard: figure cards, trend, 大类, ranking of handling units and of child territories."""

    required_permission = Perm.EVENTS_STATS
    template_name = "gridops/stats/dashboard.html"

    def get(self, request, *args, **kwargs):
        form, node, period, result = resolve(request)
        context = self.get_context_data(form=form, node=node, period=period, result=result,
                                        sources=Source.choices)
        if result is None:
            return self.render_to_response(context, status=400)
        query = request.GET.copy()
        context.update(
            cards=cards(result), charts=chart_data(result), picker=picker(request.user, node),
            export_query=urlencode(list(query.lists()), doseq=True),
            period_key=period.key,
            child_level_label=_level_label(result.child_level),
            categories=EventCategory.objects.filter(parent=None, is_active=True).order_by("sort_order", "code"),
        )
        return self.render_to_response(context)


def _level_label(level: str | None) -> str:
    if not level:
        return ""
    from sanshe.territory.choices import Level

    return str(Level(level).label)


def _pct(value) -> float | None:
    return None if value is None else float(value)


EXPORT_HEADERS = [
    (gettext_lazy("Breakdown"), 14), (gettext_lazy("Name"), 24), (gettext_lazy("Reported"), 10),
    (gettext_lazy("Filed"), 10), (gettext_lazy("Due for closing"), 12), (pgettext_lazy("figure", "Closed"), 10),
    (gettext_lazy("Closure rate (%)"), 12), (gettext_lazy("Closed on time"), 12),
    (gettext_lazy("On-time closure rate (%)"), 14), (gettext_lazy("Dispatched"), 10),
    (gettext_lazy("Handled on time"), 12), (gettext_lazy("On-time handling rate (%)"), 14),
    (gettext_lazy("Fed back"), 10), (gettext_lazy("Reworked"), 10), (gettext_lazy("Rework rate (%)"), 12),
    (gettext_lazy("Extended"), 10), (gettext_lazy("Extension rate (%)"), 12),
    (gettext_lazy("Mean handling time (h)"), 14), (gettext_lazy("Rated"), 10), (pgettext_lazy("figure", "Satisfied"), 10),
    (gettext_lazy("Satisfaction rate (%)"), 12), (gettext_lazy("Disputes accepted"), 12),
    (gettext_lazy("Disputes resolved"), 12), (gettext_lazy("Resolution rate (%)"), 12),
    (gettext_lazy("Resolved inside the community"), 14), (gettext_lazy("Share inside the community (%)"), 14),
]


def export_rows(result: ind.Indicators):
    def line(section, name, f: ind.Figures, d: ind.DisputeFigures | None = None):
        hours = f.mean_handling_hours
        row = [section, name, f.reported, f.filed, f.due, f.closed, _pct(f.closure_rate), f.closed_on_time,
               _pct(f.on_time_closure_rate), f.dispatched, f.handled_on_time, _pct(f.on_time_handling_rate),
               f.fed_back, f.reworked, _pct(f.rework_rate), f.extended, _pct(f.extension_rate),
               None if hours is None else float(hours), f.rated, f.satisfied, _pct(f.satisfaction_rate)]
        if d is not None:
            row += [d.accepted, d.resolved, _pct(d.resolution_rate), d.resolved_inside, _pct(d.inside_share)]
        return row

    yield line(_("Total"), result.node.name if result.node else _("My territory"), result.totals, result.disputes)
    for r in result.children:
        yield line(_level_label(result.child_level), r.label, r.figures, r.disputes)
    for r in result.categories:
        yield line(_("Major category"), r.label, r.figures)
    for r in result.units:
        yield line(_("Handling unit"), r.label, r.figures)
    for r in result.trend:
        yield line(_("Day") if result.granularity == "day" else _("Month"), r.label, r.figures)


class DashboardExportView(PermissionRequiredMixin, View):
    """The dashboard's figures and breakdowns as an .xlsx file (audited as an export)."""

    required_permission = Perm.EVENTS_STATS

    def get(self, request, *args, **kwargs):
        form, node, period, result = resolve(request)
        if result is None:
            from django.http import JsonResponse

            return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
        active = {"node": node.code if node else "", "period": period.label, "period_kind": period.key,
                  "category": form.cleaned_data["category"].code if form.cleaned_data.get("category") else "",
                  "source": form.cleaned_data.get("source") or []}

        def record(table):
            audit.record("gridops.stats.exported", actor=request.user, object_type="gridops.event",
                         object_repr=_("Grid governance indicators"),
                         extra={"filter": active, "rows": table.rows})

        return audited_export(
            "xlsx", [str(h) for h, _w in EXPORT_HEADERS], export_rows(result), user=request.user,
            basename="indicators", record=record, max_rows=10_000, sheet_title=_("Indicators"),
            truncated_note="", active_filter=active, column_widths=[w for _h, w in EXPORT_HEADERS],
            extra_notes=[(_("Territory"), node.name if node else ""), (_("Period"), period.label),
                         (_("Computed at"), timezone.localtime(result.now).strftime("%Y-%m-%d %H:%M:%S"))],
        )


__all__ = ["DashboardView", "DashboardExportView", "DashboardForm", "dt"]
