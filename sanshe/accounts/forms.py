from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.db.models import Q
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from sanshe.territory.models import Node

from .roles import ADMIN_ROLES, ROLE_SPECS, Perm, Role

password_help = lazy(password_validators_help_text_html, str)

# Django 5.2 changed this validator message and its own zh_Hans catalog has no translation for the new text;
# marked here so that makemessages puts it in ours (the Chinese is in locale/zh_Hans/LC_MESSAGES/django.po).
DJANGO_MESSAGES_WITHOUT_CHINESE = [
    ngettext_lazy(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        "n",
    ),
]


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("The user name or password is not right. Note that the password is case-sensitive."),
        "inactive": _("This account is inactive."),
    }


class OtpForm(forms.Form):
    token = forms.CharField(
        label=_("Six-digit code"), max_length=6, min_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}),
    )

    def clean_token(self):
        token = self.cleaned_data["token"].strip()
        if not token.isdigit():
            raise forms.ValidationError(_("The code is made of six digits."))
        return token


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label=_("Old password"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    new_password1 = forms.CharField(
        label=_("New password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_help(),
    )
    new_password2 = forms.CharField(label=_("New password again"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self):
        data = super().clean()
        if data.get("new_password1") and data.get("new_password1") != data.get("new_password2"):
            self.add_error("new_password2", _("The two passwords do not match."))
        return data


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=100)


# --- Account management -------------------------------------------------------------------------------------
NODE_CHOICES_LIMIT = 200


def node_label(node) -> str:
    """``幸福街道 / 和平社区（社区）``: the parent's name disambiguates children with the same name (1栋 …)."""
    parent = node.parent.name if node.parent_id and node.parent else ""
    name = f"{parent} / {node.name}" if parent else node.name
    return f"{name}（{node.get_level_display()}）"


def grantable_roles(actor, target=None) -> list[tuple[str, str]]:
    """The roles ``actor`` may grant (to ``target`` when given), as choices.

    Only a hint for the form: :func:`sanshe.accounts.services.grant_role` decides, inside its transaction.
    """
    if not actor.has_permission(Perm.ROLES_GRANT):
        return []
    roles = [r for r in Role if r not in ADMIN_ROLES or actor.has_permission(Perm.ADMIN_ROLES_GRANT)]
    if target is not None:
        held = target.roles()
        if held & ADMIN_ROLES:
            return []
        if held:
            roles = [r for r in roles if r not in ADMIN_ROLES]
    return [(r.value, r.label) for r in roles]


def grant_node_candidates(actor, role: str | None, *, district_id: int | None = None, q: str = ""):
    """Active nodes where ``actor`` may grant ``role``: inside his reach, at the levels the role allows."""
    qs = Node.objects.visible_to(actor, Perm.ROLES_GRANT).filter(is_active=True).select_related("parent")
    if role in ROLE_SPECS:
        qs = qs.filter(level__in=ROLE_SPECS[role].levels)
    if district_id:
        qs = qs.filter(district_id=district_id)
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__startswith=q))
    return qs.order_by("code")


class NodePickerMixin:
    """A role select, a search box and a node select limited to the first matches of the search.

    The node field validates against every candidate; only its shown options are limited.
    """

    def raw_value(self, name):
        """What the user sent for ``name`` (bound form), or what the form was opened with (initial)."""
        if self.is_bound:
            return self.data.get(self.add_prefix(name))
        value = self.initial.get(name)
        return value if value is not None else self.fields[name].initial

    def setup_node_picker(self, actor, *, target=None, district_id=None, required=True, options_url=None):
        self.actor = actor
        if options_url:
            # With htmx the node options follow the role, the search box and the district as they change.
            hx = {"hx-get": options_url, "hx-target": "#node-picker", "hx-swap": "outerHTML",
                  "hx-include": "#id_role, #id_q, #id_district, #id_node"}
            for name, trigger in (("role", "change"), ("q", "input changed delay:300ms, search"),
                                  ("district", "change")):
                if name in self.fields:
                    self.fields[name].widget.attrs.update(hx, **{"hx-trigger": trigger})
        self.fields["role"].choices = [("", _("Choose a role"))] + grantable_roles(actor, target)
        self.fields["role"].required = required
        self.fields["node"].required = required
        role = self.raw_value("role")
        q = self.raw_value("q") or ""
        candidates = grant_node_candidates(actor, role, district_id=district_id)
        self.fields["node"].queryset = candidates
        matching = grant_node_candidates(actor, role, district_id=district_id, q=q)
        shown = list(matching[: NODE_CHOICES_LIMIT + 1])
        self.node_choices_truncated = len(shown) > NODE_CHOICES_LIMIT
        shown = shown[:NODE_CHOICES_LIMIT]
        selected = self.raw_value("node")
        if selected and str(selected).isdigit() and all(str(n.pk) != str(selected) for n in shown):
            extra = candidates.filter(pk=selected).first()
            if extra is not None:
                shown.insert(0, extra)
        self.fields["node"].widget.choices = [("", _("Choose a territory node"))] + [
            (n.pk, node_label(n)) for n in shown
        ]
        self.node_choices_empty = not shown


class NodeSearchField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Search territory"))
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 100)
        kwargs.setdefault("widget", forms.TextInput(attrs={
            "type": "search", "placeholder": _("Name or code"), "autocomplete": "off",
        }))
        super().__init__(**kwargs)


class GrantForm(NodePickerMixin, forms.Form):
    role = forms.ChoiceField(label=_("Role"))
    q = NodeSearchField()
    node = forms.ModelChoiceField(label=_("Territory node"), queryset=Node.objects.none())

    def __init__(self, *args, actor, target, options_url=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_node_picker(actor, target=target, district_id=target.district_id, options_url=options_url)


class UserCreateForm(NodePickerMixin, forms.Form):
    username = forms.CharField(
        label=_("User name"), max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
    )
    full_name = forms.CharField(label=_("Full name"), max_length=100, required=False)
    district = forms.ModelChoiceField(label=_("District"), queryset=Node.objects.none())
    password = forms.CharField(
        label=_("Password"), required=False, strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Leave empty to generate a temporary password that is shown once. Either way the user "
                    "must change it at the first login."),
    )
    role = forms.ChoiceField(label=_("Role"), required=False)
    q = NodeSearchField()
    node = forms.ModelChoiceField(label=_("Territory node"), queryset=Node.objects.none(), required=False)

    def __init__(self, *args, actor, options_url=None, **kwargs):
        super().__init__(*args, **kwargs)
        districts = Node.objects.visible_to(actor, Perm.ACCOUNTS_MANAGE).filter(
            level=Node.Level.DISTRICT, is_active=True
        ).order_by("code")
        self.fields["district"].queryset = districts
        if districts.count() == 1:
            self.fields["district"].initial = districts.first().pk
            self.fields["district"].empty_label = None
        self.can_grant = actor.has_permission(Perm.ROLES_GRANT)
        if self.can_grant:
            district_id = self.raw_value("district")
            district_id = int(district_id) if str(district_id or "").isdigit() else None
            self.setup_node_picker(actor, district_id=district_id, required=False, options_url=options_url)
        else:
            for name in ("role", "q", "node"):
                del self.fields[name]

    def clean(self):
        data = super().clean()
        if self.can_grant and bool(data.get("role")) != bool(data.get("node")):
            field = "node" if data.get("role") else "role"
            self.add_error(field, _("Choose both a role and a territory node, or neither."))
        return data


class UserEditForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=100, required=False)
    is_active = forms.BooleanField(
        label=_("Active"), required=False,
        help_text=_("An inactive account cannot log in; its history is kept."),
    )
