"""Writes to the territory and its people. Views and the admin call these, nothing else."""

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.errors import ActionNotAllowed, InvalidInput, RoleNotAllowed
from core.locking import lock_one
from grids.geo import boundaries
from grids.geo.index import boundaries_changed
from grids.models import (
    CoGovernanceMember,
    Community,
    Grid,
    GridWorker,
    MicroGrid,
    PersonalDataReveal,
    Street,
    UserScope,
)
from grids.permissions import may_edit_street
from grids.querysets import accounts_free_for_grid_worker
from grids.scope import Scope

TERRITORY_MODELS = (Street, Community, Grid, MicroGrid, CoGovernanceMember)

# What places a node in the territory: its code (its children's codes start with it) and
# its parent (cases, mediations and staff keep copies of their grid's parents). Both stay
# fixed while anything refers to the node, so that no code or stored copy goes stale.
PLACEMENT_FIELDS = {
    Street: ("code", "district_code"),
    Community: ("code", "street_id"),
    Grid: ("code", "community_id"),
    MicroGrid: ("code", "grid_id"),
}
# A street's district decides which district viewers see it: the district's business.
SUPERUSER_ONLY_FIELDS = {Street: ("district_code", "district_name")}


def street_id_of(obj: models.Model) -> int | None:
    """The street a territory object or a staff record belongs to."""
    if isinstance(obj, Street):
        return obj.pk
    if isinstance(obj, (Community, GridWorker)):
        return obj.street_id
    if isinstance(obj, Grid):
        return obj.community.street_id
    if isinstance(obj, MicroGrid):
        return obj.grid.community.street_id
    if isinstance(obj, CoGovernanceMember):
        return obj.community.street_id
    raise TypeError(f"{type(obj).__name__} is not part of the territory")


def _check_may_edit(scope: Scope, obj: models.Model) -> None:
    if isinstance(obj, Street) and obj.pk is None and not scope.is_superuser:
        raise RoleNotAllowed(_("Only a superuser may create a street."))
    if not may_edit_street(scope, street_id_of(obj)):
        raise RoleNotAllowed(_("You may only change the territory of your own street."))


def _save(obj: models.Model, scope: Scope) -> models.Model:
    _check_may_edit(scope, obj)
    stored = None
    if obj.pk is not None:
        # The admin hands over an object its form has already changed: compare with the row.
        stored = lock_one(type(obj)._base_manager.all(), pk=obj.pk)
        _check_may_edit(scope, stored)
        _check_placement_change(scope, stored, obj)
    reshaped = _boundary_touched(stored, obj)
    if reshaped:
        boundaries.check(obj, label_kept=stored is not None and stored.label_point == obj.label_point)
    # Uniqueness last, once everything else holds: a code is checked to lie under its
    # parent's code (`clean`) before anyone learns whether it is taken, so that another
    # street's codes cannot be probed, even with a request that fails for another reason.
    obj.full_clean(validate_unique=False, validate_constraints=False)
    obj.validate_constraints(exclude={"name"} if type(obj) in _NAME_UNIQUE_WITHIN else None)
    check_unique(obj)
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        # A concurrent request took the value between the check and the insert: the
        # database's unique index decided, and the answer is the one a serial request gets.
        check_unique(obj)
        raise
    if reshaped:
        boundaries_changed()
    return obj


# Names unique within their parent (named UniqueConstraints on the models), reported on
# `name` in words a user understands.
_NAME_UNIQUE_WITHIN = {Community: "street", Grid: "community"}
UNIQUE_NAME_MESSAGES = {
    Community: gettext_lazy("This street already has a village or community of this name."),
    Grid: gettext_lazy("This community already has a grid of this name."),
}
# A street's code, name and abbreviation are unique across every district: which street holds
# one is nobody else's business, so the answer says only that it cannot be used.
_GLOBALLY_UNIQUE = {Street: {"code", "name", "abbreviation"}}


