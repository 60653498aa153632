"""Forms of the territory pages. They only gather input; the services validate and write."""

from __future__ import annotations

import json

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .choices import Level, parent_level
from .models import Node
from .services import MANAGE, next_child_code

# Above this many candidate parents the move form asks for a code instead of offering a list.
MOVE_SELECT_LIMIT = 300
IMPORT_MAX_BYTES = 10 * 1024 * 1024
IMPORT_EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")

CODE_HELP = {
    Level.STREET: _("12 digits: the district code, three digits, then 000."),
    Level.COMMUNITY: _("12 digits: the street code's first nine digits, then three digits (not 000)."),
    Level.GRID: _("The community code followed by three digits."),
    Level.COMPOUND: _("The grid code followed by three digits."),
    Level.BUILDING: _("The compound code followed by three digits."),
}


class GeometryField(forms.CharField):
    """A GeoJSON geometry typed or pasted as text; the service checks its shape."""

    widget = forms.Textarea

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Boundary or position (GeoJSON)"))
        kwargs.setdefault(
            "help_text",
            _('Optional. A Polygon or MultiPolygon for a boundary, a Point for a position, longitude first, e.g. '
              '{"type": "Point", "coordinates": [104.06, 30.67]}.'),
        )
        super().__init__(**kwargs)
        self.widget.attrs.update({"rows": 4, "spellcheck": "false", "class": "mono"})

    def prepare_value(self, value):
        if isinstance(value, (dict, list)):
            return json.dumps(value, ensure_ascii=False)
        return value

    def to_python(self, value):
        value = (super().to_python(value) or "").strip()
        if not value:
            return None
        try:
            return json.loads(value)
        except ValueError as exc:
            raise ValidationError(_("This is not valid JSON: %(error)s"), params={"error": exc.msg}) from exc


class NodeCreateForm(forms.Form):
    """A new child of ``parent``; its level is the one below the parent's."""

    name = forms.CharField(label=_("Name"), max_length=100)
    code = forms.CharField(label=_("Code"), max_length=32, required=False)
    geometry = GeometryField()

    def __init__(self, *args, parent: Node, level: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.parent = parent
        self.level = level
        code = self.fields["code"]
        code.widget.attrs.update({"inputmode": "numeric", "autocomplete": "off", "class": "mono"})
        try:
            code.widget.attrs["placeholder"] = next_child_code(parent, level)
        except ValidationError:
            pass
        code.help_text = _("%(rule)s Leave it empty to take the next free code shown.") % {
            "rule": CODE_HELP.get(level, "")
        }


class NodeEditForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    code = forms.CharField(label=_("Code"), max_length=32)
    geometry = GeometryField()

    def __init__(self, *args, node: Node, **kwargs):
        kwargs["initial"] = {"name": node.name, "code": node.code, "geometry": node.geometry,
                             **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)
        self.node = node
        self.fields["code"].widget.attrs.update({"inputmode": "numeric", "autocomplete": "off", "class": "mono"})
        help_text = CODE_HELP.get(node.level, "")
        if node.level != Level.BUILDING:
            help_text = _("%(rule)s The codes of the nodes below follow a change.") % {"rule": help_text}
        self.fields["code"].help_text = help_text


class ParentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Node) -> str:
        if obj.parent is not None and obj.level not in (Level.STREET,):
            return f"{obj.parent.name} › {obj.name}（{obj.code}）"
        return f"{obj.name}（{obj.code}）"


class NodeMoveForm(forms.Form):
    """Choose the new parent among the nodes of the parent level the user manages (a list, or a code)."""

    new_code = forms.CharField(
        label=_("New code"), max_length=32, required=False,
        help_text=_("Optional. Leave it empty to keep the code if it fits the new parent, or to take the next free "
                    "code there."),
    )

    def __init__(self, *args, node: Node, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.node = node
        level = parent_level(node.level)
        self.candidates = (
            Node.objects.visible_to(user, MANAGE).filter(level=level, is_active=True).exclude(pk=node.parent_id)
            .select_related("parent").order_by("code")
        )
        self.use_select = self.candidates.count() <= MOVE_SELECT_LIMIT
        label = _("New parent (%(level)s)") % {"level": Level(level).label}
        if self.use_select:
            field = ParentChoiceField(queryset=self.candidates, label=label, empty_label=_("— choose —"))
        else:
            field = forms.CharField(
                label=label, max_length=32,
                help_text=_("Type the code of the new parent."),
                widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "mono", "autocomplete": "off"}),
            )
        self.fields = {"new_parent": field, **self.fields}
        self.fields["new_code"].widget.attrs.update({"inputmode": "numeric", "class": "mono", "autocomplete": "off"})

    def clean_new_parent(self):
        value = self.cleaned_data["new_parent"]
        if self.use_select:
            return value
        parent = self.candidates.filter(code=value.strip()).first()
        if parent is None:
            raise ValidationError(_("No node of that level with this code lies within your territory."))
        return parent


class NodeRetireForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=255,
                             help_text=_("For example: merged into another community, building demolished."))

    def __init__(self, *args, node: Node | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.node = node


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet"),
        help_text=_("Excel (.xlsx) or CSV (UTF-8 or GBK). Columns: 层级, 编码, 名称, 上级编码, 边界 (optional)."),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(IMPORT_EXTENSIONS)}),
    )
    dry_run = forms.BooleanField(label=_("Only check the file, do not import"), required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(IMPORT_EXTENSIONS):
            raise ValidationError(_("Upload an .xlsx or .csv file."))
        if upload.size > IMPORT_MAX_BYTES:
            raise ValidationError(_("The file is larger than 10 MB."))
        return upload
