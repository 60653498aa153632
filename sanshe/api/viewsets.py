"""Base viewsets: scoping through ``visible_to``, out-of-scope objects as audited 404s, idempotent POSTs."""

from django.http import Http404
from rest_framework import mixins, viewsets

from sanshe.core.exceptions import OutOfScope

from .idempotency import IdempotentMixin


class ScopedViewSet(IdempotentMixin, viewsets.GenericViewSet):
    """Subclasses set ``model``, ``serializer_class``, ``permission_map`` and optionally ``scope_permission``.

    Writes go through services in ``perform_create`` / ``perform_update`` or ``@action`` methods.
    """

    model = None
    lookup_value_regex = r"[0-9]+"
    scope_permission: str | None = None

    def base_queryset(self):
        return self.model.objects.all()

    def get_queryset(self):
        return self.base_queryset().visible_to(self.request.user, self.scope_permission)

    def get_object(self):
        lookup = self.kwargs[self.lookup_url_kwarg or self.lookup_field]
        obj = self.get_queryset().filter(**{self.lookup_field: lookup}).first()
        if obj is None:
            outside = self.model.objects.filter(**{self.lookup_field: lookup}).first()
            if outside is None:
                raise Http404
            raise OutOfScope(self.scope_permission or getattr(self.model, "SCOPE_PERMISSION", ""), outside)
        self.check_object_permissions(self.request, obj)
        return obj


class ScopedReadOnlyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    pass
