"""Pluggable SMS delivery. The default backend writes to the log; production plugs a gateway in."""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("sanshe.sms")


class LoggingBackend:
    def send(self, phone: str, message: str) -> None:
        from .masking import mask_phone

        logger.info("SMS to %s: %s", mask_phone(phone), message)


def send_sms(phone: str, message: str) -> None:
    import_string(settings.SANSHE_SMS_BACKEND)().send(phone, message)
