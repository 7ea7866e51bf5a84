"""OpenAPI: every operation lists every answer it can give, with the body each one has.

What drf-spectacular infers from the serializers is corrected where the API does more than
they say: a 400 is a map of field to messages, a choice the API answers empty includes the
empty value, a body whose unknown fields are refused says so (`additionalProperties: false`),
and the errors answered at the edge (406, 413, 415, 429, 500, 503) are listed too.

Written for the API's users, in Chinese with English second: each operation's summary reads
"中文 · English" whatever the request's language, and an operation's description is only the
one its `extend_schema` gives (views' docstrings are written for the code's readers).
"""

from django.db.models import Field as ModelField
from django.utils import translation
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import force_instance, is_serializer
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import AllowAny

from config.middleware import RETRY_AFTER_SECONDS

_REF = "#/components/schemas/"
# Error bodies, added to the components by `add_error_components`.
ERROR_COMPONENTS = {
    "Error": {
        "type": "object",
        "properties": {"detail": {"type": "string"}, "code": {"type": "string"}},
        "required": ["detail"],
    },
    "ValidationError": {
        "type": "object",
        "description": (
            "Messages keyed by the field, parameter or header they concern (`non_field_errors` "
            "for the whole body); a nested body's errors are nested alike. A body that cannot "
            "be read at all is answered with `detail` alone."
        ),
        "additionalProperties": {
            "oneOf": [
                {"type": "array", "items": {"oneOf": [{"type": "string"}, {"type": "object"}]}},
                {"type": "object"},
                {"type": "string"},
            ]
        },
        "minProperties": 1,
    },
    "ActionNotAllowed": {
        "type": "object",
        "properties": {
            "detail": {"type": "string"},
            "code": {"type": "string"},
            "allowed_actions": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["detail", "code"],
    },
    "StaleVersion": {
        "type": "object",
        "properties": {
            "detail": {"type": "string"},
            "code": {"type": "string"},
            "current_version": {"type": "integer"},
        },
        "required": ["detail", "code", "current_version"],
    },
    "ServerError": {
        "type": "object",
        "properties": {
            "detail": {"type": "string"},
            "code": {"type": "string", "enum": ["server_error", "service_unavailable"]},
            "request_id": {"type": "string", "description": "Also in X-Request-ID and on the log lines."},
        },
        "required": ["detail", "code", "request_id"],
    },
}


def _ref(name: str) -> dict:
    return {"$ref": _REF + name}


ERRORS = {
    "400": OpenApiResponse(
        _ref("ValidationError"), description=_("Bad input; each message is keyed by the field it concerns.")
    ),
    "401": OpenApiResponse(_ref("Error"), description=_("No or invalid credentials.")),
    "403": OpenApiResponse(_ref("Error"), description=_("The caller's role may not do this.")),
    "404": OpenApiResponse(_ref("Error"), description=_("Not found, or outside the caller's territory.")),
    "406": OpenApiResponse(
        _ref("Error"), description=_("The Accept header allows none of the answer's types.")
    ),
    "409": OpenApiResponse(_ref("ActionNotAllowed"), description=_("Not allowed in the current state.")),
    "412": OpenApiResponse(_ref("StaleVersion"), description=_("If-Match names no current version.")),
    "413": OpenApiResponse(_ref("Error"), description=_("The body is larger than the limit.")),
    "415": OpenApiResponse(_ref("Error"), description=_("The body's Content-Type is not one the API reads.")),
    "422": OpenApiResponse(_ref("Error"), description=_("The Idempotency-Key was used for another request.")),
    "429": OpenApiResponse(_ref("Error"), description=_("Too many requests; wait as Retry-After says.")),
    "500": OpenApiResponse(
        _ref("ServerError"), description=_("A server error; the log names the request id.")
    ),
    "503": OpenApiResponse(
        _ref("ServerError"),
        description=format_lazy(
            _("The database cannot be reached; retry after {seconds} s (Retry-After)."),
            seconds=RETRY_AFTER_SECONDS,
        ),
    ),
}
LIST_NOT_FOUND = OpenApiResponse(_ref("Error"), description=_("A page past the last one."))
IN_FLIGHT = OpenApiResponse(
    {"oneOf": [_ref("ActionNotAllowed"), _ref("Error")]},
    description=_("Not allowed now, or the first request with this Idempotency-Key is still running."),
)
WRITES = {"POST", "PUT", "PATCH"}
FORM_MEDIA_TYPES = {"multipart/form-data", "application/x-www-form-urlencoded"}
TERRITORY_PARAMETERS = {"street", "community", "grid"}


def add_error_components(result, generator, request, public):
    """Postprocessing hook: the error bodies the responses refer to."""
    result.setdefault("components", {}).setdefault("schemas", {}).update(ERROR_COMPONENTS)
    return result


def allow_empty_query_values(result, generator, request, public):
    """Postprocessing hook: an optional query parameter sent empty (`?group_by=`) is read as
    not sent, by django-filter and by DRF's parameter serializers alike, so its schema takes
    "" (in its enum, or as the other choice beside a number, a boolean or a date).

    A browser's filter form sends every field, the empty ones too.
    """
    for path in result.get("paths", {}).values():
        for operation in path.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                schema = parameter.get("schema", {})
                if parameter.get("in") != "query" or parameter.get("required"):
                    continue
                if "enum" in schema:
                    if "" not in schema["enum"]:
                        schema["enum"] = ["", *schema["enum"]]
                        schema.pop("minLength", None)
                elif schema.get("type") in {"integer", "number", "boolean"} or (
                    schema.get("type") == "string" and {"format", "pattern", "minLength"} & set(schema)
                ):
                    parameter["schema"] = {"anyOf": [schema, {"type": "string", "enum": [""]}]}
    return result


def _model_field_allows_blank(field: serializers.Field) -> bool:
    parent = getattr(field, "parent", None)
    model = getattr(getattr(parent, "Meta", None), "model", None)
    if model is None or not field.source or "." in field.source:
        return False
    try:
        model_field = model._meta.get_field(field.source)
    except Exception:
        return False
    return isinstance(model_field, ModelField) and model_field.blank


# The documentation's two languages, in the order they are shown.
FIRST_LANGUAGE, SECOND_LANGUAGE = "zh-hans", "en"


def bilingual(text) -> str:
    """A translatable text as "中文 · English" (once, when both read the same)."""
    with translation.override(FIRST_LANGUAGE):
        first = str(text)
    with translation.override(SECOND_LANGUAGE):
        second = str(text)
    return first if first == second else f"{first} · {second}"


# Summaries of the operations a model's viewset offers, for those given none of their own.
DEFAULT_SUMMARIES = {
    "list": _("List %(plural)s"),
    "retrieve": _("Read a %(name)s"),
    "create": _("Create a %(name)s"),
    "partial_update": _("Change a %(name)s"),
    "update": _("Replace a %(name)s"),
    "destroy": _("Delete a %(name)s"),
}


class _Deferred:
    """A text read by calling `get` each time: `get_summary` answers its lazy text already
    turned into the active language's, so it is asked once per language."""

    def __init__(self, get):
        self.get = get

    def __str__(self) -> str:
        return str(self.get())


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's schema plus the project's standard error answers, summaries in both
    languages and no docstrings."""

    def get_description(self):
        return ""  # the view's docstring; an `extend_schema(description=…)` overrides this

    def get_summary(self):
        """An operation given no summary of its own: named after its model and what it does
        (楼栋列表, 查看楼栋), in the active language."""
        model = getattr(getattr(self.view, "queryset", None), "model", None)
        template = DEFAULT_SUMMARIES.get(getattr(self.view, "action", None))
        if model is None or template is None:
            return super().get_summary()
        meta = model._meta
        return str(template) % {"name": meta.verbose_name, "plural": meta.verbose_name_plural}

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation and operation.get("summary"):
            # `get_summary` answers the lazy text evaluated in the active language: ask twice.
            operation["summary"] = bilingual(_Deferred(self.get_summary))
        if operation:
            self._bilingual_answers_and_parameters(operation)
        if operation and operation.get("description"):
            operation["description"] = bilingual(self.get_description()).replace(" · ", "\n\n", 1)
        return operation

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        # A read-only choice (a case's satisfaction, a mediation's referral) is answered empty
        # until it is set: DRF builds it without allow_blank, so the enum would lack "".
        if (
            isinstance(field, serializers.ChoiceField)
            and field.read_only
            and not field.allow_blank
            and _model_field_allows_blank(field)
        ):
            field.allow_blank = True
        return super()._map_serializer_field(field, direction, bypass_extensions)

    def _map_serializer(self, serializer, direction, bypass_extensions=False):
        schema = super()._map_serializer(serializer, direction, bypass_extensions)
        if direction == "request" and getattr(serializer, "refuses_unknown_fields", False):
            schema["additionalProperties"] = False
        return schema

    def map_parsers(self):
        # Bodies are JSON; forms are read too (the browsable API posts them), but only an
        # upload is described with them, so that a client, or a fuzzer, speaks the API's JSON.
        media_types = super().map_parsers()
        if self._request_takes_a_file():
            return media_types
        return [m for m in media_types if m not in FORM_MEDIA_TYPES] or media_types

    def _request_takes_a_file(self) -> bool:
        serializer = self.get_request_serializer()
        if not is_serializer(serializer):
            return False
        fields = force_instance(serializer).fields.values()
        return any(isinstance(field, serializers.FileField) for field in fields)

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code, answer in self._error_answers().items():
            if code not in responses:
                responses[code] = self._get_response_for_code(answer, code, direction=direction)
        if "503" in responses:
            responses["503"]["headers"] = {
                "Retry-After": {"schema": {"type": "integer"}, "description": str(_("Seconds to wait."))}
            }
        return responses

    def _bilingual_answers_and_parameters(self, operation: dict) -> None:
        """The standard answers' and the declared parameters' descriptions, as the summary."""
        for code, answer in self._error_answers().items():
            if code in operation.get("responses", {}) and answer.description:
                operation["responses"][code]["description"] = bilingual(answer.description)
        declared = {
            parameter.name: parameter.description
            for parameter in self.get_override_parameters()
            if isinstance(parameter, OpenApiParameter) and parameter.description
        }
        for parameter in operation.get("parameters", []):
            if parameter.get("name") in declared:
                parameter["description"] = bilingual(declared[parameter["name"]])

    def _error_answers(self) -> dict:
        view, method = self.view, self.method
        public = any(isinstance(p, AllowAny) for p in view.get_permissions())
        writes = method in WRITES
        is_list = self._is_list_view() and method == "GET"
        answers = {}
        if not public:
            answers.update({code: ERRORS[code] for code in ("401", "403")})
        parameter_fields = self._parameter_fields()
        if writes or is_list or getattr(view, "filterset_class", None) or parameter_fields:
            answers["400"] = ERRORS["400"]
        if "{id}" in self.path or "{pk}" in self.path or parameter_fields & TERRITORY_PARAMETERS:
            answers["404"] = ERRORS["404"]
        elif is_list and self._get_paginator() is not None:
            answers["404"] = LIST_NOT_FOUND
        answers["406"] = ERRORS["406"]  # DRF's content negotiation, whatever the view
        if method == "DELETE" or (writes and getattr(view, "action_conflicts", False)):
            answers["409"] = ERRORS["409"]
        if self._takes_idempotency_key():
            answers.update({"409": IN_FLIGHT, "422": ERRORS["422"]})
        if getattr(view, "versioned", False) and (writes or method == "DELETE"):
            answers["412"] = ERRORS["412"]
        if writes:
            answers.update({code: ERRORS[code] for code in ("413", "415")})
        if getattr(view, "throttle_classes", None):
            answers["429"] = ERRORS["429"]
        answers.update({code: ERRORS[code] for code in ("500", "503")})
        return answers

    def _parameter_fields(self) -> set[str]:
        """The query parameters declared by a serializer (a report's, the counts'): checked,
        so a 400 on a bad one, and a territory outside the caller's is a 404."""
        names = set()
        for parameter in self.get_override_parameters():
            if is_serializer(parameter):
                names.update(force_instance(parameter).fields)
        return names

    def _takes_idempotency_key(self) -> bool:
        return any(getattr(p, "name", None) == "Idempotency-Key" for p in self.get_override_parameters())
