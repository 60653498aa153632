"""Request-scoped context (who, from where, which request) read by the audit log.

Set by :class:`sanshe.core.middleware.RequestContextMiddleware` for web requests; management commands and
tasks may set it with :func:`bind`.
"""

import contextlib
import uuid
from contextvars import ContextVar
from dataclasses import dataclass, field


@dataclass
class RequestContext:
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    ip: str | None = None
    user: object | None = None
    source: str = "web"


_current: ContextVar[RequestContext | None] = ContextVar("sanshe_request_context", default=None)


def current() -> RequestContext:
    ctx = _current.get()
    if ctx is None:
        ctx = RequestContext(source="system")
        _current.set(ctx)
    return ctx


@contextlib.contextmanager
def bind(**values):
    """Bind a fresh context for the duration of a block (requests, commands, tasks)."""
    token = _current.set(RequestContext(**values))
    try:
        yield _current.get()
    finally:
        _current.reset(token)
