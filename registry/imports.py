"""Bulk import of base data from a spreadsheet (CSV or XLSX) with Chinese headers.

Each row goes through the same service as a single create, so every check holds: the grid,
building or house must be in the importer's territory, check characters, choices, leases.
A dry run checks every row and writes nothing, listing each bad row by line number (the
header is line 1) and column. A real run writes all rows or none; with `keep_good`, it writes
the good rows and reports the others. Choices are given by their Chinese label (住宅, 出租屋 …)
or their code; booleans as 是/否.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.errors import DomainError, InvalidInput
from grids.models import Grid
from grids.scope import Scope
from registry import services
from registry.models import (
    Building,
    Facility,
    FacilityType,
    House,
    Organisation,
    Resident,
    ResidentTag,
    SafetyTag,
)


class RowError(Exception):
    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column, self.message = column, str(message)


@dataclass(frozen=True)
class Column:
    header: str  # the Chinese header of the spreadsheet
    name: str  # the service's argument
    parse: Callable[[str, Scope], object] = lambda text, scope: text
    required: bool = False


@dataclass
class ImportReport:
    kind: str
    dry_run: bool
    rows: int = 0
    created: int = 0
    errors: list[dict] = field(default_factory=list)

    @property
    def written(self) -> bool:
        return self.created > 0

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "dry_run": self.dry_run,
            "rows": self.rows,
            "created": self.created,
            "errors": self.errors,
        }


class _Rollback(Exception):
    pass


# --- parsing cells ------------------------------------------------------------------------------


def _choice(choices: type[models.Choices]):
    def parse(text: str, scope):
        with translation.override("zh-hans"):
            by_label = {str(label): value for value, label in choices.choices}
        if text in choices.values:
            return text
        if text in by_label:
            return by_label[text]
        with translation.override("zh-hans"):
            allowed = "、".join(str(label) for _v, label in choices.choices)
        raise ValueError(_("Choose one of: %s.") % allowed)

    return parse


def _int(text: str, scope) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError(_("A whole number is required.")) from None


def _decimal(text: str, scope) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError(_("A number is required.")) from None


def _date(text: str, scope) -> date:
    for pattern in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(_("A date such as 2022-12-16 is required."))


def _yes_no(text: str, scope) -> bool:
    if text in ("是", "1", "true", "True", "Y", "y"):
        return True
    if text in ("否", "0", "false", "False", "N", "n"):
        return False
    raise ValueError(_("Write 是 or 否."))


def _grid(text: str, scope: Scope) -> Grid:
    grid = Grid.objects.visible_to(scope).filter(code=text).first()
    if grid is None:
        raise ValueError(_("No grid with this code in your territory."))
    return grid


def _names(model):
    def parse(text: str, scope):
        names = [n.strip() for n in text.replace(",", "、").replace("，", "、").split("、") if n.strip()]
        found = {t.name: t for t in model.objects.filter(name__in=names, is_active=True)}
        missing = [n for n in names if n not in found]
        if missing:
            raise ValueError(_("Not in the catalogue: %s.") % "、".join(missing))
        return [found[n] for n in names]

    return parse


def _facility_type(text: str, scope) -> FacilityType:
    found = (
        FacilityType.objects.filter(is_active=True).filter(models.Q(name=text) | models.Q(code=text)).first()
    )
    if found is None:
        raise ValueError(_("Not in the catalogue: %s.") % text)
    return found


# Rows naming a building or a house by its codes: community code, building code (unit, room).
def _building(values: dict, scope: Scope, *, required: bool = True) -> Building | None:
    community, code = values.pop("community_code", ""), values.pop("building_code", "")
    if not community and not code and not required:
        return None
    building = Building.objects.visible_to(scope).filter(community__code=community, code=code).first()
    if building is None:
        raise RowError(
            "楼栋编码", _("No building with these community and building codes in your territory.")
        )
    return building


def _house(values: dict, scope: Scope) -> House:
    building = _building(values, scope)
    unit, room = values.pop("house_unit", 1), values.pop("house_room", "")
    house = House.objects.filter(building=building, unit=unit, room=room).select_related("building").first()
    if house is None:
        raise RowError("房号", _("No such house in this building."))
    return house


@dataclass(frozen=True)
class Kind:
    name: str
    label: object
    columns: tuple[Column, ...]
    create: Callable[[Scope, object, dict], object]


def _with_building(scope, actor, values):
    return services.organisation_create(
        scope=scope, building=_building(values, scope, required=False), **values
    )


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in [
        Kind(
            "building",
            gettext_lazy("buildings"),
            (
                Column("网格编码", "grid", _grid, True),
                Column("楼栋编码", "code", required=True),
                Column("名称", "name", required=True),
                Column("地址", "address", required=True),
                Column("纬度", "latitude", _decimal),
                Column("经度", "longitude", _decimal),
                Column("层数", "floors", _int, True),
                Column("单元数", "units", _int),
                Column("用途", "use", _choice(Building.Use), True),
                Column("物管", "property_managed", _yes_no),
                Column("物业公司", "property_company"),
                Column("楼栋长", "leader_name"),
                Column("楼栋长电话", "leader_phone"),
            ),
            lambda scope, actor, values: services.building_create(scope=scope, **values),
        ),
        Kind(
            "house",
            gettext_lazy("houses"),
            (
                Column("社区编码", "community_code", required=True),
                Column("楼栋编码", "building_code", required=True),
                Column("单元", "unit", _int),
                Column("楼层", "floor", _int, True),
                Column("房号", "room", required=True),
                Column("用途", "use", _choice(House.Use), True),
                Column("面积", "area", _decimal),
                Column("房东", "landlord_name"),
                Column("房东电话", "landlord_phone"),
                Column("租期起", "lease_start", _date),
                Column("租期止", "lease_end", _date),
            ),
            lambda scope, actor, values: services.house_create(
                scope=scope, building=_building(values, scope), **values
            ),
        ),
        Kind(
            "resident",
            gettext_lazy("residents"),
            (
                Column("社区编码", "community_code", required=True),
                Column("楼栋编码", "building_code", required=True),
                Column("单元", "house_unit", _int),
                Column("房号", "house_room", required=True),
                Column("姓名", "name", required=True),
                Column("性别", "gender", _choice(Resident.Gender), True),
                Column("证件类型", "document_type", _choice(Resident.Document)),
                Column("证件号码", "id_number", required=True),
                Column("国籍", "nationality"),
                Column("出生日期", "birth_date", _date),
                Column("电话", "phone"),
                Column("民族", "ethnicity"),
                Column("人口类型", "residence_type", _choice(Resident.ResidenceType), True),
                Column("与户主关系", "relation_to_head", _choice(Resident.Relation)),
                Column("标签", "tags", _names(ResidentTag)),
                Column("入住日期", "moved_in_on", _date),
            ),
            lambda scope, actor, values: services.resident_create(
                scope=scope, actor=actor, house=_house(values, scope), **values
            ),
        ),
        Kind(
            "organisation",
            gettext_lazy("organisations"),
            (
                Column("网格编码", "grid", _grid, True),
                Column("名称", "name", required=True),
                Column("统一社会信用代码", "credit_code"),
                Column("类型", "kind", _choice(Organisation.Kind), True),
                Column("社区编码", "community_code"),
                Column("楼栋编码", "building_code"),
                Column("地址", "address"),
                Column("联系人", "contact_name"),
                Column("联系电话", "contact_phone"),
                Column("安全标签", "safety_tags", _names(SafetyTag)),
            ),
            _with_building,
        ),
        Kind(
            "facility",
            gettext_lazy("city facilities"),
            (
                Column("网格编码", "grid", _grid, True),
                Column("部件编码", "code", required=True),
                Column("类型", "type", _facility_type, True),
                Column("地址", "address"),
                Column("纬度", "latitude", _decimal),
                Column("经度", "longitude", _decimal),
                Column("权属单位", "owner_unit", required=True),
                Column("状态", "state", _choice(Facility.State)),
            ),
            lambda scope, actor, values: services.facility_create(scope=scope, **values),
        ),
    ]
}


# --- reading a file -----------------------------------------------------------------------------


def read_rows(content: bytes, filename: str) -> Iterator[list[str]]:
    """The rows of a CSV (UTF-8, with or without a byte-order mark) or of an XLSX's first sheet."""
    if filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
        except Exception:
            raise InvalidInput("file", _("The file is not an Excel workbook (.xlsx).")) from None
        for row in sheet.iter_rows(values_only=True):
            yield [_cell(value) for value in row]
        return
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("file", _("Save the CSV file as UTF-8.")) from None
    yield from ([cell.strip() for cell in row] for row in csv.reader(io.StringIO(text)))


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# --- running an import --------------------------------------------------------------------------

