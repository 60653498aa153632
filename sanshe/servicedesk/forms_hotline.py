"""Forms of the 12343 hotline and the message box (they only parse; the services decide)."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .choices_hotline import CallCategory, FollowUpRating, MessageKind


class CallForm(forms.Form):
    caller_name = forms.CharField(label=_("Caller"), max_length=50)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    community = forms.ModelChoiceField(label=_("Community"), queryset=None)
    category = forms.ChoiceField(label=_("Category"), choices=CallCategory.choices)
    content = forms.CharField(label=_("What the caller said"), widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, communities=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Answer given"), widget=forms.Textarea(attrs={"rows": 3}))


class EventForm(forms.Form):
    event_category = forms.ModelChoiceField(label=_("Event sub-category"), queryset=None)
    title = forms.CharField(label=_("Title"), max_length=100, required=False)

    def __init__(self, *args, categories=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["event_category"].queryset = categories


class ApplicationForm(forms.Form):
    item = forms.ModelChoiceField(label=_("Service item"), queryset=None)

    def __init__(self, *args, items=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = items


class NeedForm(forms.Form):
    title = forms.CharField(label=_("Demand title"), max_length=100)


class MergeForm(forms.Form):
    master = forms.ModelChoiceField(label=_("Merge into"), queryset=None)

    def __init__(self, *args, candidates=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["master"].queryset = candidates


class FollowUpForm(forms.Form):
    reached = forms.TypedChoiceField(label=_("Caller reached"), coerce=lambda v: v == "yes",
                                     choices=[("yes", _("Yes")), ("no", _("No"))], widget=forms.RadioSelect)
    rating = forms.ChoiceField(label=_("Rating"), choices=[("", "—")] + FollowUpRating.choices, required=False)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class MessageForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=MessageKind.choices, widget=forms.RadioSelect,
                             initial=MessageKind.MESSAGE)
    node = forms.ModelChoiceField(label=pgettext_lazy("message addressee", "To"), queryset=None)
    name = forms.CharField(label=_("Your name"), max_length=50)
    phone = forms.CharField(label=_("Your phone"), max_length=20, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))
    subject = forms.CharField(label=_("Subject"), max_length=100)
    content = forms.CharField(label=_("Your message"), widget=forms.Textarea(attrs={"rows": 5}))
    is_public = forms.BooleanField(label=_("The answer may be published (without your name and phone)"),
                                   required=False, initial=True)

    def __init__(self, *args, nodes=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].queryset = nodes


class MessageAnswerForm(forms.Form):
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 4}))
