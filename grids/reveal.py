"""The explicit reveal call: the one way to read a resident's unmasked personal data."""

from collections.abc import Mapping

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from config.errors import RoleNotAllowed
from core.access import ACCESS
from grids.scope import Scope, scope_for
from grids.services import personal_data_reveal

REVEAL_RESPONSE = inline_serializer(
    "RevealedValue", {"field": serializers.CharField(), "value": serializers.CharField()}
)


class RevealMixin:
    """Adds `POST <detail>/reveal/ {"field": …}` to a viewset whose records hold personal data.

    The caller must see the record (else 404) and hold a role allowed to reveal (else 403);
    each successful call writes one `PersonalDataReveal` audit row.
    """

    reveal_fields: tuple[str, ...] = ()
    # The grant (`core.access.ACCESS`) that allows the reveal: (app, action).
    reveal_grant: tuple[str, str] = ("grids", "reveal")

    def may_reveal(self, scope: Scope, obj) -> bool:
        app, action = self.reveal_grant
        return ACCESS.allows(app, action, scope, obj)

    @extend_schema(
        summary=gettext_lazy("Reveal one personal-data field (audited)"),
        request=inline_serializer("RevealRequest", {"field": serializers.CharField()}),
        responses={
            200: REVEAL_RESPONSE,
            400: OpenApiResponse(description="Unknown field"),
            403: OpenApiResponse(description="Role may not reveal"),
            404: OpenApiResponse(description="Outside the caller's scope"),
        },
    )
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def reveal(self, request, *args, **kwargs):
        obj = self.get_object()
        if not self.may_reveal(scope_for(request.user), obj):
            raise RoleNotAllowed(_("Your role may not see residents' personal data."))
        # A JSON body may be any value (a number, a list): only an object names a field.
        field = request.data.get("field") if isinstance(request.data, Mapping) else None
        if field not in self.reveal_fields:
            raise serializers.ValidationError(
                {"field": [_("Choose one of: %s.") % ", ".join(self.reveal_fields)]}
            )
        value = personal_data_reveal(user=request.user, obj=obj, field=field)
        # The unmasked value must not stay in a browser's, a proxy's or an app's cache.
        return Response(
            {"field": field, "value": value}, headers={"Cache-Control": "no-store", "Pragma": "no-cache"}
        )