def check_unique(obj: models.Model) -> None:
    """Raise the 400 (a ValidationError keyed by field) for a unique value already taken."""
    errors = {}
    try:
        obj.validate_unique()
    except ValidationError as error:
        errors = error.message_dict
    for name in _GLOBALLY_UNIQUE.get(type(obj), ()):
        if name in errors:
            errors[name] = [_("This value is already in use; choose another.")]
    parent = _NAME_UNIQUE_WITHIN.get(type(obj))
    if parent:
        taken = (
            type(obj)
            ._base_manager.filter(**{f"{parent}_id": getattr(obj, f"{parent}_id"), "name": obj.name})
            .exclude(pk=obj.pk)
        )
        if taken.exists():
            errors["name"] = [str(UNIQUE_NAME_MESSAGES[type(obj)])]
    if errors:
        raise ValidationError(errors)


BOUNDARY_FIELDS = ("boundary", "label_point", "boundary_synthetic")


def _boundary_touched(stored: models.Model | None, obj: models.Model) -> bool:
    """Whether the write changes the node's shape or moves a shaped node to another parent."""
    if type(obj) not in boundaries.LEVELS:
        return False
    if stored is None:
        return obj.boundary is not None or obj.label_point is not None
    if any(getattr(stored, name) != getattr(obj, name) for name in BOUNDARY_FIELDS):
        return True
    return obj.boundary is not None and _changed(stored, obj, PLACEMENT_FIELDS)


def _changed(stored: models.Model, obj: models.Model, fields_by_model: dict) -> bool:
    fields = fields_by_model.get(type(obj), ())
    return any(getattr(stored, name) != getattr(obj, name) for name in fields)


def _check_placement_change(scope: Scope, stored: models.Model, obj: models.Model) -> None:
    if _changed(stored, obj, SUPERUSER_ONLY_FIELDS) and not scope.is_superuser:
        raise RoleNotAllowed(_("Only a superuser may change a street's district."))
    if not _changed(stored, obj, PLACEMENT_FIELDS):
        return
    dependants = _referring_kinds(stored)
    if dependants:
        raise ActionNotAllowed(
            _("The code and the parent of %(name)s cannot change while it still has %(dependants)s.")
            % {"name": stored, "dependants": _(", ").join(dependants)}
        )


def _referring_kinds(obj: models.Model, *, many_to_many_only: bool = False) -> list[str]:
    """Plural names of the models that have rows referring to `obj`."""
    return sorted(
        {
            str(relation.related_model._meta.verbose_name_plural)
            for relation in obj._meta.related_objects
            if (relation.many_to_many or not many_to_many_only)
            and relation.related_model._base_manager.filter(**{relation.field.name: obj.pk}).exists()
        }
    )


@transaction.atomic
def territory_create(*, scope: Scope, model: type[models.Model], data: dict[str, Any]) -> models.Model:
    """Create a street, community, grid, micro-grid or co-governance member."""
    return _save(model(**data), scope)


@transaction.atomic
def territory_save(*, scope: Scope, obj: models.Model) -> models.Model:
    """Save a node the admin form has already changed (its choices are scoped already)."""
    return _save(obj, scope)


@transaction.atomic
def territory_update(*, scope: Scope, obj: models.Model, data: dict[str, Any]) -> models.Model:
    # Both the old and the new street must be the caller's: nobody moves a node out of reach.
    _check_may_edit(scope, obj)
    for name, value in data.items():
        setattr(obj, name, value)
    return _save(obj, scope)


@transaction.atomic
def territory_delete(*, scope: Scope, obj: models.Model) -> None:
    """Delete a node; refused with 409 while it still has children, staff or cases."""
    _check_may_edit(scope, obj)
    if isinstance(obj, Street) and not scope.is_superuser:
        # Like creating one (and like the admin): a street admin does not remove their street.
        raise RoleNotAllowed(_("Only a superuser may delete a street."))
    shaped = getattr(obj, "boundary", None) is not None
    delete_or_refuse(obj)
    if shaped:
        boundaries_changed()


def delete_or_refuse(obj: models.Model) -> None:
    """Delete `obj`, or raise `ActionNotAllowed` (409) naming the kinds of rows that refer to it.

    Deleting would silently drop many-to-many rows (the workers covering a grid), which
    PROTECT does not guard: those count as blockers too.
    """
    kinds = set(_referring_kinds(obj, many_to_many_only=True))
    if not kinds:
        try:
            obj.delete()
            return
        except ProtectedError as exc:
            kinds = {str(blocker._meta.verbose_name_plural) for blocker in exc.protected_objects}
        except RestrictedError as exc:
            kinds = {str(blocker._meta.verbose_name_plural) for blocker in exc.restricted_objects}
    raise ActionNotAllowed(
        _("%(name)s cannot be deleted while it still has %(blockers)s.")
        % {"name": obj, "blockers": _(", ").join(sorted(kinds))}
    )


