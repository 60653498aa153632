"""Forms of the 五单法 demand orders (the services validate; these shape the input)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices_orders import FundSource, NeedKind, NeedSource, OfferMode, Rating


class NeedForm(forms.Form):
    community = forms.ModelChoiceField(label=_("Community"), queryset=None)
    kind = forms.ChoiceField(label=_("Kind"), choices=NeedKind.choices)
    title = forms.CharField(label=_("What is needed"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    contact_name = forms.CharField(label=_("Contact"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=20, required=False)
    source = forms.ChoiceField(label=_("Source"), choices=NeedSource.choices, initial=NeedSource.WORKER)
    households = forms.CharField(label=_("Households concerned (household numbers, separated by commas)"),
                                 max_length=500, required=False)

    def __init__(self, *args, communities, staff: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities
        if communities.count() == 1:
            self.fields["community"].initial = communities.first().pk
        if not staff:
            del self.fields["source"]
            del self.fields["households"]


class IssueOrderForm(forms.Form):
    title = forms.CharField(label=_("Project"), max_length=200)
    content = forms.CharField(label=_("Content of the service"), widget=forms.Textarea(attrs={"rows": 3}))
    budget = forms.DecimalField(label=_("Budget (yuan)"), min_value=0, max_digits=12, decimal_places=2)
    fund_source = forms.ChoiceField(label=_("Fund source"), choices=FundSource.choices)
    responsible_member = forms.CharField(label=_("Responsible party member"), max_length=50)
    mode = forms.ChoiceField(label=_("Offered to"), choices=OfferMode.choices, initial=OfferMode.INVITE)
    invited = forms.ModelMultipleChoiceField(label=_("Invited providers"), queryset=None, required=False,
                                             widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, providers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["invited"].queryset = providers


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)


class RatingForm(forms.Form):
    rating = forms.ChoiceField(label=_("Evaluation"), choices=Rating.choices, widget=forms.RadioSelect)
    comment = forms.CharField(label=_("Comment"), max_length=500, required=False)
