"""Labels beside codes in the API's answers (`status` → `status_label`), in the request's language.

A phone shows the label and keeps the code for its logic. Each language's table is built the
first time it is asked for and kept, so that a label costs one dictionary look-up per field:
the lists answer dozens of rows with half a dozen labels each. A serializer with
`LabelledSerializerMixin` renders its label fields itself, after the others, without DRF's
machinery of a field (measured: `manage.py bench_case_labels`).
"""

from collections.abc import Iterable, Mapping
from functools import cached_property
from typing import Any

from django.utils.translation import get_language
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


class Labels:
    """The labels of a set of codes, by language: `labels("assigned")` → "已派遣"."""

    def __init__(self, choices: Iterable[tuple[str, Any]] | Mapping[str, Any]):
        self._choices = list(choices.items() if isinstance(choices, Mapping) else choices)
        self._by_language: dict[str | None, dict[str, str]] = {}

    def table(self, language: str | None = None) -> dict[str, str]:
        language = language or get_language()
        table = self._by_language.get(language)
        if table is None:
            table = {str(code): str(label) for code, label in self._choices}
            self._by_language[language] = table
        return table

    def __call__(self, code) -> str:
        if code is None or code == "":
            return ""
        return self.table().get(code, code)


@extend_schema_field({"type": "string", "description": "The code's label in the request's language."})
class LabelField(serializers.Field):
    """The label of the coded field named by `source`, read-only."""

    def __init__(self, choices, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)
        self.labels = choices if isinstance(choices, Labels) else Labels(choices)

    def to_representation(self, value) -> str:
        return self.labels(value)


class LabelledSerializerMixin:
    """Renders the serializer's `LabelField`s in one pass per row: the language is read once,
    and each label is one attribute walk and one dictionary look-up. They come after the
    other fields, in the order declared."""

    @cached_property
    def _label_fields(self) -> list[tuple[str, list[str], Labels]]:
        return [
            (name, field.source_attrs, field.labels)
            for name, field in self.fields.items()
            if isinstance(field, LabelField)
        ]

    @property
    def _readable_fields(self):
        for field in super()._readable_fields:
            if not isinstance(field, LabelField):
                yield field

    def to_representation(self, instance):
        data = super().to_representation(instance)
        language = get_language()
        for name, attrs, labels in self._label_fields:
            value = instance
            for attr in attrs:
                value = value.get(attr) if isinstance(value, Mapping) else getattr(value, attr, None)
            data[name] = None if value is None else labels.table(language).get(value, value)
        return data
