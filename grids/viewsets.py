"""Base classes for API viewsets: every queryset is limited to the caller's scope."""

from django.http import Http404
from rest_framework import exceptions, viewsets

from grids.scope import Scope, scope_for


class ScopedViewSetMixin:
    """`get_queryset` returns the class queryset limited by the model's `visible_to(scope)`.

    Subclasses set `queryset` with the `select_related`/`prefetch_related` their
    serializer needs, so that the number of queries does not grow with the page size.
    """

    @property
    def scope(self) -> Scope:
        return scope_for(self.request.user)

    def get_queryset(self):
        return super().get_queryset().visible_to(self.scope)

    def get_object(self):
        """The object in scope; otherwise DRF's translated "Not found.", whatever the model.

        Django's own message ("No Grid matches the given query.") is English and names the
        model; an id outside the territory and one that does not exist answer alike.
        """
        try:
            return super().get_object()
        except Http404:
            raise exceptions.NotFound() from None


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass


class ScopedModelViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
