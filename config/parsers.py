"""Request body parsers: JSON and forms, with the limits every body of this API keeps.

DRF's JSON parser reads the request stream itself, so Django's DATA_UPLOAD_MAX_MEMORY_SIZE
never applies to it, decodes any depth of nesting (a body of 100 KB of `[` exhausts the
interpreter's stack: a 500) and passes on NUL characters and unpaired surrogates, which
PostgreSQL or the JSON answer then cannot store or encode. These parsers refuse all of that
as a client error before a view reads the data, and word their errors in the user's language
without echoing the body.
"""

import json

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers, renderers
from rest_framework.utils.json import strict_constant

from config.text import BAD_TEXT_MESSAGE, MAX_DEPTH, NON_FIELD, bad_text_fields, is_bad_text


class PayloadTooLarge(exceptions.APIException):
    status_code = 413
    default_code = "payload_too_large"

    def __init__(self, limit: int | None = None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE if limit is None else limit
        super().__init__(_("The request body is larger than %(kb)d KB.") % {"kb": limit // 1024})


def body_limit(parser_context) -> int:
    """The largest JSON body the view takes: DATA_UPLOAD_MAX_MEMORY_SIZE, unless the view says
    otherwise for the action at hand (`max_body_bytes()`: a create carrying photos)."""
    view = (parser_context or {}).get("view")
    own = getattr(view, "max_body_bytes", None)
    return own() if callable(own) else settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def refuse_bad_text(data, *, batch_field: str | None = None) -> None:
    """Raise a 400 if the parsed `data` holds bad text or is nested too deeply.

    With `batch_field`, bad text inside that top-level list is left to the view, which answers
    each of its items on its own; the depth of the whole body is checked all the same.
    """
    fields, too_deep = bad_text_fields(data, max_depth=MAX_DEPTH)
    if batch_field is not None and isinstance(data, dict) and isinstance(data.get(batch_field), list):
        fields = [field for field in fields if field != batch_field]
    if too_deep:
        raise exceptions.ParseError(
            _("The body is nested more than %(depth)d levels deep.") % {"depth": MAX_DEPTH}
        )
    if fields:
        raise exceptions.ValidationError({field: [str(BAD_TEXT_MESSAGE)] for field in fields})


class JSONParser(parsers.BaseParser):
    """JSON bodies up to the view's limit (`body_limit`).

    Not a subclass of DRF's JSON parser: DRF reads such a parser's whole body through
    `HttpRequest.body` first, which holds every body to DATA_UPLOAD_MAX_MEMORY_SIZE, and a
    create carrying photos may be larger. This parser reads the stream itself, no more than
    the limit and one byte.
    """

    media_type = "application/json"
    renderer_class = renderers.JSONRenderer
    # The top-level list whose items the view checks one by one (see `refuse_bad_text`).
    batch_field: str | None = None

    def parse(self, stream, media_type=None, parser_context=None):
        limit = body_limit(parser_context)
        raw = stream.read(limit + 1) if stream is not None else b""
        if limit is not None and len(raw) > limit:
            raise PayloadTooLarge(limit)
        try:
            text = raw.decode("utf-8")  # RFC 8259: JSON exchanged between systems is UTF-8
        except UnicodeDecodeError:
            raise exceptions.ParseError(_("The body is not valid UTF-8 text.")) from None
        try:
            data = json.loads(text, parse_constant=strict_constant)
        except json.JSONDecodeError as exc:
            raise exceptions.ParseError(
                _("The body is not valid JSON (line %(line)d, column %(column)d).")
                % {"line": exc.lineno, "column": exc.colno}
            ) from None
        except (ValueError, RecursionError):
            # NaN and Infinity (not JSON), or nesting deeper than the interpreter's stack.
            raise exceptions.ParseError(_("The body is not valid JSON.")) from None
        refuse_bad_text(data, batch_field=self.batch_field)
        return data


class BatchJSONParser(JSONParser):
    """For a batch answered item by item: one item's bad text is that item's 400, not the
    batch's, so that the good items are still created and their answers replayed on retry."""

    batch_field = "items"


def _refuse_bad_form_text(data) -> None:
    fields = set()
    for key, values in data.lists():
        if is_bad_text(key):
            fields.add(NON_FIELD)
        elif any(isinstance(value, str) and is_bad_text(value) for value in values):
            fields.add(key)
    if fields:
        raise exceptions.ValidationError({field: [str(BAD_TEXT_MESSAGE)] for field in sorted(fields)})


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        _refuse_bad_form_text(data)
        return data


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            result = super().parse(stream, media_type, parser_context)
        except exceptions.ParseError:
            # DRF's "Multipart form parse error - …" is English and quotes the parser.
            raise exceptions.ParseError(_("The body is not a valid multipart form.")) from None
        _refuse_bad_form_text(result.data)
        return result
