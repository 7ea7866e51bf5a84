"""Background jobs: start one, follow its progress, download its file. Each user sees their own."""

from django.http import FileResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from config.schema import ERRORS
from jobs import services
from jobs.serializers import JobInput, JobSerializer

# A job's id is a UUID: anything else matches no URL and is the API's 404, as an unknown job is.
JOB_ID = OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH)


class JobViewSet(viewsets.ViewSet):
    lookup_value_regex = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"

    @extend_schema(
        summary=_("Start a background job"),
        request={"application/json": JobInput, "multipart/form-data": JobInput},
        responses={202: JobSerializer},
    )
    def create(self, request):
        body = JobInput(data=request.data)
        body.is_valid(raise_exception=True)
        job = services.job_start(
            user=request.user,
            kind=body.validated_data["kind"],
            params=body.validated_data["params"],
            upload=body.validated_data.get("file"),
        )
        job.refresh_from_db()  # single-machine mode ran it already
        answer = JobSerializer(job, context={"request": request}).data
        return Response(
            answer,
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": request.build_absolute_uri(reverse("v1:job-detail", args=[job.pk]))},
        )

    @extend_schema(summary=_("Follow a background job"), responses=JobSerializer, parameters=[JOB_ID])
    def retrieve(self, request, pk=None):
        job = services.job_of_user(user=request.user, job_id=pk)
        return Response(JobSerializer(job, context={"request": request}).data)

    @extend_schema(
        summary=_("Download a finished job's file"),
        responses={
            (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY),
            409: OpenApiResponse(ERRORS["409"].response, description=_("The job has no file yet.")),
        },
        parameters=[JOB_ID],
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        job = services.job_file(user=request.user, job_id=pk)
        response = FileResponse(
            job.file.open("rb"), as_attachment=True, filename=job.file_name, content_type=job.content_type
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response
