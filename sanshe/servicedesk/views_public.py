"""Public pages (placeholder: filled in by the public pages)."""

from django.http import Http404


def track(request):
    raise Http404
