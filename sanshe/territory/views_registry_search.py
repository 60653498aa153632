"""Resident search (居民查询) and its export to .xlsx.

The search is keyset-paginated on ``id`` (never OFFSET) and issues a fixed number of queries per page whatever
the page size (rows with their household and territory in one query, today's tags in one more). ID numbers and
phones are shown masked; the export is masked too unless the exporter holds ``registry.export_unmasked`` and
asks for full values with a reason. Every export is audited before the file is sent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.db.models import Prefetch, QuerySet
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView, View

from sanshe.accounts.roles import Perm
from sanshe.core import audit
from sanshe.core.exports import audited_export
from sanshe.core.services import require
from sanshe.core.views import PermissionRequiredMixin

from . import registry
from .filters_registry import (
    ResidentFilter,
    derived_tag_names,
    territory_cascade,
    valid_tags_queryset,
    validate_page_size,
    years_ago,
)
from .models import Node, Resident, TagType

PAGE_SIZES = (20, 50, 100)
MORE_FILTERS = ("tag", "details_missing", "age_min", "age_max", "status", "node", "registration_kind")
DEFAULT_PAGE_SIZE = 50
RELATED = ("household", "dwelling", "community", "grid", "compound", "building")


def export_max_rows() -> int:
    return int(getattr(settings, "SANSHE_REGISTRY_EXPORT_MAX_ROWS", 100_000))


def age_on(birth_date: dt.date | None, today: dt.date) -> int | None:
    if birth_date is None:
        return None
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))


def search_queryset(user, filterset: ResidentFilter) -> QuerySet:
    """The scoped, filtered residents (no order, no rows fetched yet)."""
    base = Resident.objects.visible_to(user, Perm.REGISTRY_VIEW)
    filterset.queryset = base
    return filterset.qs


def with_display(qs: QuerySet, today: dt.date) -> QuerySet:
    """Household, dwelling and territory joined in; today's tags prefetched (one more query per batch)."""
    return qs.select_related(*RELATED).prefetch_related(
        Prefetch("tags", queryset=valid_tags_queryset(today), to_attr="valid_tags")
    )


@dataclass
class KeysetPage:
    rows: list
    next_after: int | None
    prev_before: int | None


def keyset_page(qs: QuerySet, *, after: int | None, before: int | None, size: int) -> KeysetPage:
    """``size`` rows by ascending id after / before a cursor, plus whether there is more either side.

    One query for the rows (``size + 1`` to know about the next page), one ``EXISTS`` for the other side when a
    cursor was given.
    """
    if before is not None:
        rows = list(qs.filter(id__lt=before).order_by("-id")[: size + 1])
        more_before = len(rows) > size
        rows = rows[:size]
        rows.reverse()
        more_after = bool(rows) and qs.filter(id__gt=rows[-1].id).exists()
    else:
        base = qs.filter(id__gt=after) if after is not None else qs
        rows = list(base.order_by("id")[: size + 1])
        more_after = len(rows) > size
        rows = rows[:size]
        more_before = bool(rows) and after is not None and qs.filter(id__lt=rows[0].id).exists()
    return KeysetPage(
        rows,
        next_after=rows[-1].id if rows and more_after else None,
        prev_before=rows[0].id if rows and more_before else None,
    )


def _int_param(request, name: str) -> int | None:
    try:
        value = int(request.GET.get(name, ""))
    except ValueError:
        return None
    return value if value >= 0 else None


class ResidentRow:
    """A resident with what the result list shows (masked identity only)."""

    def __init__(self, resident: Resident, derived: list[TagType], today: dt.date):
        self.r = resident
        self.age = age_on(resident.birth_date, today)
        self.tags = [*derived_tag_names(resident, derived, today), *(t.tag_type.name for t in resident.valid_tags)]
        self.tags_missing = {t.tag_type.name for t in resident.valid_tags if registry.tag_missing_details(t)}

    @property
    def place(self) -> str:
        r = self.r
        parts = [n.name for n in (r.community, r.grid, r.compound, r.building) if n is not None]
        if r.dwelling is not None:
            parts.append(str(r.dwelling))
        return " · ".join(parts)


class ResidentSearchView(PermissionRequiredMixin, TemplateView):
    """居民查询: filters, keyset pages, masked results, export."""

    required_permission = Perm.REGISTRY_VIEW
    template_name = "registry/search/search.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        request = self.request
        today = timezone.localdate()
        filterset = ResidentFilter(request.GET, request=request, today=today)
        size = validate_page_size(request.GET.get("size"), DEFAULT_PAGE_SIZE, max(PAGE_SIZES))
        params = filterset.query_params()
        page = KeysetPage([], None, None)
        valid = filterset.form.is_valid()
        if valid:
            # Encrypted columns are never shown here: not even fetched (nor decrypted).
            qs = with_display(search_queryset(request.user, filterset), today).defer("id_number", "phone")
            page = keyset_page(qs, after=_int_param(request, "after"), before=_int_param(request, "before"),
                               size=size)
        derived = [t for t in TagType.objects.filter(derived_min_age__isnull=False, is_active=True)]
        keep = [*params, *([("size", str(size))] if size != DEFAULT_PAGE_SIZE else [])]
        form = filterset.form
        more = [form[n] for n in MORE_FILTERS if n != "node"]
        node = form.cleaned_data.get("node") if valid else None
        ctx.update(
            filter=filterset,
            form=form,
            primary_fields=[form["id_number"], form["phone"]],
            more_fields=more,
            more_open=any((request.GET.get(n) or "").strip() for n in MORE_FILTERS) or any(
                f.errors for f in [*more, form["node"]]),
            node_errors=form["node"].errors,
            **territory_context(request.user, node),
            filtered=bool(params),
            valid=valid,
            rows=[ResidentRow(r, derived, today) for r in page.rows],
            next_url=("?" + urlencode([*keep, ("after", page.next_after)])) if page.next_after else "",
            prev_url=("?" + urlencode([*keep, ("before", page.prev_before)])) if page.prev_before else "",
            first_url=("?" + urlencode(keep)) if page.prev_before else "",
            size=size,
            page_sizes=PAGE_SIZES,
            export_params=params,
            can_export_unmasked=request.user.has_permission(Perm.REGISTRY_EXPORT_UNMASKED),
            export_max_rows=export_max_rows(),
            elderly_age=min((t.derived_min_age for t in derived), default=None),
        )
        return ctx


