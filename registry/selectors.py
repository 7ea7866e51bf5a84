"""Reads of base data that are more than a model's `visible_to`: search, counts, a resident's links.

A resident's detail lists what the higher apps know of them (their cases, their mediations):
those apps register a `ResidentLink` from their `AppConfig.ready()` (`register_resident_link`),
each answering within the caller's scope, so that this app never imports them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from config.errors import InvalidInput
from grids.encryption import blind_index, normalise_document, normalise_phone
from grids.privacy import validate_id_number, validate_phone
from grids.scope import Scope
from registry.models import KeyPerson, Resident
from registry.querysets import today
from registry.validators import validate_other_document

# --- what the higher apps know of a resident ---------------------------------------------------


@dataclass(frozen=True)
class ResidentLink:
    """`rows(resident, scope)` → short dicts of the records of one kind that concern the resident."""

    name: str
    rows: Callable[[Resident, Scope], list[dict]]


_links: dict[str, ResidentLink] = {}


def register_resident_link(link: ResidentLink) -> None:
    _links[link.name] = link


def resident_links(resident: Resident, scope: Scope) -> dict[str, list[dict]]:
    """Each registered kind's records of the resident, as the caller's scope shows them."""
    return {name: link.rows(resident, scope) for name, link in sorted(_links.items())}


# --- searching residents -------------------------------------------------------------------------


def _whole_document(value: str, document_type: str | None) -> str:
    """An ID number or document number given whole; a part of one is refused (400), never matched.

    Without `document_type`, a number of digits is read as a resident ID number (GB 11643) and
    must be all 18 characters of one; a passport's is searched with `document_type=passport`.
    """
    value = normalise_document(value)
    try:
        if document_type in (None, "", Resident.Document.ID_CARD) and value.rstrip("X").isdigit():
            validate_id_number(value)
        else:
            validate_other_document(value)
    except ValidationError as error:
        raise InvalidInput(
            "id_number", _("Give the whole number: %(why)s") % {"why": " ".join(error.messages)}
        ) from None
    return value


def _whole_phone(value: str) -> str:
    value = normalise_phone(value)
    try:
        validate_phone(value)
        if not value:
            raise ValidationError(_("Give the whole phone number."))
    except ValidationError as error:
        raise InvalidInput("phone", " ".join(error.messages)) from None
    return value


def residents_search(
    queryset: QuerySet,
    *,
    id_number: str | None = None,
    phone: str | None = None,
    name: str | None = None,
    house: int | None = None,
    building: int | None = None,
    document_type: str | None = None,
) -> QuerySet:
    """Residents by exact ID number or phone (their blind index), or by name within a house or a
    building. A partial number matches nothing by design: it is refused."""
    if id_number is not None:
        queryset = queryset.filter(
            id_number_index=blind_index(_whole_document(id_number, document_type), kind="document")
        )
    if phone is not None:
        queryset = queryset.filter(phone_index=blind_index(_whole_phone(phone), kind="phone"))
    if name is not None:
        if house is None and building is None:
            raise InvalidInput(
                "name", _("Search by name within a house or a building: give `house` or `building`.")
            )
        name = name.strip()
        if not name:
            raise InvalidInput("name", _("This field may not be blank."))
        queryset = queryset.filter(name__contains=name)
    return queryset


# --- key persons: what those who see only counts are told ----------------------------------------


def key_person_counts(scope: Scope, *, group_by: str = "grid") -> list[dict]:
    """Active key persons and overdue ones per grid (or community, street), for anyone who may
    count them. No category, risk level or person: a count says how much work, not who."""
    field = {"grid": "grid", "community": "grid__community", "street": "grid__community__street"}[group_by]
    rows = (
        KeyPerson.objects.countable_by(scope)
        .active()
        .values(f"{field}_id", f"{field}__name")
        .annotate(active=Count("pk"), overdue=Count("pk", filter=Q(next_visit_due__lt=today())))
        .order_by(f"{field}__code")
    )
    return [
        {
            "key": {"id": row[f"{field}_id"], "name": row[f"{field}__name"]},
            "active": row["active"],
            "overdue": row["overdue"],
        }
        for row in rows
    ]
