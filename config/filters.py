"""Filter parts shared by every app's list filters."""

import re
from datetime import date

import django_filters as filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as rest_filters
from django_filters.fields import DateRangeField, MultipleChoiceField
from drf_spectacular.utils import extend_schema_field


class StrictBooleanField(forms.Field):
    """true/false (or 1/0): anything else is a 400 instead of being ignored."""

    def to_python(self, value):
        if value in (None, ""):
            return None
        text = str(value).strip().lower()
        if text in {"true", "1"}:
            return True
        if text in {"false", "0"}:
            return False
        raise ValidationError(_("Use true or false."), code="invalid")


class StrictBooleanFilter(filters.BooleanFilter):
    field_class = StrictBooleanField


class FilterSet(rest_filters.FilterSet):
    """The base of the filters a view declares by `filterset_fields`: booleans are strict."""

    FILTER_DEFAULTS = {
        **rest_filters.FilterSet.FILTER_DEFAULTS,
        models.BooleanField: {"filter_class": StrictBooleanFilter},
    }


class FilterBackend(rest_filters.DjangoFilterBackend):
    """django-filter's backend, building `filterset_fields` on `FilterSet` above.

    It builds no filter set for a request naming none of its parameters: the plain page of a
    list, a phone's most frequent request, would otherwise build and validate a form of every
    filter only to filter nothing.
    """

    filterset_base = FilterSet
    _parameters: dict[type, frozenset[str]] = {}

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None and not self._parameters_of(
            view, filterset_class, queryset
        ).intersection(request.query_params):
            return queryset
        return super().filter_queryset(request, queryset, view)

    def _parameters_of(self, view, filterset_class, queryset) -> frozenset[str]:
        """The query parameters the filter set reads: each filter's name, and the names a
        filter of several inputs adds to it (`reported_after`, `reported_before`). Kept by
        the view's class: a filter set built from `filterset_fields` is a new class each time."""
        key = getattr(view, "filterset_class", None) or type(view)
        known = self._parameters.get(key)
        if known is None:
            names = set()
            for name, filter_ in filterset_class(queryset=queryset.none()).filters.items():
                names.add(name)
                widget = filter_.field.widget
                if hasattr(widget, "suffixed"):  # django-filter's: reported_after, reported_before
                    names.update(widget.suffixed(name, suffix) for suffix in widget.suffixes)
                elif isinstance(widget, forms.MultiWidget):
                    names.update(name + suffix for suffix in widget.widgets_names)
            known = self._parameters[key] = frozenset(names)
        return known


class IdField(forms.Field):
    """A row id: a positive whole number in ASCII digits that fits a bigint, else a 400.

    django-filter's NumberFilter reads a decimal, so `?street=1.5` matched street 1 and a
    20-digit id overflowed the database's integer.
    """

    def to_python(self, value):
        if value in (None, ""):
            return None
        text = str(value)
        if not re.fullmatch(r"[0-9]{1,18}", text) or not int(text):
            raise ValidationError(_("Enter the id of a record: a positive whole number."), code="invalid")
        return int(text)


@extend_schema_field({"type": "integer", "minimum": 1})
class IdFilter(filters.Filter):
    """Filters on the id of a related record.

    Every list's queryset is limited to the caller's scope, so an id outside it matches
    nothing, exactly as an id that does not exist: no filter tells the two apart.
    (`tests/config/test_id_filters.py` checks every id filter of every list.)
    """

    field_class = IdField


# The caller, in place of an id: `?assignee_worker=me`, `?reporter=me`.
ME = "me"


class IdOrMeField(IdField):
    def to_python(self, value):
        if isinstance(value, str) and value.strip().lower() == ME:
            return ME
        return super().to_python(value)


@extend_schema_field({"oneOf": [{"type": "integer", "minimum": 1}, {"type": "string", "enum": [ME]}]})
class IdOrMeFilter(IdFilter):
    """An id filter that also takes `me`: the caller's own record, found through `me_field`
    (a lookup to the user's id), so that a phone need not first read its own ids."""

    field_class = IdOrMeField

    def __init__(self, *args, me_field: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.me_field = me_field

    def filter(self, qs, value):
        if value == ME:
            user = getattr(getattr(self.parent, "request", None), "user", None)
            if user is None or not user.is_authenticated:
                return qs.none()
            return self.get_method(qs)(**{self.me_field: user.pk})
        return super().filter(qs, value)


class CommaSeparatedChoiceField(MultipleChoiceField):
    """Several values repeated (`?status=a&status=b`), comma-separated (`?status=a,b`) or both."""

    def clean(self, value):
        if value:
            value = [part.strip() for item in value for part in str(item).split(",") if part.strip()]
        return super().clean(value)


class MultipleChoicesFilter(filters.MultipleChoiceFilter):
    """A choice filter matching any of several values, repeated or comma-separated."""

    field_class = CommaSeparatedChoiceField


# --- dates: a period of the service's own time ---------------------------------------------------

# Dates a period may start or end on. Outside them, turning a day into a local time range
# overflows (9999-12-31 has no next day, 0001-01-01 no UTC start): nothing was ever recorded
# there, and the answer is a 400 on the parameter rather than a 500.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2099, 12, 31)


@deconstructible
class PeriodDayValidator:
    def __call__(self, value):
        if not FIRST_DAY <= value <= LAST_DAY:
            raise ValidationError(
                _("Choose a day between %(first)s and %(last)s.")
                % {"first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()},
                code="out_of_range",
            )

    def __eq__(self, other):
        return isinstance(other, PeriodDayValidator)


class PeriodDateRangeField(DateRangeField):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields:
            field.validators.append(PeriodDayValidator())


class PeriodFilter(filters.DateFromToRangeFilter):
    """`<name>_after` / `<name>_before` as local days within FIRST_DAY and LAST_DAY."""

    field_class = PeriodDateRangeField
