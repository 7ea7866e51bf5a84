from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(label=_("Username"), max_length=150)
    password = serializers.CharField(
        label=_("Password"), max_length=4096, trim_whitespace=False, style={"input_type": "password"}
    )
    device = serializers.CharField(
        label=_("device"),
        max_length=100,
        required=False,
        allow_blank=True,
        help_text=_(
            "A name for the signing-in device, such as the phone's model. Signing in again "
            "with the same name replaces that device's earlier token."
        ),
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text=_("Send it as `Authorization: Token <token>`."))
    expiry = serializers.DateTimeField(
        allow_null=True,
        help_text=_("When the token expires unless used; each use moves this on, up to a maximum age."),
    )
