"""Forms of community work admission: a list entry, withdrawing it, submitting a task, the district's review."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices_admission import REVIEW_ACTIONS, Frequency, TaskAction, TaskKind, TaskState

DATE = forms.DateInput(attrs={"type": "date"})


class EntryForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=20)
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=TaskKind.choices)
    department = forms.ModelChoiceField(label=_("Department"), queryset=None)
    legal_basis = forms.CharField(label=_("Legal basis"), max_length=300, required=False)
    effective_from = forms.DateField(label=_("Effective from"), widget=DATE)
    effective_to = forms.DateField(label=_("Effective to"), widget=DATE, required=False,
                                   help_text=_("Leave empty if open-ended."))

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Reason for withdrawing"), max_length=300)


class TaskForm(forms.Form):
    department = forms.ModelChoiceField(label=_("Department"), queryset=None)
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=TaskKind.choices)
    entry = forms.ModelChoiceField(label=_("Approved list entry it relies on"), queryset=None, required=False,
                                   help_text=_("Optional: without it, an entry with the same title, kind and "
                                               "department is looked for."))
    all_communities = forms.BooleanField(label=_("All communities of the district"), required=False)
    communities = forms.ModelMultipleChoiceField(label=_("Target communities"), queryset=None, required=False,
                                                 widget=forms.CheckboxSelectMultiple)
    frequency = forms.ChoiceField(label=_("Frequency"), choices=Frequency.choices, initial=Frequency.ONCE)
    due_date = forms.DateField(label=_("Due date"), widget=DATE,
                               help_text=_("For recurring work: the due date of the last period."))
    hours = forms.DecimalField(label=_("Workload per community and period (hours)"), min_value=0, max_value=1000,
                               decimal_places=1)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, departments, entries, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments
        if departments.count() == 1:
            self.fields["department"].initial = departments.first().pk
        self.fields["entry"].queryset = entries
        self.fields["communities"].queryset = communities

    def clean(self):
        data = super().clean()
        if data.get("all_communities"):
            data["communities"] = list(self.fields["communities"].queryset)
        elif not data.get("communities"):
            self.add_error("communities", _("Choose at least one community."))
        return data


class ReviewForm(forms.Form):
    action = forms.ChoiceField(label=_("Decision"), choices=[(a, TaskAction(a).label) for a in REVIEW_ACTIONS])
    note = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class TaskFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), required=False,
                              choices=[("", _("All"))] + list(TaskState.choices))
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All"))] + list(TaskKind.choices))
