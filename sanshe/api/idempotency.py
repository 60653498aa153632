"""``Idempotency-Key`` on POST: a retried request gets the first answer back instead of a second record.

Any viewset that inherits :class:`IdempotentMixin` (all of ours, through ``ScopedViewSet``) gets it for every
POST action. The record is inserted in the same transaction as the work, so either both exist or neither; a
concurrent twin waits on the unique index and then replays the committed answer.
"""

import hashlib
import json
from functools import wraps

from django.db import IntegrityError
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from sanshe.core import txn
from sanshe.core.models import IdempotencyRecord

HEADER = "Idempotency-Key"
# Secrets shown once (a generated password, a new token's key) are never kept at rest: a replay answers with
# the same record and status, and these fields set to null.
SECRET_FIELDS = frozenset({"password", "key"})


def _scrub(body):
    if isinstance(body, dict):
        return {k: (None if k in SECRET_FIELDS and v is not None else _scrub(v)) for k, v in body.items()}
    if isinstance(body, list):
        return [_scrub(v) for v in body]
    return body


class _Failed(Exception):
    def __init__(self, response):
        self.response = response


def _fingerprint(request) -> str:
    data = request.data
    if hasattr(data, "lists"):
        data = {k: [getattr(v, "name", v) for v in values] for k, values in data.lists()}
    payload = json.dumps([request.method, request.path, data], sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


def _replay(record: IdempotencyRecord, fingerprint: str) -> Response:
    if record.fingerprint != fingerprint:
        return Response(
            {"detail": _("This Idempotency-Key was already used for a different request.")},
            status=status.HTTP_422_UNPROCESSABLE_ENTITY,
        )
    return Response(record.response_body, status=record.status_code, headers={"Idempotent-Replayed": "true"})


def idempotent(handler, request):
    key = request.headers.get(HEADER, "").strip()

    @wraps(handler)
    def wrapped(req, *args, **kwargs):
        if not key:
            return handler(req, *args, **kwargs)
        if len(key) > 255:
            return Response({HEADER: [_("Ensure this field has no more than 255 characters.")]},
                            status=status.HTTP_400_BAD_REQUEST)
        fingerprint = _fingerprint(req)
        existing = IdempotencyRecord.objects.filter(user=req.user, key=key).first()
        if existing is not None:
            return _replay(existing, fingerprint)
        try:
            with txn.atomic():  # the audit chain and counters are touched at its end, just before the commit
                record = IdempotencyRecord.objects.create(
                    user=req.user, key=key, method=req.method, path=req.path[:500], fingerprint=fingerprint
                )
                response = handler(req, *args, **kwargs)
                if response.status_code >= 400:
                    raise _Failed(response)
                body = _scrub(json.loads(JSONRenderer().render(response.data) or b"null"))
                record.status_code = response.status_code
                record.response_body = body
                record.save(update_fields=["status_code", "response_body"])
                return response
        except _Failed as failed:
            return failed.response
        except IntegrityError:
            existing = IdempotencyRecord.objects.filter(user=req.user, key=key).first()
            if existing is None:
                raise
            return _replay(existing, fingerprint)

    return wrapped


class IdempotentMixin:
    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method == "POST" and request.headers.get(HEADER):
            handler = getattr(self, "post", None)
            if handler is not None:
                self.post = idempotent(handler, request)
