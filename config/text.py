"""What the API accepts as text: no NUL character and no unpaired surrogate, anywhere.

PostgreSQL refuses a NUL in any text or JSON value, and a string holding half of a UTF-16
surrogate pair cannot be encoded as UTF-8, so an answer that echoes it fails as well. Both are
refused at the edge (bodies, query parameters, headers), with a 400 naming the field, before
anything reads them.
"""

import re

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

NON_FIELD = "non_field_errors"
# The deepest body the API takes is a batch of cases (`items` → item → case → value): far
# below this. Anything deeper is a mistake or an attack.
MAX_DEPTH = 32
BAD_TEXT_MESSAGE = _("Text may not contain NUL characters or unpaired surrogates.")
_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")


def is_bad_text(value: str) -> bool:
    return _BAD_TEXT.search(value) is not None


def bad_text_fields(data, *, max_depth: int) -> tuple[list[str], bool]:
    """The top-level fields of a parsed body whose keys or strings are bad text, and whether
    the body is nested deeper than `max_depth`.

    A bad value below a top-level key is reported on that key; a bad top-level key, or a bad
    value in a body that is not an object, on `non_field_errors`. Iterative, so that no
    nesting can exhaust the stack.
    """
    fields: set[str] = set()
    if isinstance(data, dict):
        stack = []
        for key, value in data.items():
            if is_bad_text(key):
                fields.add(NON_FIELD)
            stack.append((value, 2, NON_FIELD if is_bad_text(key) else key))
    else:
        stack = [(data, 1, NON_FIELD)]
    while stack:
        value, depth, field = stack.pop()
        if isinstance(value, str):
            if is_bad_text(value):
                fields.add(field)
            continue
        if not isinstance(value, (dict, list)):
            continue
        if depth > max_depth:
            return sorted(fields), True
        if isinstance(value, dict):
            for key, item in value.items():
                if is_bad_text(key):
                    fields.add(field)
                stack.append((item, depth + 1, field))
        else:
            stack.extend((item, depth + 1, field) for item in value)
    return sorted(fields), False


class StrictCharField(serializers.CharField):
    """Text, and only text: DRF's CharField takes a JSON number as its digits, so that
    `{"reason": 0}` was stored as the reason "0". A number where text is asked is a 400."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)