@transaction.atomic
def grid_worker_create(
    *,
    scope: Scope,
    username: str,
    password: str | None,
    street: Street,
    name: str,
    kind: str,
    phone: str = "",
    grids: list[Grid] | tuple[Grid, ...] = (),
) -> GridWorker:
    """Open a grid worker's account: the user, the worker record and the user's scope."""
    User = get_user_model()
    worker = GridWorker(street=street, name=name, kind=kind, phone=phone)
    _check_may_edit(scope, worker)
    check_grids_in_street(grids, street)
    user = User(username=username, first_name=name)
    if password:
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise InvalidInput("password", " ".join(error.messages)) from None
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(validate_unique=False)
    try:
        # The unique index decides, serially and under a race alike; the answer does not say
        # whose the name is (another street's worker, an administrator, `admin`).
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise InvalidInput("username", _("This username cannot be used; choose another.")) from None
    worker.user = user
    worker.full_clean()
    worker.save()
    worker.grids.set(grids)
    UserScope.objects.create(user=user, role=UserScope.Role.GRID_WORKER)
    return worker


@transaction.atomic
def grid_worker_update(*, scope: Scope, worker: GridWorker, data: dict[str, Any]) -> GridWorker:
    _check_may_edit(scope, worker)
    grids = data.pop("grids", None)
    for name, value in data.items():
        setattr(worker, name, value)
    _check_may_edit(scope, worker)
    worker.full_clean()
    worker.save()
    if grids is not None:
        check_grids_in_street(grids, worker.street)
        worker.grids.set(grids)
    elif "street" in data:
        check_grids_in_street(list(worker.grids.all()), worker.street)
    return worker


@transaction.atomic
def grid_worker_admin_save(*, scope: Scope, worker: GridWorker, check_grids: bool = False) -> GridWorker:
    """Save a worker changed in the admin; its user gets the grid-worker scope if it has none."""
    if check_grids:
        check_grids_in_street(list(worker.grids.select_related("community")), worker.street)
        return worker
    _check_may_edit(scope, worker)
    if worker._state.adding:
        _check_account_free(worker.user_id)
    worker.full_clean()
    worker.save()
    UserScope.objects.get_or_create(user=worker.user, defaults={"role": UserScope.Role.GRID_WORKER})
    return worker


def _check_account_free(user_id: int) -> None:
    # Linking an account that already acts elsewhere (another street's admin, a mediator)
    # would hand its owner a second identity in a street that never vetted them.
    if not accounts_free_for_grid_worker().filter(pk=user_id).exists():
        raise InvalidInput("user", _("This account already has another role or is another worker's."))


@transaction.atomic
def grid_worker_delete(*, scope: Scope, worker: GridWorker) -> None:
    """Delete a worker with no assigned cases (else 409) and close their login.

    The account itself stays, deactivated: the cases a worker reported and the history
    rows they wrote keep naming them.
    """
    _check_may_edit(scope, worker)
    user = lock_one(get_user_model()._base_manager.all(), pk=worker.user_id)
    delete_or_refuse(worker)
    UserScope.objects.filter(user=user, role=UserScope.Role.GRID_WORKER).delete()
    # An account that also holds another role (linked before accounts were checked) keeps it.
    if user.is_superuser or UserScope.objects.filter(user=user).exists():
        return
    user.is_active = False
    user.save(update_fields=["is_active"])


def check_grids_in_street(grids, street: Street) -> None:
    """Refuse (400 on `grids`) any grid outside the worker's street; the admin form uses it too."""
    for grid in grids:
        if grid.community.street_id != street.pk:
            raise InvalidInput(
                "grids", _("Grid %(grid)s is not in street %(street)s.") % {"grid": grid, "street": street}
            )


