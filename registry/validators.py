"""Check characters of the codes base data carries: ID numbers (GB 11643) and credit codes (GB 32100)."""

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from grids.geo.boundaries import tolerance_m
from grids.privacy import validate_id_number
from grids.selectors import distance_from_grid_m

# GB 32100-2015: 18 characters from 31 (digits and capitals without I, O, S, V, Z); the last is
# the check character, 31 − (Σ value × weight mod 31), 31 written as 0.
CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_CODE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def credit_code_check_character(first17: str) -> str:
    total = sum(CREDIT_CODE_CHARSET.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    """A unified social credit code (统一社会信用代码, GB 32100): shape, then check character."""
    value = (value or "").strip().upper()
    if not _CREDIT_CODE.match(value):
        raise ValidationError(
            _("A unified social credit code has 18 digits or capital letters (no I, O, S, V or Z)."),
            code="credit_code_shape",
        )
    if credit_code_check_character(value[:17]) != value[17]:
        raise ValidationError(
            _("The check character of this unified social credit code is wrong."), code="credit_code_check"
        )


def birth_date_of_id_number(value: str) -> date:
    """The birth date an ID number (GB 11643) carries in its 7th to 14th digits."""
    validate_id_number(value)
    value = value.strip().upper()
    return date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


_PASSPORT = re.compile(r"^[A-Z0-9]{5,20}$")


def validate_other_document(value: str) -> None:
    """A passport or another document: 5 to 20 letters or digits, without blanks."""
    if not _PASSPORT.match((value or "").strip().upper()):
        raise ValidationError(
            _("Enter the document number: 5 to 20 letters or digits."), code="document_shape"
        )


def check_point_in_grid(obj) -> None:
    """A building's or facility's point lies inside its grid, when the grid has a boundary.

    The boundaries' own tolerance applies (`BOUNDARY_TOLERANCE_M`), so a point taken at the kerb
    of the grid's edge street is still in. A grid without a boundary checks nothing.
    """
    if obj.latitude is None or obj.longitude is None or not obj.grid_id:
        return
    try:
        lng, lat = float(obj.longitude), float(obj.latitude)
    except (TypeError, ValueError):
        return  # the field's own check names it
    distance = distance_from_grid_m(obj.grid_id, lng, lat)
    if distance is not None and distance > tolerance_m():
        raise ValidationError(
            {
                "latitude": _("The point lies %(distance).0f m outside the boundary of grid %(grid)s.")
                % {"distance": distance, "grid": obj.grid.name}
            }
        )
