"""What a case knows of the base data it is about (一次采集、多边利用), and what a resident's detail
learns of their cases.

A case may name the building, house, resident, organisation or city facility it concerns;
each must be one the caller sees, and a place must lie in the case's grid. The case's detail
then shows that place's data, masked as the registry shows it. Cases fill the registry's
resident links (`registry.selectors.register_resident_link`) from `CasesConfig.ready()`, so
that a resident's detail lists their cases without the registry importing this app.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from config.errors import InvalidInput
from grids.privacy import mask_name, mask_phone
from grids.scope import Scope
from registry.models import Building, Facility, House, Organisation, Resident

REFERENCES = ("building", "house", "resident", "organisation", "facility")


def _grid_of(name: str, obj) -> int:
    if name == "house":
        return obj.building.grid_id
    return obj.grid_id


def check_references(scope: Scope, grid_id: int, refs: dict) -> dict:
    """The references of a case, checked: in the caller's scope (400 otherwise), places in the
    case's grid, and a house's building filled in when only the house is named."""
    models = {
        "building": Building,
        "house": House,
        "resident": Resident,
        "organisation": Organisation,
        "facility": Facility,
    }
    checked = {}
    for name in REFERENCES:
        if name not in refs:
            continue
        obj = refs[name]
        if obj is not None:
            if not models[name].objects.visible_to(scope).filter(pk=obj.pk).exists():
                raise InvalidInput(name, _("Choose one in your territory."))
            if name != "resident" and _grid_of(name, obj) != grid_id:
                raise InvalidInput(name, _("It is not in the case's grid."))
        checked[name] = obj
    house = checked.get("house")
    if house is not None and checked.get("building") is None:
        checked["building"] = house.building
    elif house is not None and checked["building"].pk != house.building_id:
        raise InvalidInput("house", _("The house is not in the case's building."))
    return checked


def summary(case) -> dict:
    """The base data a case's detail shows: the place's own data, a resident's name masked."""
    out = {}
    if case.building_id:
        b = case.building
        out["building"] = {
            "id": b.pk,
            "code": b.code,
            "name": b.name,
            "address": b.address,
            "use": b.use,
            "floors": b.floors,
            "units": b.units,
            "property_managed": b.property_managed,
            "property_company": b.property_company,
            "leader_name": mask_name(b.leader_name),
            "leader_phone": mask_phone(b.leader_phone),
        }
    if case.house_id:
        h = case.house
        out["house"] = {"id": h.pk, "unit": h.unit, "floor": h.floor, "room": h.room, "use": h.use}
    if case.resident_id:
        out["resident"] = {"id": case.resident_id, "name": mask_name(case.resident.name)}
    if case.organisation_id:
        o = case.organisation
        out["organisation"] = {"id": o.pk, "name": o.name, "kind": o.kind, "credit_code": o.credit_code}
    if case.facility_id:
        f = case.facility
        out["facility"] = {
            "id": f.pk,
            "code": f.code,
            "type": f.type.name,
            "state": f.state,
            "owner_unit": f.owner_unit,
        }
    return out


def cases_of_resident(resident: Resident, scope: Scope) -> list[dict]:
    """The resident's cases the caller sees, newest first."""
    from cases.models import Case

    rows = (
        Case.objects.visible_to(scope)
        .filter(resident=resident)
        .order_by("-reported_at", "-pk")
        .values("id", "number", "title", "kind", "status", "reported_at")[:50]
    )
    return list(rows)