@transaction.atomic
def personal_data_reveal(*, user, obj: models.Model, field: str) -> str:
    """Give `user` the full value of a personal-data field and record that they saw it."""
    PersonalDataReveal.objects.create(
        user=user,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
        object_id=obj.pk,
        field=field,
    )
    return getattr(obj, field)


# --- boundaries from a GeoJSON file ------------------------------------------------------------

# A node's level by the length of its code (district 6 + street 3 + community 3 + grid 3 + 3).
LEVEL_BY_CODE_LENGTH = {9: Street, 12: Community, 15: Grid, 18: MicroGrid}
PARENT_OF = {Street: None, Community: "street", Grid: "community", MicroGrid: "grid"}


@dataclass
class BoundaryImport:
    """The outcome of checking a file: the nodes it changes, and every bad feature by its code."""

    checked: int = 0
    written: list[str] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)
    dry_run: bool = False


@transaction.atomic
def boundaries_import(*, scope: Scope, collection: Any, dry_run: bool = False) -> BoundaryImport:
    """Check every feature of a GeoJSON FeatureCollection, then write all of them or none.

    Each feature names its node by `properties.code` and gives its `geometry` (a MultiPolygon
    or Polygon; null removes the boundary), optionally `properties.label_point` and
    `properties.synthetic`. The whole file is checked first, each feature among the file's
    other new boundaries (a community and its grids may move together); any bad feature,
    reported with its code, means nothing is written. `dry_run` checks and writes nothing.
    """
    features = _features(collection)
    result = BoundaryImport(checked=len(features), dry_run=dry_run)
    nodes = _nodes_by_code(scope, features, result)
    around = boundaries.Neighbourhood()
    shaped = {}
    for code, (obj, feature) in nodes.items():
        try:
            shape = _read_feature(obj, feature)
        except InvalidInput as error:
            result.errors.append((code, error.message))
            continue
        shaped[code] = shape
        around.replaced[(type(obj), obj.pk)] = shape
    for code, shape in shaped.items():
        if shape is not None:
            result.errors += [
                (code, problem) for problem in boundaries.problems(nodes[code][0], shape, around)
            ]
    result.errors.sort()
    if result.errors or dry_run:
        return result
    for code, (obj, _feature) in sorted(nodes.items()):
        type(obj).objects.filter(pk=obj.pk).update(**{name: getattr(obj, name) for name in BOUNDARY_FIELDS})
        result.written.append(code)
    boundaries_changed()
    return result


def _features(collection: Any) -> list[dict]:
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        raise InvalidInput("file", _("The file must hold a GeoJSON FeatureCollection."))
    features = collection.get("features")
    if not isinstance(features, list) or not features:
        raise InvalidInput("file", _("The FeatureCollection holds no features."))
    return features


def _nodes_by_code(scope: Scope, features: list, result: BoundaryImport) -> dict[str, tuple]:
    """code → (node, feature) for the features that name a node the caller may change."""
    wanted: dict[str, dict] = {}
    for n, feature in enumerate(features, start=1):
        properties = feature.get("properties") if isinstance(feature, dict) else None
        code = properties.get("code") if isinstance(properties, dict) else None
        if not isinstance(code, str) or not code:
            result.errors.append((f"#{n}", _("The feature has no properties.code.")))
        elif code in wanted:
            result.errors.append((code, _("The file holds this code more than once.")))
        else:
            wanted[code] = feature
    nodes = {}
    for length, model in LEVEL_BY_CODE_LENGTH.items():
        codes = [code for code in wanted if len(code) == length]
        parent = PARENT_OF[model]
        queryset = model.objects.visible_to(scope).filter(code__in=codes)
        for obj in queryset.select_related(parent) if parent else queryset:
            if may_edit_street(scope, street_id_of(obj)):
                nodes[obj.code] = (obj, wanted[obj.code])
    for code in wanted:
        if code not in nodes:
            result.errors.append(
                (code, _("No street, community, grid or micro-grid of yours has this code."))
            )
    return nodes


def _read_feature(obj: models.Model, feature: dict) -> Any:
    properties = feature["properties"]
    obj.boundary = feature.get("geometry")
    obj.label_point = properties.get("label_point")
    obj.boundary_synthetic = bool(properties.get("synthetic", False))
    return boundaries.normalise(obj)
