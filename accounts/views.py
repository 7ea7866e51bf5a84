from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.authentication import DeviceTokenAuthentication
from accounts.serializers import TokenRequestSerializer, TokenSerializer
from accounts.throttling import SIGN_IN_THROTTLES
from config.api import status_for
from config.errors import AccountLocked

_REFUSED = OpenApiResponse(
    description=_("Too many sign-in attempts from this address or at this account, or the account is locked.")
)


class TokenView(APIView):
    """`POST {username, password, device?}` → `{token, expiry}` for this device."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = SIGN_IN_THROTTLES

    @extend_schema(
        summary=_("Sign a device in: obtain an API token"),
        request=TokenRequestSerializer,
        responses={200: TokenSerializer, 429: _REFUSED},
    )
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            issued = services.token_sign_in(
                request=request,
                username=data["username"],
                password=data["password"],
                device=data.get("device", ""),
                user_agent=request.headers.get("User-Agent", ""),
            )
        except AccountLocked as exc:
            return Response(
                exc.as_data(), status=status_for(exc), headers={"Retry-After": str(exc.retry_after)}
            )
        return Response(TokenSerializer({"token": issued.token, "expiry": issued.expiry}).data)


class LogoutView(APIView):
    """Revoke the token this request carries: the device is signed out."""

    authentication_classes = [DeviceTokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(summary=_("Sign this device out (revoke its token)"), request=None, responses={204: None})
    def post(self, request):
        services.token_revoke(device_token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllView(APIView):
    """Revoke every token of the caller: all their devices are signed out."""

    authentication_classes = [DeviceTokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(summary=_("Sign every device of the caller out"), request=None, responses={204: None})
    def post(self, request):
        services.tokens_revoke_all(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
