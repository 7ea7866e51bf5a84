"""Plumbing shared by every API view: pagination, ordering, errors and version headers."""

import re

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, filters, pagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from config.errors import (
    AccountLocked,
    ActionNotAllowed,
    DomainError,
    IdempotencyKeyInFlight,
    IdempotencyKeyReused,
    InvalidInput,
    ObjectNotFound,
    RoleNotAllowed,
    StaleVersion,
)

# The one mapping from the domain's errors to HTTP: nothing below the API knows these codes.
ERROR_STATUS: dict[type[DomainError], int] = {
    InvalidInput: 400,
    RoleNotAllowed: 403,
    ObjectNotFound: 404,
    ActionNotAllowed: 409,
    IdempotencyKeyInFlight: 409,
    StaleVersion: 412,
    IdempotencyKeyReused: 422,
    AccountLocked: 429,
}


def status_for(exc: DomainError) -> int:
    for cls in type(exc).__mro__:
        if cls in ERROR_STATUS:
            return ERROR_STATUS[cls]
    return 400


class Pagination(pagination.PageNumberPagination):
    """DRF's page shape; `page_size` may ask for fewer or more rows, up to a hard maximum."""

    page_size_query_param = "page_size"
    max_page_size = settings.API_MAX_PAGE_SIZE

    def get_page_number(self, request, paginator):
        """A page that is not a positive number is bad input (400 on `page`); a page past
        the last one stays DRF's 404, since the rows may simply have moved on."""
        number = super().get_page_number(request, paginator)  # the int 1 when absent
        if not isinstance(number, str) or number in self.last_page_strings or _positive_int(number):
            return number
        raise exceptions.ValidationError({self.page_query_param: [_("A positive whole number is required.")]})

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        size = _positive_int(raw)
        if size is None:
            raise exceptions.ValidationError(
                {self.page_size_query_param: [_("A positive whole number is required.")]}
            )
        return min(size, self.max_page_size)


def _positive_int(raw) -> int | None:
    """`raw` as a positive whole number, else None. ASCII digits only: `str.isdigit` also
    accepts "²", which `int` refuses; the length bound keeps `int` cheap."""
    if not isinstance(raw, str) or not re.fullmatch(r"[0-9]{1,18}", raw):
        return None
    return int(raw) or None


class StrictOrderingFilter(filters.OrderingFilter):
    """Like DRF's ordering filter, but an unknown field is a 400 instead of being ignored."""

    def remove_invalid_fields(self, queryset, fields, view, request):
        valid = super().remove_invalid_fields(queryset, fields, view, request)
        if len(valid) != len([f for f in fields if f]):
            allowed = sorted(
                name for name, _label in self.get_valid_fields(queryset, view, {"request": request})
            )
            raise exceptions.ValidationError(
                {self.ordering_param: [_("Unknown ordering field. Allowed: %s") % ", ".join(allowed)]}
            )
        return valid


def error_response(exc) -> tuple[int, dict] | None:
    """The (status, body) the API answers for `exc`, or None for an unexpected error.

    Used by the exception handler and by batch endpoints that report each item's error.
    """
    if isinstance(exc, ObjectNotFound):
        exc = exceptions.NotFound(exc.message)
    elif isinstance(exc, DomainError):
        return status_for(exc), exc.as_data()
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            return 400, {
                ("non_field_errors" if field == "__all__" else field): messages
                for field, messages in exc.message_dict.items()
            }
        return 400, {"non_field_errors": exc.messages}
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, exceptions.APIException):
        return exc.status_code, exc.detail if isinstance(exc.detail, (list, dict)) else {"detail": exc.detail}
    return None


def exception_handler(exc, context):
    """DRF's handler plus the project's domain errors and Django's model validation."""
    if isinstance(exc, (DomainError, DjangoValidationError)):
        set_rollback()
        status_code, data = error_response(exc)
        return Response(data, status=status_code)
    return drf_exception_handler(exc, context)


_ETAG = re.compile(r'^(?:W/)?"(\d+)"$')


def etag_for(version: int) -> str:
    return f'"{version}"'


def expected_version(request) -> int | None:
    """The version a client names in `If-Match`, or None when it sends no precondition.

    A header that is not one of our ETags cannot match any version: it is reported as a
    400 on the `If-Match` header rather than silently ignored.
    """
    raw = request.headers.get("If-Match")
    if raw is None or raw.strip() == "*":
        return None
    match = _ETAG.match(raw.strip())
    if not match:
        raise exceptions.ValidationError({"If-Match": [_("Not an ETag issued by this service.")]})
    return int(match.group(1))
