"""Checks of input that every service makes itself, whoever calls it (API, admin, shell)."""

from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from config.errors import InvalidInput


def required_text(field: str, value: str | None) -> str:
    """`value` without surrounding blanks; a 400 on `field` when nothing is left."""
    value = (value or "").strip()
    if not value:
        raise InvalidInput(field, _("This field is required."))
    return value


def check_choice(field: str, value: Any, choices: type[models.Choices]) -> None:
    """Refuse (400 on `field`) a value outside `choices`: the API's serializers check it, but
    the admin, the shell and other callers reach the services too, and the database would
    store any text."""
    if value not in choices.values:
        raise InvalidInput(
            field,
            _("“%(value)s” is not a valid choice. Choose one of: %(choices)s.")
            % {"value": value, "choices": ", ".join(choices.values)},
        )
