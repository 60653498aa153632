"""Configuration pages of the service cloud: the catalogue of items (事项目录) with their materials, and the
service stations with their windows.

Staff with ``servicedesk.view`` read their district's catalogue and the stations of their territory; district
admins (``servicedesk.configure``) edit them. Writes go through :mod:`sanshe.servicedesk.services_config`.
An item or station of another district is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from sanshe.accounts.roles import Perm
from sanshe.core.exceptions import OutOfScope
from sanshe.core.views import PermissionRequiredMixin, apply_validation_error

from . import services_config
from .forms_config import ItemFilterForm, ItemForm, StationForm
from .models import ServiceItem, ServiceStation

VIEW, CONFIGURE = Perm.SERVICES_VIEW, Perm.SERVICES_CONFIGURE
PAGE_SIZE = 100


def _can_configure(request) -> bool:
    return request.user.has_permission(CONFIGURE)


def _item(request, pk, permission) -> ServiceItem:
    """The item through the reader's districts; another district's item is an (audited) 404."""
    item = (services_config.readable_items(request.user, permission)
            .select_related("category", "department", "district").filter(pk=pk).first())
    if item is None:
        outside = ServiceItem.objects.filter(pk=pk).first()
        if outside is None:
            raise Http404
        raise OutOfScope(permission, outside)
    return item


def _station(request, pk, permission) -> ServiceStation:
    station = ServiceStation.objects.visible_to(request.user, permission).select_related("node").filter(
        pk=pk).first()
    if station is None:
        outside = ServiceStation.objects.filter(pk=pk).first()
        if outside is None:
            raise Http404
        raise OutOfScope(permission, outside)
    return station


# --- the catalogue ----------------------------------------------------------------------------------------------
class ItemListView(PermissionRequiredMixin, TemplateView):
    """The district's catalogue: filter by category, department and status, search by name or code."""

    required_permission = VIEW
    template_name = "servicedesk/config/item_list.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        district_ids = list(services_config.readable_districts(user).values_list("pk", flat=True))
        form = ItemFilterForm(self.request.GET or None, district_ids=district_ids)
        qs = (services_config.readable_items(user).select_related("category", "department")
              .annotate(material_count=Count("materials")).order_by("category__sort_order", "category__code",
                                                                    "sort_order", "code"))
        qs = form.filter(qs)
        page = Paginator(qs, PAGE_SIZE).get_page(self.request.GET.get("page"))
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(
            form=form, page=page, items=page.object_list, total=page.paginator.count, query=query.urlencode(),
            can_configure=_can_configure(self.request), **kwargs)


class ItemDetailView(PermissionRequiredMixin, TemplateView):
    required_permission = VIEW
    template_name = "servicedesk/config/item_detail.html"

    def get_context_data(self, **kwargs):
        item = _item(self.request, self.kwargs["pk"], VIEW)
        can_edit = _can_configure(self.request) and services_config.readable_items(
            self.request.user, CONFIGURE).filter(pk=item.pk).exists()
        return super().get_context_data(item=item, materials=list(item.materials.all()), can_edit=can_edit,
                                        **kwargs)


class ItemFormView(PermissionRequiredMixin, FormView):
    """Create or edit an item with its materials (one per line, ``(可选)`` for an optional one)."""

    required_permission = CONFIGURE
    template_name = "servicedesk/config/item_form.html"
    form_class = ItemForm

    def dispatch(self, request, *args, **kwargs):
        self.object = None
        if "pk" in kwargs and request.user.is_authenticated and request.user.has_permission(CONFIGURE):
            self.object = _item(request, kwargs["pk"], CONFIGURE)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user, "instance": self.object}

    def get_context_data(self, **kwargs):
        title = (_("Edit item “%(name)s”") % {"name": self.object.name} if self.object
                 else _("New service item"))
        return super().get_context_data(title=title, instance=self.object, **kwargs)

    def form_valid(self, form):
        values = form.values()
        try:
            if self.object is None:
                item = services_config.create_item(actor=self.request.user, district=form.cleaned_data["district"],
                                                   code=form.cleaned_data["code"], **values)
            else:
                item = services_config.update_item(self.object, actor=self.request.user, **values)
        except ValidationError as exc:
            apply_validation_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved."))
        return redirect("servicedesk:item_detail", pk=item.pk)


class ItemActiveView(PermissionRequiredMixin, View):
    """POST ``active=1`` or ``0``: take the item into or out of the catalogue."""

    required_permission = CONFIGURE

    def post(self, request, pk):
        item = _item(request, pk, CONFIGURE)
        active = request.POST.get("active") == "1"
        services_config.set_item_active(item, actor=request.user, active=active)
        messages.success(request, _("The item is in the catalogue again.") if active else
                         _("The item is out of the catalogue: the windows no longer accept it."))
        return redirect("servicedesk:item_detail", pk=item.pk)


# --- stations ---------------------------------------------------------------------------------------------------
class StationListView(PermissionRequiredMixin, TemplateView):
    """Service stations of the reader's territory with their windows, address, phone and hours."""

    required_permission = VIEW
    template_name = "servicedesk/config/station_list.html"

    def get_context_data(self, **kwargs):
        q = (self.request.GET.get("q") or "").strip()
        qs = (ServiceStation.objects.visible_to(self.request.user, VIEW).select_related("node", "street")
              .order_by("node__code", "name"))
        if q:
            qs = qs.filter(name__contains=q)
        page = Paginator(qs, PAGE_SIZE).get_page(self.request.GET.get("page"))
        return super().get_context_data(page=page, stations=page.object_list, q=q,
                                        can_configure=_can_configure(self.request), **kwargs)


class StationFormView(PermissionRequiredMixin, FormView):
    required_permission = CONFIGURE
    template_name = "servicedesk/config/station_form.html"
    form_class = StationForm

    def dispatch(self, request, *args, **kwargs):
        self.object = None
        if "pk" in kwargs and request.user.is_authenticated and request.user.has_permission(CONFIGURE):
            self.object = _station(request, kwargs["pk"], CONFIGURE)
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        node = self.request.GET.get("node")
        return {"node": node} if node and node.isdigit() else {}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user, "instance": self.object}

    def get_context_data(self, **kwargs):
        title = (_("Edit station “%(name)s”") % {"name": self.object.name} if self.object
                 else _("New service station"))
        return super().get_context_data(title=title, instance=self.object, **kwargs)

    def form_valid(self, form):
        d = dict(form.cleaned_data)
        try:
            if self.object is None:
                services_config.create_station(actor=self.request.user, **d)
            else:
                services_config.update_station(self.object, actor=self.request.user, **d)
        except ValidationError as exc:
            apply_validation_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved."))
        return redirect("servicedesk:station_list")
