"""Residents' personal data: masking, ID-number validation and keeping it out of logs.

Names, phone numbers and ID numbers of residents are shown masked everywhere by default.
The full value is given only by an explicit reveal call (see `grids.reveal`), which writes
an audit row.
"""

import logging
import re
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MASK = "*"


def mask_name(value: str) -> str:
    """Keep the first character (usually the surname): 张三丰 → 张**."""
    value = (value or "").strip()
    if len(value) <= 1:
        return MASK * len(value)
    return value[0] + MASK * (len(value) - 1)


def mask_keep_ends(value: str, head: int = 3, tail: int = 4) -> str:
    """Keep `head` leading and `tail` trailing characters: 13812345678 → 138****5678."""
    value = (value or "").strip()
    if len(value) <= head + tail:
        return MASK * len(value)
    return value[:head] + MASK * (len(value) - head - tail) + value[-tail:]


def mask_phone(value: str) -> str:
    return mask_keep_ends(value, 3, 4)


def mask_id_number(value: str) -> str:
    return mask_keep_ends(value, 3, 4)


# GB 11643-1999: 17 digits, then a check character from ISO 7064 MOD 11-2.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_PATTERN = re.compile(r"^[0-9]{17}[0-9X]$")


def id_number_check_character(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def validate_id_number(value: str) -> None:
    """Validate a resident identity card number (GB 11643): shape, birth date, check digit."""
    value = (value or "").strip().upper()
    if not _ID_PATTERN.match(value):
        raise ValidationError(_("An ID number has 17 digits followed by a digit or X."), code="id_shape")
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValidationError(
            _("The birth date in this ID number does not exist."), code="id_birth_date"
        ) from None
    if born.year < 1900 or born > date.today():
        raise ValidationError(_("The birth date in this ID number does not exist."), code="id_birth_date")
    if id_number_check_character(value[:17]) != value[17]:
        raise ValidationError(_("The check digit of this ID number is wrong."), code="id_check_digit")


_PHONE_PATTERN = re.compile(r"^(?:1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$")


def validate_phone(value: str) -> None:
    """A mainland mobile number (11 digits) or a landline with its area code."""
    if value and not _PHONE_PATTERN.match(value.strip()):
        raise ValidationError(_("Enter a mobile number of 11 digits or a landline with its area code."))


# Logs never carry personal data: whatever a message says, these patterns are masked the
# way reads show them (ID numbers and phones keep their first 3 and last 4 characters).
# Landlines (area code 0xx or 0xxx, then 7 or 8 digits, with or without a dash) come last,
# once ID numbers and mobiles are masked.
_LOG_SCRUBBERS = (
    (re.compile(r"(?<!\d)(\d{3})\d{11}(\d{3}[\dXx])(?!\d)"), r"\1***********\2"),
    (re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)"), r"\1****\2"),
    (
        re.compile(r"(?<![\d-])(0\d{2})(\d?-?\d{3,4})(\d{4})(?![\d-])"),
        lambda match: match[1] + MASK * len(match[2]) + match[3],
    ),
)


def scrub(text: str) -> str:
    for pattern, replacement in _LOG_SCRUBBERS:
        text = pattern.sub(replacement, text)
    return text


_PERCENT_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
_HELD = "\x00"


def scrub_url(text: str) -> str:
    """`scrub` for text from a URL, where a number may follow an escape (`%2013812345678`).

    An escape's hex digits would otherwise touch the number and hide it from the patterns,
    which look for numbers standing alone; the escapes are set aside while they look.
    """
    escapes = _PERCENT_ESCAPE.findall(text)
    if not escapes:
        return scrub(text)
    held = scrub(_PERCENT_ESCAPE.sub(_HELD, text.replace(_HELD, "")))
    restored = iter(escapes)
    return re.sub(_HELD, lambda _match: next(restored), held)


class PersonalDataLogFilter(logging.Filter):
    """Mask ID numbers and mobile numbers in every log record, whatever wrote it.

    The message, the traceback (formatted here once, as a formatter would, and cached on
    the record where every formatter finds it) and the stack are all scrubbed, so that a
    handler with a formatter of its own writes them masked too.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        self._scrub_message(record)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        return True

    @staticmethod
    def _scrub_message(record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is the writer's bug, not ours to hide
            return
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None


class PersonalDataFormatter(logging.Formatter):
    """Scrubs the whole formatted line: message, traceback, stack and any extra field."""

    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))
