import json

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from config.serializers import StrictInput
from jobs.models import Job
from jobs.services import job_percent


class ParamsField(serializers.DictField):
    """An object; in a multipart upload, the same object written as JSON text."""

    def get_value(self, dictionary):
        # DictField reads a form's `params.<key>` entries; an upload sends `params` as one text.
        if hasattr(dictionary, "getlist") and self.field_name in dictionary:
            return dictionary.get(self.field_name)
        return super().get_value(dictionary)

    def to_internal_value(self, data):
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError:
                self.fail("not_a_dict", input_type="text")
        return super().to_internal_value(data)


class JobInput(StrictInput):
    kind = serializers.CharField(
        max_length=40, help_text=_("reports.resolution, reports.mediation or registry.import")
    )
    params = ParamsField(
        required=False,
        default=dict,
        help_text=_("The report's query parameters, or the import's kind and options."),
    )
    file = serializers.FileField(
        required=False, help_text=_("The CSV or XLSX file of an import (multipart/form-data).")
    )


class JobSerializer(serializers.ModelSerializer):
    download = serializers.SerializerMethodField()
    percent = serializers.SerializerMethodField()

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
            "source_name",
            "result",
            "error",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_percent(self, job) -> int:
        return job_percent(job)

    def get_download(self, job) -> str | None:
        if job.state != Job.State.DONE:
            return None
        url = reverse("v1:job-download", args=[job.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url
