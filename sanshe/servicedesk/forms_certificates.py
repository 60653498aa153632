"""Forms of certificates: issuing (holder from the registry or typed in), revoking, the list filter, the types."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import CertificateType


class IssueForm(forms.Form):
    type = forms.ModelChoiceField(label=_("Certificate"), queryset=None, empty_label=_("Choose a certificate"))
    community = forms.ModelChoiceField(label=_("Issued by"), queryset=None)
    resident = forms.IntegerField(required=False, widget=forms.HiddenInput)
    holder_name = forms.CharField(label=_("Holder's name"), max_length=50, required=False,
                                  help_text=_("Filled in when a resident is picked from the register."))
    holder_id_number = forms.CharField(label=_("Holder's ID number"), max_length=18, required=False,
                                       help_text=_("Only the masked number is printed."))
    address = forms.CharField(label=_("Address"), max_length=200, required=False,
                              help_text=_("Empty for a resident: his dwelling in the register."))
    purpose = forms.CharField(label=_("Purpose"), max_length=200,
                              help_text=_("What the certificate is for, e.g. a child's school enrolment."))

    def __init__(self, *args, types, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].queryset = types
        self.fields["community"].queryset = communities
        if len(communities) == 1:
            self.fields["community"].initial = communities[0].pk


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason for revoking"), max_length=200)


class CertificateFilterForm(forms.Form):
    type = forms.ModelChoiceField(label=_("Certificate"), queryset=None, required=False,
                                  empty_label=_("All certificates"))
    community = forms.ModelChoiceField(label=_("Community"), queryset=None, required=False,
                                       empty_label=_("All communities"))
    month = forms.CharField(label=_("Month"), required=False, widget=forms.DateInput(attrs={"type": "month"}))
    q = forms.CharField(label=_("Serial or holder"), required=False, max_length=50)

    def __init__(self, *args, types, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].queryset = types
        self.fields["community"].queryset = communities
        if len(communities) <= 1:
            del self.fields["community"]

    def clean_month(self):
        value = (self.cleaned_data.get("month") or "").strip()
        if not value:
            return None
        try:
            year, month = (int(x) for x in value.split("-"))
            if not (2000 <= year <= 2100 and 1 <= month <= 12):
                raise ValueError
        except ValueError:
            raise forms.ValidationError(_("Give a month as YYYY-MM.")) from None
        return (year, month)


class CertificateTypeForm(forms.ModelForm):
    class Meta:
        model = CertificateType
        fields = ["code", "name", "template", "is_active", "sort_order"]
        widgets = {"template": forms.Textarea(attrs={"rows": 8})}
        help_texts = {"template": _("Placeholders: {name} {id_number} (masked) {address} {household} {community} "
                                    "{purpose} {date}.")}

    def validate_unique(self):  # the service checks the code within the district
        pass
