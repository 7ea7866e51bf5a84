"""Serializer fields every app uses: scoped relations and masked personal data."""

from collections.abc import Callable

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from grids.privacy import MASK
from grids.scope import scope_for


class ScopedRelatedField(serializers.PrimaryKeyRelatedField):
    """An id of a related object, accepted only if the caller's scope shows that object.

    An id outside the scope gets the same answer as an id that does not exist, so a
    request body cannot be used to probe another street's records.
    """

    def get_queryset(self):
        queryset = super().get_queryset()
        request = self.context.get("request")
        return queryset.visible_to(scope_for(request.user if request else None))


@extend_schema_field(OpenApiTypes.STR)
class PersonalDataField(serializers.CharField):
    """A resident's name, phone or ID number: written in full, always read masked.

    A client that echoes a read back (GET, edit one field, PATCH the whole body) would
    store the mask over the real value. Every mask is made of `MASK` characters, which no
    name, phone or ID number contains, so a value holding one is refused.
    """

    default_error_messages = {
        "masked": _("This is the masked value shown on reading; enter the full value or leave the field out.")
    }

    def __init__(self, *, mask: Callable[[str], str], **kwargs):
        self.mask = mask
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if MASK in value:
            self.fail("masked")
        return value

    def to_representation(self, value):
        return self.mask(super().to_representation(value))
