"""Filter parts shared by every app's list filters."""

from datetime import date

import django_filters as filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _
from django_filters.fields import DateRangeField


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
