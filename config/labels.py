"""Labels beside codes in the API's answers (`status` → `status_label`), in the request's language.

A phone shows the label and keeps the code for its logic. Each language's table is built the
first time it is asked for and kept, so that a label costs one dictionary look-up per field:
the lists answer dozens of rows with half a dozen labels each.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import get_language
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


class Labels:
    """The labels of a set of codes, by language: `labels("assigned")` → "已派遣"."""

    def __init__(self, choices: Iterable[tuple[str, Any]] | Mapping[str, Any]):
        self._choices = list(choices.items() if isinstance(choices, Mapping) else choices)
        self._by_language: dict[str | None, dict[str, str]] = {}

    def table(self) -> dict[str, str]:
        language = get_language()
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
