from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from jobs.models import Job


class JobInput(serializers.Serializer):
    kind = serializers.CharField(max_length=40, help_text=_("reports.resolution or reports.mediation"))
    params = serializers.DictField(
        required=False, default=dict, help_text=_("The report's query parameters.")
    )


class JobSerializer(serializers.ModelSerializer):
    download = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "params",
            "state",
            "percent",
            "download",
            "file_name",
            "error",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_download(self, job) -> str | None:
        if job.state != Job.State.DONE:
            return None
        url = reverse("v1:job-download", args=[job.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url