PROGRESS_EVERY = 200
FILE_EXTENSIONS = (".csv", ".xlsx")


def check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise InvalidInput("kind", _("Choose one of: %s.") % ", ".join(KINDS))


def check_file_name(name: str) -> None:
    if not name.lower().endswith(FILE_EXTENSIONS):
        raise InvalidInput("file", _("Import a CSV (UTF-8) or an Excel workbook (.xlsx)."))


def base_data_import(
    *,
    scope: Scope,
    actor,
    kind: str,
    content: bytes,
    filename: str,
    dry_run: bool = False,
    keep_good: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Check (and unless `dry_run`, write) every row; all or nothing unless `keep_good`.

    `progress(percent)` is told how far the rows are, every `PROGRESS_EVERY` rows.
    """
    check_kind(kind)
    services.check_may_import(scope)
    spec = KINDS[kind]
    rows = read_rows(content, filename)
    header = next(rows, None)
    by_header = _header_positions(spec, header or [])
    rows = list(rows) if progress else rows
    total = len(rows) if progress else 0
    report = ImportReport(kind=kind, dry_run=dry_run)
    try:
        with transaction.atomic():
            for line, row in enumerate(rows, start=2):
                if progress and (line - 2) % PROGRESS_EVERY == 0:
                    progress(100 * (line - 2) // max(total, 1))
                if not any(row):
                    continue
                report.rows += 1
                _import_row(spec, scope, actor, row, by_header, line, report)
            if dry_run or (report.errors and not keep_good):
                raise _Rollback()
    except _Rollback:
        report.created = 0
    return report


def _header_positions(spec: Kind, header: list[str]) -> dict[str, int]:
    positions = {name.strip(): i for i, name in enumerate(header) if name and name.strip()}
    missing = [c.header for c in spec.columns if c.required and c.header not in positions]
    if missing:
        raise InvalidInput("file", _("The header row lacks the columns: %s.") % "、".join(missing))
    unknown = [name for name in positions if name not in {c.header for c in spec.columns}]
    if unknown:
        raise InvalidInput("file", _("Unknown columns: %s.") % "、".join(unknown))
    return positions


def _import_row(spec: Kind, scope, actor, row, by_header, line: int, report: ImportReport) -> None:
    try:
        with transaction.atomic():
            values = _row_values(spec, scope, row, by_header)
            spec.create(scope, actor, values)
        report.created += 1
    except RowError as error:
        report.errors.append({"line": line, "column": error.column, "message": error.message})
    except ValidationError as error:
        for name, messages in _messages(error).items():
            report.errors.append(
                {"line": line, "column": _header_of(spec, name), "message": " ".join(messages)}
            )
    except DomainError as error:
        column = _header_of(spec, error.field) if isinstance(error, InvalidInput) else ""
        report.errors.append({"line": line, "column": column, "message": error.message})


def _row_values(spec: Kind, scope, row, by_header) -> dict:
    values = {}
    for column in spec.columns:
        position = by_header.get(column.header)
        text = row[position].strip() if position is not None and position < len(row) and row[position] else ""
        if not text:
            if column.required:
                raise RowError(column.header, _("This field is required."))
            continue
        try:
            values[column.name] = column.parse(text, scope)
        except ValueError as error:
            raise RowError(column.header, str(error)) from None
    return values


def _messages(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return error.message_dict
    return {"": error.messages}


def _header_of(spec: Kind, name: str) -> str:
    for column in spec.columns:
        if column.name == name:
            return column.header
    aliases = {"house": "房号", "building": "楼栋编码", "grid": "网格编码", "__all__": ""}
    return aliases.get(name, name)
