"""Plumbing shared by every API view: pagination, ordering, errors and version headers."""

import re

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import Paginator as DjangoPaginator
from django.http import Http404
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
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
from config.parsers import PayloadTooLarge

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


class ScrollPagination(pagination.CursorPagination):
    """Pages that follow each other by an opaque cursor, in the view's fixed order: no count,
    and a page a phone scrolls to stays cheap however far down it is, since it starts from the
    last row seen instead of skipping all the rows before it."""

    cursor_query_param = "cursor"

    def __init__(self, ordering: tuple[str, ...], page_size: int):
        self.ordering = ordering
        self.page_size = page_size

    def get_ordering(self, request, queryset, view):
        return self.ordering

    def get_page_size(self, request):
        return self.page_size

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound:
            raise exceptions.ValidationError(
                {self.cursor_query_param: [_("Not a cursor this list gave: start again without one.")]}
            ) from None


class CountingPaginator(DjangoPaginator):
    """Django's paginator, counting rows read by `.values()` on the queryset they came from
    (`LeanModelSerializer.rows`): the columns of joined tables a page shows need no join in
    its count."""

    @cached_property
    def count(self) -> int:
        source = getattr(self.object_list, "counted_as", None)
        return source.count() if source is not None else super().count


class Pagination(pagination.PageNumberPagination):
    """DRF's page shape; `page_size` may ask for fewer or more rows, up to a hard maximum.

    A view that sets `cursor_ordering` also pages by cursor when the request names `cursor`
    (empty for the first page): the answer then has `next` and `previous` links and no `count`.
    """

    django_paginator_class = CountingPaginator
    page_size_query_param = "page_size"
    max_page_size = settings.API_MAX_PAGE_SIZE
    cursor_query_param = "cursor"
    _scroll: ScrollPagination | None = None

    def paginate_queryset(self, queryset, request, view=None):
        ordering = getattr(view, "cursor_ordering", None)
        if ordering and self.cursor_query_param in request.query_params:
            if request.query_params.get(StrictOrderingFilter.ordering_param):
                raise exceptions.ValidationError(
                    {
                        StrictOrderingFilter.ordering_param: [
                            _("Pages by cursor come in one order: leave this out.")
                        ]
                    }
                )
            if request.query_params.get(self.page_query_param):
                raise exceptions.ValidationError(
                    {self.page_query_param: [_("Pages by cursor have no numbers: leave this out.")]}
                )
            self._scroll = ScrollPagination(ordering, self.get_page_size(request))
            return self._scroll.paginate_queryset(queryset, request, view)
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        if self._scroll is not None:
            return self._scroll.get_paginated_response(data)
        return super().get_paginated_response(data)

    def get_page_number(self, request, paginator):
        """A page that is not a positive number is bad input (400 on `page`); a page past
        the last one stays DRF's 404, since the rows may simply have moved on."""
        number = super().get_page_number(request, paginator)  # the int 1 when absent
        if not isinstance(number, str) or number in self.last_page_strings or _positive_int(number):
            return number
        raise exceptions.ValidationError({self.page_query_param: [_("A positive whole number is required.")]})

    def get_schema_operation_parameters(self, view):
        parameters = {p["name"]: p for p in super().get_schema_operation_parameters(view)}
        parameters[self.page_query_param]["schema"] = {
            "oneOf": [
                {"type": "integer", "minimum": 1},
                # Empty is the first page, as DRF reads it (a browser's form sends it so).
                {"type": "string", "enum": [*self.last_page_strings, ""]},
            ]
        }
        parameters[self.page_query_param]["description"] = str(
            gettext_lazy("A page number from 1, or `last`; a page past the last one is a 404.")
        )
        if getattr(view, "cursor_ordering", None):
            parameters[self.cursor_query_param] = {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": str(
                    gettext_lazy(
                        "Page by cursor instead of by number: empty for the first page, then the "
                        "value in `next` or `previous`. The answer has no `count`."
                    )
                ),
                "schema": {"type": "string"},
            }
        parameters[self.page_size_query_param]["schema"] = {"type": "integer", "minimum": 1}
        parameters[self.page_size_query_param]["description"] = str(
            gettext_lazy("Rows per page, from 1; more than %(max)d gives %(max)d.")
            % {"max": self.max_page_size}
        )
        return list(parameters.values())

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None or raw == "":  # empty is not sent, as for every query parameter
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

    def get_schema_operation_parameters(self, view):
        """The parameter as an enum of the fields it takes, each either way (`name`, `-name`);
        empty means the default order. Several fields, comma-separated, are taken too."""
        parameters = super().get_schema_operation_parameters(view)
        try:
            queryset = view.queryset if getattr(view, "queryset", None) is not None else view.get_queryset()
            fields = sorted(name for name, _label in self.get_valid_fields(queryset, view, {}))
        except Exception:  # a view the schema cannot instantiate fully: leave the free text
            return parameters
        for parameter in parameters:
            parameter["schema"] = {"type": "string", "enum": ["", *fields, *(f"-{name}" for name in fields)]}
        return parameters


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
    """DRF's handler plus the project's domain errors and Django's model validation.

    Anything else (a bug, a database that cannot be reached) goes on to
    `config.middleware.ApiEdgeMiddleware`, which logs it and answers JSON.
    """
    if isinstance(exc, (DomainError, DjangoValidationError)):
        set_rollback()
        status_code, data = error_response(exc)
        return Response(data, status=status_code)
    if isinstance(exc, RequestDataTooBig):
        # A form or multipart body over DATA_UPLOAD_MAX_MEMORY_SIZE, found while Django parsed it.
        exc = PayloadTooLarge()
    return drf_exception_handler(exc, context)


