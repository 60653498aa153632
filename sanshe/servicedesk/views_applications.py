"""Pages of the one window (placeholder: filled in by the applications pages)."""

from django.http import Http404


def application_detail(request, pk):
    raise Http404
