"""Forms of appointments: the public booking form, the window's list filter, the slot page."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import AppointmentState
from .models import AppointmentSlot
from .services_appointments import MAX_DAYS


class BookingForm(forms.Form):
    item = forms.ModelChoiceField(label=_("What do you want to do?"), queryset=None,
                                  empty_label=_("Choose an item"))
    slot = forms.ModelChoiceField(label=_("When"), queryset=None, widget=forms.RadioSelect, empty_label=None)
    name = forms.CharField(label=_("Your name"), max_length=50)
    phone = forms.CharField(label=_("Mobile phone"), max_length=20,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
                            help_text=_("The last four digits let you cancel the booking."))

    def __init__(self, *args, items, slots, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = items
        # ``slots``: the free slots (the template lists them by day with their free places)
        self.fields["slot"].queryset = AppointmentSlot.objects.filter(pk__in=[s.pk for s in slots])


class PublicCancelForm(forms.Form):
    number = forms.CharField(label=_("Booking number"), max_length=24)
    check = forms.CharField(label=_("Last four digits of the phone"), min_length=4, max_length=4,
                            widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))


class AppointmentFilterForm(forms.Form):
    station = forms.ModelChoiceField(label=_("Station"), queryset=None, required=False,
                                     empty_label=_("All my stations"))
    day = forms.DateField(label=_("Day"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
                          help_text=_("Empty: today and the coming days."))
    state = forms.ChoiceField(label=_("State"), required=False,
                              choices=[("", _("Any state")), *AppointmentState.choices])

    def __init__(self, *args, stations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = stations


class SlotsForm(forms.Form):
    station = forms.ModelChoiceField(label=_("Station"), queryset=None)
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    days = forms.IntegerField(label=_("Working days"), min_value=1, max_value=MAX_DAYS, initial=10)
    capacity = forms.IntegerField(label=_("Places per half day"), min_value=1, max_value=200, required=False,
                                  help_text=_("Empty: two per window."))

    def __init__(self, *args, stations, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("start", timezone.localdate() + dt.timedelta(days=1))
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = stations
