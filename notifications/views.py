"""The in-app inbox: `GET /api/v1/notifications/`, mark one or all read. Each user sees their own."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from notifications import selectors, services
from notifications.models import Notification
from notifications.serializers import (
    InboxParams,
    InboxSerializer,
    MarkAllReadAnswer,
    MarkAllReadInput,
    NotificationSerializer,
)


class NotificationViewSet(viewsets.ViewSet):
    lookup_value_regex = "[0-9]+"

    @extend_schema(
        summary=_("My notifications, newest first"), parameters=[InboxParams], responses=InboxSerializer
    )
    def list(self, request):
        params = InboxParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        answer = selectors.inbox(
            user=request.user, since=data.get("since"), unread_only=data["unread"], limit=data["limit"]
        )
        return Response(InboxSerializer(answer).data)

    @extend_schema(summary=_("Mark a notification read"), request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = services.notification_mark_read(user=request.user, notification_id=int(pk))
        return Response(NotificationSerializer(notification).data)

    @extend_schema(
        summary=_("Mark all my notifications read"), request=MarkAllReadInput, responses=MarkAllReadAnswer
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        body = MarkAllReadInput(data=request.data)
        body.is_valid(raise_exception=True)
        marked = services.notifications_mark_all_read(
            user=request.user, up_to=body.validated_data.get("up_to")
        )
        unread = Notification.objects.of_user(request.user).unread().count()
        return Response({"marked": marked, "unread_count": unread})
