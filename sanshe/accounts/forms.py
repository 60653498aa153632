from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

password_help = lazy(password_validators_help_text_html, str)


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
