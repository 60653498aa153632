"""API errors: 4xx with field errors, in the user's language (Chinese by default); refusals audited."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from sanshe.core.exceptions import OutOfScope, audit_denial


def _django_validation_detail(exc: DjangoValidationError):
    if hasattr(exc, "error_dict"):
        return {field: [str(m) for m in messages] for field, messages in exc.message_dict.items()}
    return {"non_field_errors": [str(m) for m in exc.messages]}


def exception_handler(exc, context):
    request = context.get("request")
    if isinstance(exc, (PermissionDenied, OutOfScope)) and request is not None:
        audit_denial(request, exc)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_django_validation_detail(exc))
    elif isinstance(exc, OutOfScope) or isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Not found."))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, ProtectedError):
        return Response({"detail": _("This object is still in use and cannot be removed.")},
                        status=status.HTTP_409_CONFLICT)
    elif isinstance(exc, IntegrityError):
        return Response({"detail": _("This conflicts with existing data.")}, status=status.HTTP_409_CONFLICT)
    return drf_exception_handler(exc, context)
