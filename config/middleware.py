"""The API's edge in front of every view: request ids, text checks and JSON error answers.

Everything under `/api/` answers JSON in the API's shape and the caller's language, whatever
went wrong: an unknown URL, a body too large, bad text in a query parameter or a header, a
server error or a database that cannot be reached. The admin keeps Django's pages.
"""

import contextvars
import logging
import re
import uuid

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.signals import request_finished
from django.db import InterfaceError, OperationalError, connection
from django.http import JsonResponse
from django.utils.translation import gettext as _

from config.text import BAD_TEXT_MESSAGE, NON_FIELD, is_bad_text

logger = logging.getLogger("config.errors")

API_PREFIX = "/api/"
REQUEST_ID_HEADER = "X-Request-ID"
# A request id a proxy in front of the service may already have given the request.
_INCOMING_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
# How long a client should wait before retrying while the database cannot be reached.
RETRY_AFTER_SECONDS = 30

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


def current_request_id() -> str:
    return _request_id.get()


def is_api(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


class RequestIdLogFilter(logging.Filter):
    """Puts the id of the request being served on every log record (`-` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        return True


class RequestIdMiddleware:
    """Gives every request an id, answered as `X-Request-ID` and written on its log lines.

    A well-formed id sent by a proxy is kept, so that its logs and ours name the same request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if _INCOMING_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        # Kept until the response is closed (`request_finished`), so that Django's own line
        # for a 4xx or 5xx answer, written after the middleware has returned, names it too.
        _request_id.set(request_id)
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response


def _forget_request_id(**kwargs) -> None:
    _request_id.set("-")


request_finished.connect(_forget_request_id, dispatch_uid="config.middleware.forget_request_id")


def _bad_text_in(request) -> list[str]:
    """Query parameters and headers holding a NUL or an unpaired surrogate."""
    fields = set()
    for key, values in request.GET.lists():
        if is_bad_text(key):
            fields.add(NON_FIELD)
        elif any(is_bad_text(value) for value in values):
            fields.add(key)
    for name, value in request.headers.items():
        if is_bad_text(name) or is_bad_text(value):
            fields.add(name)
    return sorted(fields)


class ApiEdgeMiddleware:
    """Refuses bad text in query parameters and headers, and answers errors as JSON.

    Sits after LocaleMiddleware, so that its answers are in the caller's language.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if is_api(request):
            fields = _bad_text_in(request)
            if fields:
                return JsonResponse({field: [str(BAD_TEXT_MESSAGE)] for field in fields}, status=400)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_api(request):
            return None
        if isinstance(exception, RequestDataTooBig):
            return payload_too_large()
        if isinstance(exception, (OperationalError, InterfaceError)) and database_unreachable():
            logger.warning(
                "Database unavailable on %s %s: %s", request.method, request.path, type(exception).__name__
            )
            return service_unavailable()
        if settings.DEBUG:
            return None  # Django's debug page, with the traceback, for the developer
        logger.error("Server error on %s %s", request.method, request.path, exc_info=exception)
        return server_error_response()


def database_unreachable() -> bool:
    """Whether the database connection could not be opened, or has been lost.

    Other database errors (a missing table, a constraint) are the server's bugs: 500.
    """
    if connection.connection is None:
        return True
    try:
        return not connection.is_usable()
    except Exception:
        return True


def payload_too_large() -> JsonResponse:
    return JsonResponse(
        {
            "detail": _("The request body is larger than %(kb)d KB.")
            % {"kb": settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024},
            "code": "payload_too_large",
        },
        status=413,
    )


def service_unavailable() -> JsonResponse:
    response = JsonResponse(
        {
            "detail": _("The service is briefly unavailable; try again in a moment."),
            "code": "service_unavailable",
            "request_id": current_request_id(),
        },
        status=503,
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error_response() -> JsonResponse:
    """A generic answer: the log, found by the request id, holds the traceback."""
    return JsonResponse(
        {
            "detail": _("A server error occurred; try again later."),
            "code": "server_error",
            "request_id": current_request_id(),
        },
        status=500,
    )
