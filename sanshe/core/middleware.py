import re
import uuid

from . import context

_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def client_ip(request) -> str | None:
    """The peer address. Behind a proxy, the proxy must set REMOTE_ADDR (gunicorn --forwarded-allow-ips)."""
    return request.META.get("REMOTE_ADDR")


class RequestContextMiddleware:
    """Give every request an id (or keep a well-formed ``X-Request-ID``) and bind it with the client IP."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        with context.bind(request_id=request_id, ip=client_ip(request), source="web"):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


class DenialAuditMiddleware:
    """Record 403s and out-of-scope 404s raised by views (after any transaction has rolled back)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from .exceptions import audit_denial

        audit_denial(request, exception)
        return None