# --- preconditions: ETags and If-Match (RFC 9110, 8.8.3 and 13.1.1) -------------------------

# One element of a list of entity-tags: optional weakness flag, then opaque characters in
# quotes; empty elements (", ,") are allowed and ignored, as RFC 9110 5.6.1.2 asks.
_LIST_ELEMENT = re.compile(r'[ \t]*(?:(W/)?"([\x21\x23-\x7e\x80-\xff]*)")?[ \t]*(?:,|$)')
_OUR_TAG = re.compile(r"[0-9]{1,18}")
# What the schema says an If-Match holds: `*`, or the ETags this service issues. Any other
# list of entity-tags is answered as a stale version (412), and anything else is a 400.
IF_MATCH_PATTERN = r'^(\*|(W/)?"[0-9]{1,18}"(, ?(W/)?"[0-9]{1,18}")*)$'
# No object has this version: a precondition naming none of ours still reaches the service,
# which compares it under the row lock and answers 412 with the current version.
MATCHES_NOTHING = -1


class AnyOfVersions(int):
    """An `If-Match` listing several of our versions: equal to each of them.

    The services compare `expected_version != obj.version` under the row lock; this int
    compares equal to any version listed, so that they need no other signature. Its own
    value (the lowest version listed) is only what a log or a message would show.
    """

    def __new__(cls, versions: frozenset[int]):
        instance = super().__new__(cls, min(versions))
        instance.versions = versions
        return instance

    def __eq__(self, other):
        return other in self.versions if isinstance(other, int) else NotImplemented

    def __ne__(self, other):
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    __hash__ = int.__hash__


def etag_for(version: int) -> str:
    return f'"{version}"'


def parse_if_match(raw: str) -> frozenset[int] | None:
    """The versions an `If-Match` field names (None for `*`, which any current object matches).

    A weak tag compares weakly (W/"3" is version 3), as the service has always accepted it.
    Tags this service never issues are valid HTTP that matches no version; a value that is
    not a list of entity-tags at all is refused (400 on `If-Match`).
    """
    raw = raw.strip()
    if raw == "*":
        return None
    tags, versions, position = 0, set(), 0
    while position < len(raw):
        match = _LIST_ELEMENT.match(raw, position)
        if match is None or match.end() == position:
            raise exceptions.ValidationError({"If-Match": [_("Not a list of entity-tags.")]})
        if match.group(2) is not None:
            tags += 1
            if _OUR_TAG.fullmatch(match.group(2)):
                versions.add(int(match.group(2)))
        position = match.end()
    if not tags:
        raise exceptions.ValidationError({"If-Match": [_("Not a list of entity-tags.")]})
    return frozenset(versions)


def expected_version(request) -> int | None:
    """What a service compares the object's version with under its row lock.

    None without a precondition (or with `*`); the version named; an `AnyOfVersions` when
    several are listed; `MATCHES_NOTHING` when none of the tags is one of ours, so that the
    service answers 412 (stale version) with the current one.
    """
    raw = request.headers.get("If-Match")
    if raw is None:
        return None
    versions = parse_if_match(raw)
    if versions is None:
        return None
    if not versions:
        return MATCHES_NOTHING
    if len(versions) == 1:
        return next(iter(versions))
    return AnyOfVersions(versions)
