from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from config.serializers import StrictInput, StrictParams
from notifications.models import Notification


class InboxParams(StrictParams):
    since = serializers.IntegerField(
        required=False, min_value=0, help_text=_("The cursor of an earlier answer.")
    )
    unread = serializers.BooleanField(required=False, default=False)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=200, default=50)


class NotificationSerializer(serializers.ModelSerializer):
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = [
            "id",
            "trigger",
            "title",
            "body",
            "link",
            "subject_type",
            "subject_id",
            "created_at",
            "read",
            "read_at",
        ]
        read_only_fields = fields

    def get_read(self, obj) -> bool:
        return obj.read_at is not None


# The inbox is one object holding the list, not a list: the schema must not wrap it in an array.
@extend_schema_serializer(many=False)
class InboxSerializer(serializers.Serializer):
    unread_count = serializers.IntegerField()
    cursor = serializers.IntegerField()
    results = NotificationSerializer(many=True)


class MarkAllReadInput(StrictInput):
    up_to = serializers.IntegerField(
        required=False, min_value=1, help_text=_("Mark read only up to this id.")
    )


class MarkAllReadAnswer(serializers.Serializer):
    marked = serializers.IntegerField()
    unread_count = serializers.IntegerField()