def territory_context(user, node: Node | None) -> dict:
    return {"territory_node": node.pk if node is not None else "", "territory_selects": territory_cascade(user, node)}


class ResidentSearchTerritoryView(PermissionRequiredMixin, TemplateView):
    """The territory picker of the search (htmx): the selects down to the node chosen (``pick``, or ``parent`` when
    a select is set back to "all"). A node outside the user's territory is ignored (the picker starts over)."""

    required_permission = Perm.REGISTRY_VIEW
    template_name = "registry/search/_territory.html"

    def get_context_data(self, **kwargs):
        user, node = self.request.user, None
        for name in ("pick", "parent"):
            value = self.request.GET.get(name, "")
            if value.isdigit():
                node = (Node.objects.visible_to(user, Perm.REGISTRY_VIEW)
                        .filter(pk=int(value), is_active=True).first())
                break
        return super().get_context_data(**territory_context(user, node), **kwargs)


EXPORT_HEADERS = (
    # Chinese headers, the same words as the import template (a data format, not UI text).
    ("姓名", 10), ("性别", 6), ("民族", 8), ("证件类型", 12), ("身份证号", 22), ("出生日期", 12), ("年龄", 6),
    ("联系电话", 15), ("与户主关系", 10), ("户号", 12), ("户籍类型", 10), ("状态", 8), ("街道", 14), ("社区", 14),
    ("网格", 16), ("小区", 16), ("楼栋", 8), ("单元", 6), ("房号", 8), ("人员类别", 24), ("迁入日期", 12),
    ("迁出日期", 12),
)


def _export_rows(qs: QuerySet, *, full: bool, today: dt.date, derived: list[TagType]):
    for r in qs.iterator(chunk_size=2000):
        tags = [*derived_tag_names(r, derived, today), *(t.tag_type.name for t in r.valid_tags)]
        yield [
            r.name, r.get_sex_display() if r.sex else "", r.ethnicity, r.get_id_type_display(),
            r.id_number if full else r.id_number_masked, r.birth_date, age_on(r.birth_date, today),
            r.phone if full else r.phone_masked, r.get_relation_display() if r.relation else "",
            r.household.number if r.household else "",
            r.household.get_registration_kind_display() if r.household else "", r.get_status_display(),
            r.street.name if r.street else "", r.community.name if r.community else "",
            r.grid.name if r.grid else "", r.compound.name if r.compound else "",
            r.building.name if r.building else "", r.dwelling.unit if r.dwelling else "",
            r.dwelling.room if r.dwelling else "", "、".join(tags), r.move_in_date, r.move_out_date,
        ]


class ResidentExportView(PermissionRequiredMixin, View):
    """The current search as .xlsx (at most ``SANSHE_REGISTRY_EXPORT_MAX_ROWS`` rows, ascending id).

    Masked unless the exporter holds ``registry.export_unmasked`` and asks for full values with a reason. The
    file is built, then the export is recorded (``registry.residents.exported``) in its own transaction; no
    audit entry, no file.
    """

    required_permission = Perm.REGISTRY_VIEW
    http_method_names = ["post"]

    def post(self, request):
        today = timezone.localdate()
        filterset = ResidentFilter(request.POST, request=request, today=today)
        back = reverse("territory:resident_search") + "?" + urlencode(filterset.query_params())
        full = request.POST.get("full") == "1"
        reason = (request.POST.get("reason") or "").strip()
        if full:
            require(request.user, Perm.REGISTRY_EXPORT_UNMASKED)
            if len(reason) < 2:
                messages.error(request, _("Please say why you need full ID numbers and phones; nothing was exported."))
                return redirect(back)
        if not filterset.form.is_valid():
            messages.error(request, _("The filter is not valid; nothing was exported."))
            return redirect(back)
        limit = export_max_rows()
        qs = with_display(search_queryset(request.user, filterset), today).order_by("id")
        if not full:
            qs = qs.defer("id_number", "phone")
        derived = list(TagType.objects.filter(derived_min_age__isnull=False, is_active=True))
        active = filterset.active_filter()

        def record(table):
            audit.record(
                "registry.residents.exported", actor=request.user, object_type="territory.resident",
                object_repr=_("Residents"), message=reason[:500] if full else "",
                extra={"filter": active, "rows": table.rows, "truncated": table.truncated,
                       "masked": not full, "reason": reason if full else ""},
            )

        return audited_export(
            "xlsx", [h for h, _w in EXPORT_HEADERS],
            _export_rows(qs[: limit + 1], full=full, today=today, derived=derived),
            user=request.user, basename="residents", record=record, max_rows=limit, sheet_title=_("Residents"),
            column_widths=[w for _h, w in EXPORT_HEADERS], active_filter=active,
            truncated_note=_("Cut at %(n)d rows: the search matches more residents. Narrow the search and export "
                             "again.") % {"n": limit},
            extra_notes=[(_("ID numbers and phones"), _("in full") if full else _("masked")),
                         *([(_("Reason"), reason)] if full else [])],
        )


__all__ = ["ResidentSearchView", "ResidentExportView", "ResidentSearchTerritoryView", "years_ago"]
