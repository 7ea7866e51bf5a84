"""Lean model serializers answer exactly what DRF's would, field by field."""

import pytest
from django.urls import reverse
from rest_framework import serializers

from cases.filters import CaseFilter
from cases.models import Case
from config.filters import FilterBackend
from config.serializers import LeanModelSerializer


class PlainCaseSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True)
    major = serializers.IntegerField(source="category.major_id", read_only=True)
    assignee_name = serializers.CharField(source="assignee_worker.name", read_only=True, default=None)
    title_length = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "status",
            "status_label",
            "category",
            "category_name",
            "major",
            "grid",
            "micro_grid",
            "assignee_worker",
            "assignee_name",
            "reported_at",
            "due_at",
            "closed_at",
            "on_the_spot",
            "title_length",
        ]

    def get_title_length(self, case) -> int:
        return len(case.title)


class LeanCaseSerializer(LeanModelSerializer, PlainCaseSerializer):
    class Meta(PlainCaseSerializer.Meta):
        pass


@pytest.mark.parametrize("status", ["reported", "in_progress", "closed"])
def test_a_lean_serializer_answers_what_drf_answers(make_case, status):
    make_case(status)
    cases = list(Case.objects.select_related("category", "assignee_worker"))
    lean = LeanCaseSerializer(cases, many=True).data
    assert lean == PlainCaseSerializer(cases, many=True).data
    # A label from the model's choices, a missing related row given as its default.
    assert lean[0]["status_label"] == Case(status=status).get_status_display()
    assert (lean[0]["assignee_name"] is None) == (status == "reported")


def test_a_lean_serializer_reads_a_row_left_partly_unread_like_django(make_case, django_assert_num_queries):
    make_case()
    case = Case.objects.select_related("category").defer("closed_at").get()
    with django_assert_num_queries(1):  # the deferred column, read when first used, as Django does
        data = LeanCaseSerializer(case).data
    assert data == PlainCaseSerializer(Case.objects.select_related("category").get()).data


def test_the_case_list_builds_no_filter_set_unless_a_filter_is_named(world, api, make_case, monkeypatch):
    make_case()
    built = []
    original = CaseFilter.__init__

    def counting(self, *args, **kwargs):
        built.append(1)
        original(self, *args, **kwargs)

    monkeypatch.setattr(CaseFilter, "__init__", counting)
    monkeypatch.setattr(FilterBackend, "_parameters", {})
    client = api(world.admin_a)
    client.get(reverse("v1:case-list"), {"page_size": 5, "ordering": "-due_at"})
    client.get(reverse("v1:case-list"), {"cursor": ""})
    assert built == [1]  # once, to learn the parameters it reads
    assert client.get(reverse("v1:case-list"), {"reported_after": "2000-01-01"}).json()["count"] == 1
    assert client.get(reverse("v1:case-list"), {"status": "closed"}).json()["count"] == 0
    assert client.get(reverse("v1:case-list"), {"status": "lost"}).status_code == 400


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC"])
def test_the_case_list_renders_instances_and_rows_as_drf_does(make_case, language, zone, settings):
    from django.utils import timezone, translation

    from cases.serializers import CaseListSerializer

    make_case("closed")
    make_case("reported")
    cases = list(Case.objects.for_list())
    rows = list(CaseListSerializer.rows(Case.objects.for_list()))
    assert CaseListSerializer.row_columns() is not None  # the list is read as rows
    with translation.override(language), timezone.override(zone):
        lean = CaseListSerializer(cases, many=True).data
        from_rows = CaseListSerializer(rows, many=True).data
        drf = [serializers.Serializer.to_representation(CaseListSerializer(case), case) for case in cases]
        closed_label = str(Case(status="closed").get_status_display())
    assert [dict(row) for row in lean] == [dict(row) for row in drf]
    assert [dict(row) for row in from_rows] == [dict(row) for row in drf]
    closed = next(row for row in lean if row["status"] == "closed")
    assert closed["status_label"] == closed_label
    assert (closed_label == "closed") == (language == "en")
    assert closed["closed_at"].endswith("Z" if zone == "UTC" else "+08:00")


def test_a_serializer_with_a_field_only_an_instance_answers_reads_instances(make_case):
    class WithModelMethod(LeanModelSerializer):
        status_label = serializers.CharField(source="get_status_display", read_only=True)

        class Meta:
            model = Case
            fields = ["id", "status_label"]

    class WithRelatedObject(LeanModelSerializer):
        category = serializers.CharField(read_only=True)  # the category's str(), an object

        class Meta:
            model = Case
            fields = ["id", "category"]

    class WithPersonalData(LeanModelSerializer):
        from grids.fields import PersonalDataField
        from grids.privacy import mask_name

        contact_name = PersonalDataField(mask=mask_name, read_only=True)  # masked on reading

        class Meta:
            model = Case
            fields = ["id", "contact_name"]

    make_case()
    for serializer in (WithModelMethod, WithRelatedObject, WithPersonalData):
        assert serializer.row_columns() is None
        assert isinstance(serializer.rows(Case.objects.all()).first(), Case)
