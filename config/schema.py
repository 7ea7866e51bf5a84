"""OpenAPI: every operation lists the error answers it can give, with their body shapes."""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny

_ERROR = inline_serializer(
    "Error", {"detail": serializers.CharField(), "code": serializers.CharField(required=False)}
)
_VALIDATION = inline_serializer(
    "ValidationError",
    {
        "<field>": serializers.ListField(
            child=serializers.CharField(), help_text="Messages for the named field."
        )
    },
)
_CONFLICT = inline_serializer(
    "ActionNotAllowed",
    {
        "detail": serializers.CharField(),
        "code": serializers.CharField(),
        "allowed_actions": serializers.ListField(child=serializers.CharField()),
    },
)
_STALE = inline_serializer(
    "StaleVersion",
    {
        "detail": serializers.CharField(),
        "code": serializers.CharField(),
        "current_version": serializers.IntegerField(),
    },
)

ERRORS = {
    "400": OpenApiResponse(
        _VALIDATION, description="Bad input; each message is keyed by the field it concerns."
    ),
    "401": OpenApiResponse(_ERROR, description="No or invalid credentials."),
    "403": OpenApiResponse(_ERROR, description="The caller's role may not do this."),
    "404": OpenApiResponse(_ERROR, description="Not found, or outside the caller's territory."),
    "409": OpenApiResponse(_CONFLICT, description="Not allowed in the object's current state."),
    "412": OpenApiResponse(_STALE, description="If-Match names an older version of the object."),
}


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's schema plus the project's standard error answers."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code in self._error_codes():
            if code not in responses:
                responses[code] = self._get_response_for_code(ERRORS[code], code, direction=direction)
        return responses

    def _error_codes(self) -> list[str]:
        view = self.view
        public = any(isinstance(p, AllowAny) for p in view.get_permissions())
        codes = [] if public else ["401", "403"]
        writes = self.method in {"POST", "PUT", "PATCH"}
        if writes or self._is_list_view() or getattr(view, "filterset_class", None):
            codes.append("400")
        if "{id}" in self.path or "{pk}" in self.path:
            codes.append("404")
        if self.method == "DELETE" or (writes and getattr(view, "action_conflicts", False)):
            codes.append("409")
        if getattr(view, "versioned", False) and (writes or self.method == "DELETE"):
            codes.append("412")
        return codes
