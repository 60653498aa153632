"""Registry configuration pages: special-group tag types (district) and resident units (驻区单位).

Reads go through ``visible_to``; writes through :mod:`sanshe.territory.registry_config`.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView

from sanshe.accounts.roles import Perm
from sanshe.core.views import PermissionRequiredMixin, ScopedObjectMixin, apply_validation_error

from . import registry_config
from .choices import UnitKind
from .models import Node, ResidentUnit, TagType

BLANK_DETAIL_ROWS = 3
UNIT_PAGE_SIZE = 100


# --- tag types ---------------------------------------------------------------------------------------------
class TagTypeForm(forms.Form):
    code = forms.SlugField(label=gettext_lazy("Code"), max_length=40,
                           help_text=gettext_lazy("Lower-case letters, digits, - and _; cannot be changed later."))
    name = forms.CharField(label=gettext_lazy("Name"), max_length=50)
    derived_min_age = forms.IntegerField(
        label=gettext_lazy("Derived from age (minimum)"), required=False, min_value=1, max_value=150,
        help_text=gettext_lazy("Only for tags everyone of that age holds (老年人: 60); such tags are not "
                               "assigned by hand."))
    sort_order = forms.IntegerField(label=gettext_lazy("Order"), min_value=0, max_value=32767, initial=100)
    is_active = forms.BooleanField(label=gettext_lazy("In use"), required=False, initial=True)

    def __init__(self, *args, instance: TagType | None = None, **kwargs):
        self.instance = instance
        if instance is not None:
            kwargs["initial"] = {
                **(kwargs.get("initial") or {}),
                "code": instance.code, "name": instance.name, "derived_min_age": instance.derived_min_age,
                "sort_order": instance.sort_order, "is_active": instance.is_active,
            }
        super().__init__(*args, **kwargs)
        if instance is not None:
            del self.fields["code"]
        existing = list(instance.detail_fields) if instance is not None else []
        self.detail_count = len(existing) + BLANK_DETAIL_ROWS
        for i in range(self.detail_count):
            row = existing[i] if i < len(existing) else {}
            self.fields[f"detail_key_{i}"] = forms.CharField(required=False, max_length=40, initial=row.get("key", ""))
            self.fields[f"detail_label_{i}"] = forms.CharField(required=False, max_length=50,
                                                               initial=row.get("label", ""))
            self.fields[f"detail_required_{i}"] = forms.BooleanField(required=False,
                                                                     initial=bool(row.get("required")))

    def main_fields(self):
        return [self[n] for n in ("code", "name", "derived_min_age", "sort_order", "is_active") if n in self.fields]

    def detail_rows(self):
        return [(self[f"detail_key_{i}"], self[f"detail_label_{i}"], self[f"detail_required_{i}"])
                for i in range(self.detail_count)]

    def detail_fields(self) -> list[dict]:
        d = self.cleaned_data
        return [{"key": d.get(f"detail_key_{i}", ""), "label": d.get(f"detail_label_{i}", ""),
                 "required": d.get(f"detail_required_{i}", False)} for i in range(self.detail_count)]


class TagTypeListView(PermissionRequiredMixin, TemplateView):
    """The special-group tag types of the district (人员类别)."""

    required_permission = Perm.REGISTRY_CONFIGURE
    template_name = "registry/search/tag_type_list.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(tag_types=TagType.objects.order_by("sort_order", "code"), **kwargs)


class TagTypeFormView(PermissionRequiredMixin, FormView):
    required_permission = Perm.REGISTRY_CONFIGURE
    template_name = "registry/search/tag_type_form.html"
    form_class = TagTypeForm

    def get_instance(self):
        if "pk" not in self.kwargs:
            return None
        if not hasattr(self, "_instance"):
            self._instance = get_object_or_404(TagType, pk=self.kwargs["pk"])
        return self._instance

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.get_instance()}

    def get_context_data(self, **kwargs):
        instance = self.get_instance()
        title = _("Edit group tag “%(name)s”") % {"name": instance.name} if instance else _("New group tag")
        return super().get_context_data(title=title, instance=instance, **kwargs)

    def form_valid(self, form):
        d = form.cleaned_data
        values = {"name": d["name"], "detail_fields": form.detail_fields(), "derived_min_age": d["derived_min_age"],
                  "is_active": d["is_active"], "sort_order": d["sort_order"]}
        try:
            instance = self.get_instance()
            if instance is None:
                registry_config.create_tag_type(actor=self.request.user, code=d["code"], **values)
            else:
                registry_config.update_tag_type(instance, actor=self.request.user, **values)
        except ValidationError as exc:
            apply_validation_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved."))
        return redirect("territory:tag_type_list")


# --- resident units ----------------------------------------------------------------------------------------
def unit_nodes(user):
    return (Node.objects.visible_to(user, Perm.REGISTRY_MANAGE)
            .filter(level__in=registry_config.UNIT_LEVELS, is_active=True).order_by("code"))


class NodeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.get_level_display()} · {obj.name}"


class ResidentUnitForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    credit_code = forms.CharField(label=gettext_lazy("Unified social credit code"), max_length=40, required=False,
                                  help_text=gettext_lazy("18 characters; checked with its check character."))
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=UnitKind.choices)
    node = NodeChoiceField(label=gettext_lazy("Located in"), queryset=Node.objects.none())
    address = forms.CharField(label=gettext_lazy("Address"), max_length=255, required=False)
    contact_name = forms.CharField(label=gettext_lazy("Contact person"), max_length=50, required=False)
    contact_phone = forms.CharField(label=gettext_lazy("Contact phone"), max_length=40, required=False)
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)

    def __init__(self, *args, user, instance: ResidentUnit | None = None, **kwargs):
        if instance is not None:
            kwargs["initial"] = {**(kwargs.get("initial") or {}), "node": instance.node_id,
                                 **{f: getattr(instance, f) for f in registry_config.UNIT_FIELDS}}
        super().__init__(*args, **kwargs)
        self.fields["node"].queryset = unit_nodes(user)
        if instance is None:
            del self.fields["is_active"]


class ResidentUnitListView(PermissionRequiredMixin, TemplateView):
    """驻区单位 in the user's territory, searchable by name."""

    required_permission = Perm.REGISTRY_VIEW
    template_name = "registry/search/unit_list.html"

    def get_context_data(self, **kwargs):
        q = (self.request.GET.get("q") or "").strip()
        qs = ResidentUnit.objects.visible_to(self.request.user).select_related("node", "community")
        if q:
            qs = qs.filter(name__contains=q)
        units = list(qs.order_by("name", "id")[: UNIT_PAGE_SIZE + 1])
        return super().get_context_data(
            units=units[:UNIT_PAGE_SIZE], more=len(units) > UNIT_PAGE_SIZE, q=q, limit=UNIT_PAGE_SIZE,
            can_manage=self.request.user.has_permission(Perm.REGISTRY_MANAGE), **kwargs)


class ResidentUnitCreateView(PermissionRequiredMixin, FormView):
    required_permission = Perm.REGISTRY_MANAGE
    template_name = "registry/search/unit_form.html"
    form_class = ResidentUnitForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=_("New resident unit"), **kwargs)

    def form_valid(self, form):
        try:
            registry_config.create_resident_unit(actor=self.request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved."))
        return redirect("territory:resident_unit_list")


class ResidentUnitEditView(ScopedObjectMixin, FormView):
    required_permission = Perm.REGISTRY_MANAGE
    scope_permission = Perm.REGISTRY_MANAGE
    model = ResidentUnit
    template_name = "registry/search/unit_form.html"
    form_class = ResidentUnitForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.has_permission(Perm.REGISTRY_MANAGE):
            self.object = self.get_object()
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user, "instance": self.object}

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=_("Edit resident unit “%(name)s”") % {"name": self.object.name},
                                        **kwargs)

    def form_valid(self, form):
        try:
            registry_config.update_resident_unit(self.object, actor=self.request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved."))
        return redirect("territory:resident_unit_list")
