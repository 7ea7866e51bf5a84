"""Every write to base data: the API, the admin, the import and the seed's checks call these.

Each takes the caller's scope and writes only within it: the grid (or the building, house)
named must be one the caller sees, else the write is refused with 400 on that field, as an
id outside the territory is in every other request body. Model validation (`full_clean`)
runs on every write, so the check characters and the lease, floor and document rules hold
whoever calls. Nothing is deleted: a resident moves out, and their residence history stays.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from config.errors import InvalidInput, RoleNotAllowed
from core.access import ACCESS
from core.locking import lock_one
from grids.encryption import blind_index
from grids.models import Grid
from grids.scope import Scope
from registry.models import Building, Facility, House, Organisation, Residence, Resident
from registry.querysets import today


def check_may_collect(scope: Scope) -> None:
    if not ACCESS.role_may("registry", "collect", scope.role):
        raise RoleNotAllowed(_("Your role may not record base data."))


def check_may_import(scope: Scope) -> None:
    if not ACCESS.role_may("registry", "import", scope.role):
        raise RoleNotAllowed(_("Your role may not import base data."))


def _in_scope(scope: Scope, field: str, obj: models.Model | None) -> None:
    """Refuse (400 on `field`) a related object the caller does not see."""
    if obj is None:
        return
    if not type(obj)._default_manager.visible_to(scope).filter(pk=obj.pk).exists():
        raise InvalidInput(field, _("Choose one in your territory."))


def _save(obj: models.Model, *, update_fields: list[str] | None = None) -> models.Model:
    obj.full_clean()
    obj.save(update_fields=update_fields)
    return obj


def _apply(obj: models.Model, data: dict[str, Any], *, allowed: frozenset[str]) -> list[str]:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise InvalidInput(unknown[0], _("This field cannot be changed here."))
    for name, value in data.items():
        setattr(obj, name, value)
    return sorted(data)


# --- buildings and houses ---------------------------------------------------------------------

BUILDING_FIELDS = frozenset(
    {
        "micro_grid",
        "code",
        "name",
        "address",
        "latitude",
        "longitude",
        "floors",
        "units",
        "use",
        "property_managed",
        "property_company",
        "leader_name",
        "leader_phone",
    }
)


@transaction.atomic
def building_create(*, scope: Scope, grid: Grid, **data) -> Building:
    check_may_collect(scope)
    _in_scope(scope, "grid", grid)
    building = Building(grid=grid, community_id=grid.community_id)
    _apply(building, data, allowed=BUILDING_FIELDS)
    return _save(building)


@transaction.atomic
def building_update(*, scope: Scope, building_id: int, data: dict[str, Any]) -> Building:
    check_may_collect(scope)
    building = lock_one(Building.objects.visible_to(scope), pk=building_id)
    fields = _apply(building, data, allowed=BUILDING_FIELDS)
    return _save(building, update_fields=fields)


HOUSE_FIELDS = frozenset(
    {"unit", "floor", "room", "use", "area", "landlord_name", "landlord_phone", "lease_start", "lease_end"}
)


@transaction.atomic
def house_create(*, scope: Scope, building: Building, **data) -> House:
    check_may_collect(scope)
    _in_scope(scope, "building", building)
    house = House(building=building)
    _apply(house, data, allowed=HOUSE_FIELDS)
    return _save(house)


@transaction.atomic
def house_update(*, scope: Scope, house_id: int, data: dict[str, Any]) -> House:
    check_may_collect(scope)
    house = lock_one(House.objects.visible_to(scope).select_related("building"), pk=house_id)
    fields = _apply(house, data, allowed=HOUSE_FIELDS)
    if house.use != House.Use.RENTED:
        # A house no longer let keeps no landlord or lease.
        house.landlord_name, house.landlord_phone, house.lease_start, house.lease_end = "", "", None, None
        fields = sorted({*fields, "landlord_name", "landlord_phone", "lease_start", "lease_end"})
    return _save(house, update_fields=fields)


# --- residents ----------------------------------------------------------------------------------

RESIDENT_FIELDS = frozenset(
    {
        "name",
        "gender",
        "document_type",
        "id_number",
        "nationality",
        "birth_date",
        "phone",
        "ethnicity",
        "residence_type",
        "relation_to_head",
    }
)


@transaction.atomic
def resident_create(
    *, scope: Scope, actor, house: House, moved_in_on: date | None = None, tags=(), **data
) -> Resident:
    """Register a resident living in `house` from `moved_in_on` (today by default)."""
    check_may_collect(scope)
    _in_scope(scope, "house", house)
    resident = Resident(house=house, grid_id=house.building.grid_id)
    _apply(resident, data, allowed=RESIDENT_FIELDS)
    _check_document_free(resident)
    resident.full_clean()
    _save_once(resident)
    resident.tags.set(tags)
    _open_residence(resident, house, moved_in_on or today(), actor)
    return resident


def _check_document_free(resident: Resident) -> None:
    """One record per person: an ID number already registered is a 400, found by its blind index."""
    resident.id_number_index = blind_index(resident.id_number or "", kind="document")
    taken = Resident.objects.filter(
        document_type=resident.document_type, id_number_index=resident.id_number_index
    ).exclude(pk=resident.pk)
    if taken.exists():
        raise InvalidInput("id_number", _("A resident with this document number is already registered."))


def _save_once(resident: Resident, **save) -> None:
    # Two clerks registering one person at once: the constraint refuses the second.
    try:
        with transaction.atomic():
            resident.save(**save)
    except IntegrityError:
        raise InvalidInput(
            "id_number", _("A resident with this document number is already registered.")
        ) from None


def _open_residence(resident: Resident, house: House, moved_in_on: date, actor) -> Residence:
    residence = Residence(
        resident=resident,
        house=house,
        relation_to_head=resident.relation_to_head,
        moved_in_on=moved_in_on,
        recorded_by=actor,
    )
    residence.full_clean()
    residence.save()
    return residence


@transaction.atomic
def resident_update(*, scope: Scope, resident_id: int, data: dict[str, Any]) -> Resident:
    check_may_collect(scope)
    resident = lock_one(Resident.objects.visible_to(scope), pk=resident_id)
    tags = data.pop("tags", None)
    fields = _apply(resident, data, allowed=RESIDENT_FIELDS)
    _check_document_free(resident)
    resident.full_clean()
    resident.version += 1
    _save_once(resident, update_fields=sorted({*fields, "birth_date", "version"}))
    if tags is not None:
        resident.tags.set(tags)
    return resident


@transaction.atomic
def resident_move_out(*, scope: Scope, actor, resident_id: int, moved_out_on: date | None = None) -> Resident:
    """The resident leaves their house: the stay is dated, the record stays (nothing is deleted)."""
    check_may_collect(scope)
    resident = lock_one(Resident.objects.visible_to(scope), pk=resident_id)
    if resident.moved_out:
        raise InvalidInput("moved_out_on", _("The resident has already moved out."))
    _close_residence(resident, moved_out_on or today())
    resident.house, resident.moved_out = None, True
    resident.version += 1
    resident.save(update_fields=["house", "moved_out", "version"])
    return resident


@transaction.atomic
def resident_move_in(
    *,
    scope: Scope,
    actor,
    resident_id: int,
    house: House,
    moved_in_on: date | None = None,
    relation_to_head="",
) -> Resident:
    """The resident moves into `house` (from another one, or back): the previous stay ends that day."""
    check_may_collect(scope)
    _in_scope(scope, "house", house)
    resident = lock_one(Resident.objects.visible_to(scope), pk=resident_id)
    moved_in_on = moved_in_on or today()
    if not resident.moved_out:
        if resident.house_id == house.pk:
            raise InvalidInput("house", _("The resident already lives in this house."))
        _close_residence(resident, moved_in_on)
    resident.house, resident.moved_out, resident.grid_id = house, False, house.building.grid_id
    resident.relation_to_head = relation_to_head or resident.relation_to_head
    resident.version += 1
    resident.save(update_fields=["house", "moved_out", "grid", "relation_to_head", "version"])
    _open_residence(resident, house, moved_in_on, actor)
    return resident


def _close_residence(resident: Resident, on: date) -> None:
    stay = lock_one(Residence.objects.all(), resident=resident, moved_out_on__isnull=True)
    if on < stay.moved_in_on:
        raise InvalidInput("moved_out_on", _("A stay cannot end before the day the resident moved in."))
    stay.moved_out_on = on
    stay.save(update_fields=["moved_out_on"])


# --- organisations and facilities ---------------------------------------------------------------

ORGANISATION_FIELDS = frozenset(
    {"name", "credit_code", "kind", "building", "address", "contact_name", "contact_phone"}
)


@transaction.atomic
def organisation_create(*, scope: Scope, grid: Grid, safety_tags=(), **data) -> Organisation:
    check_may_collect(scope)
    _in_scope(scope, "grid", grid)
    _in_scope(scope, "building", data.get("building"))
    organisation = Organisation(grid=grid)
    _apply(organisation, data, allowed=ORGANISATION_FIELDS)
    _save(organisation)
    organisation.safety_tags.set(safety_tags)
    return organisation


@transaction.atomic
def organisation_update(*, scope: Scope, organisation_id: int, data: dict[str, Any]) -> Organisation:
    check_may_collect(scope)
    organisation = lock_one(Organisation.objects.visible_to(scope), pk=organisation_id)
    tags = data.pop("safety_tags", None)
    _in_scope(scope, "building", data.get("building"))
    fields = _apply(organisation, data, allowed=ORGANISATION_FIELDS)
    if fields:
        _save(organisation, update_fields=fields)
    if tags is not None:
        organisation.safety_tags.set(tags)
    return organisation


FACILITY_FIELDS = frozenset({"code", "type", "address", "latitude", "longitude", "owner_unit", "state"})


@transaction.atomic
def facility_create(*, scope: Scope, grid: Grid, **data) -> Facility:
    check_may_collect(scope)
    _in_scope(scope, "grid", grid)
    facility = Facility(grid=grid)
    _apply(facility, data, allowed=FACILITY_FIELDS)
    return _save(facility)


@transaction.atomic
def facility_update(*, scope: Scope, facility_id: int, data: dict[str, Any]) -> Facility:
    check_may_collect(scope)
    facility = lock_one(Facility.objects.visible_to(scope), pk=facility_id)
    fields = _apply(facility, data, allowed=FACILITY_FIELDS)
    return _save(facility, update_fields=fields)


# --- the admin's form --------------------------------------------------------------------------


def _grid_of(obj: models.Model) -> Grid | None:
    if isinstance(obj, House):
        return obj.building.grid if obj.building_id else None
    if isinstance(obj, Resident):
        return obj.house.building.grid if obj.house_id else obj.grid
    return obj.grid if obj.grid_id else None


@transaction.atomic
def base_data_admin_save(*, scope: Scope, actor, obj: models.Model) -> models.Model:
    """Save a record the admin's form has changed: in the caller's territory, validated, and a
    new resident's first stay opened. A resident's house changes through move in and out."""
    check_may_collect(scope)
    adding = obj._state.adding
    if not adding:
        stored = lock_one(type(obj)._default_manager.visible_to(scope), pk=obj.pk)
        if isinstance(obj, Resident) and stored.house_id != obj.house_id:
            raise InvalidInput("house", _("Use move in and move out to change where a resident lives."))
    grid = _grid_of(obj)
    _in_scope(scope, "grid", grid)
    if isinstance(obj, Building):
        obj.community_id = grid.community_id
    if isinstance(obj, Resident):
        obj.grid = grid
        _check_document_free(obj)
    obj.full_clean()
    obj.save()
    if adding and isinstance(obj, Resident):
        _open_residence(obj, obj.house, today(), actor)
    return obj
