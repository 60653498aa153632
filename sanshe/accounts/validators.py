import string

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def character_classes(password: str) -> int:
    classes = [
        any(c in string.ascii_lowercase for c in password),
        any(c in string.ascii_uppercase for c in password),
        any(c.isdigit() for c in password),
        any(not c.isalnum() for c in password),
    ]
    return sum(classes)


class CharacterClassValidator:
    """The password must mix ``min_classes`` of: lower-case letters, upper-case letters, digits, symbols."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        if character_classes(password) < self.min_classes:
            raise ValidationError(
                ngettext(
                    "The password must contain at least %(n)d kind of characters among lower-case letters, "
                    "upper-case letters, digits and symbols.",
                    "The password must contain at least %(n)d kinds of characters among lower-case letters, "
                    "upper-case letters, digits and symbols.",
                    self.min_classes,
                )
                % {"n": self.min_classes},
                code="password_too_simple",
            )

    def get_help_text(self):
        return _(
            "Use at least %(n)d of: lower-case letters, upper-case letters, digits, symbols."
        ) % {"n": self.min_classes}
