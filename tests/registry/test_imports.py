"""Bulk import from CSV or XLSX with Chinese headers: dry run, all or nothing, or the good rows."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook

from config.errors import InvalidInput, RoleNotAllowed
from grids.scope import scope_for
from registry.imports import base_data_import
from registry.models import Building, Residence, Resident
from tests.factories import id_number_for

pytestmark = pytest.mark.django_db

HEADER = "网格编码,楼栋编码,名称,地址,层数,单元数,用途,物管,楼栋长电话"


def _buildings_csv(world, *rows: str) -> bytes:
    return ("\ufeff" + "\n".join([HEADER, *rows]) + "\n").encode()


def _good(world, code="A1-20"):
    return f"{world.grid_a1.code},{code},浒溪花园20栋,浒溪路 20 号,9,2,住宅,是,13812345678"


def _run(world, content, *, user=None, filename="buildings.csv", **options):
    user = user or world.admin_a
    return base_data_import(
        scope=scope_for(user), actor=user, kind="building", content=content, filename=filename, **options
    )


def test_a_dry_run_lists_every_bad_row_by_line_and_column_and_writes_nothing(world):
    content = _buildings_csv(
        world,
        _good(world),
        f"{world.grid_a1.code},A1-21,坏楼,浒溪路,零,2,住宅,是,",  # floors not a number
        f"{world.grid_b1.code},A1-22,别人的楼,灌坝路,6,1,住宅,否,",  # another street's grid
        f"{world.grid_a1.code},A1-23,城堡,浒溪路,6,1,城堡,否,",  # no such use
        f"{world.grid_a1.code},A1-24,无电话楼,浒溪路,6,1,住宅,否,12345",  # bad phone
        "",
        f"{world.grid_a1.code},,无编码,浒溪路,6,1,住宅,否,",  # code missing
    )
    report = _run(world, content, dry_run=True)
    assert (report.rows, report.created, report.dry_run) == (6, 0, True)
    assert [(e["line"], e["column"]) for e in report.errors] == [
        (3, "层数"),
        (4, "网格编码"),
        (5, "用途"),
        (6, "楼栋长电话"),
        (8, "楼栋编码"),
    ]
    assert not Building.objects.exists()


def test_a_real_run_writes_all_or_nothing(world):
    bad = f"{world.grid_a1.code},A1-21,坏楼,浒溪路,0,2,住宅,是,"
    report = _run(world, _buildings_csv(world, _good(world), bad))
    assert report.created == 0 and [e["line"] for e in report.errors] == [3]
    assert not Building.objects.exists()
    report = _run(world, _buildings_csv(world, _good(world), _good(world, "A1-25")))
    assert report.created == 2 and report.errors == []
    assert set(Building.objects.values_list("code", flat=True)) == {"A1-20", "A1-25"}


def test_with_keep_good_the_good_rows_are_written_and_the_others_reported(world):
    duplicate = _good(world)  # the same code twice: the second is refused
    report = _run(world, _buildings_csv(world, _good(world), duplicate), keep_good=True)
    assert report.created == 1 and [e["line"] for e in report.errors] == [3]
    assert Building.objects.count() == 1


def test_an_xlsx_file_is_read_like_a_csv(world):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER.split(","))
    sheet.append([world.grid_a1.code, "A1-30", "浒溪花园30栋", "浒溪路 30 号", 18, 3, "商住混合", "否", None])
    out = io.BytesIO()
    workbook.save(out)
    report = _run(world, out.getvalue(), filename="楼栋.xlsx")
    assert report.errors == [] and report.created == 1
    assert Building.objects.get().floors == 18


def test_a_header_without_its_columns_or_a_broken_file_is_refused(world):
    with pytest.raises(InvalidInput) as error:
        _run(world, "名称,地址\n楼,路\n".encode())
    assert error.value.field == "file" and "网格编码" in error.value.message
    with pytest.raises(InvalidInput):
        _run(world, b"\xff\xfe\x00broken")
    with pytest.raises(InvalidInput):
        _run(world, b"not a workbook", filename="x.xlsx")


def test_only_the_centre_imports(world):
    with pytest.raises(RoleNotAllowed):
        _run(world, _buildings_csv(world, _good(world)), user=world.worker_a)


def test_residents_are_imported_into_their_houses_with_a_stay(world, place):
    header = "社区编码,楼栋编码,单元,房号,姓名,性别,证件号码,电话,人口类型,与户主关系,标签,入住日期"
    community, building = world.community_a.code, place.building.code
    first, wrong, third = (
        id_number_for(21, "19450101"),
        id_number_for(22, "19450101")[:-1] + "0",
        id_number_for(23),
    )
    rows = [
        f"{community},{building},1,301,刘一,男,{first},13500001111,户籍人口,户主,独居老人,2020-05-01",
        f"{community},{building},1,301,刘二,女,{wrong},,户籍人口,配偶,,2020-05-01",
        f"{community},{building},1,999,刘三,女,{third},,户籍人口,,,",
    ]
    content = ("\n".join([header, *rows]) + "\n").encode()
    user = world.admin_a
    report = base_data_import(
        scope=scope_for(user), actor=user, kind="resident", content=content, filename="r.csv", keep_good=True
    )
    assert report.created == 1
    assert {(e["line"], e["column"]) for e in report.errors} == {(3, "证件号码"), (4, "房号")}
    resident = Resident.objects.get(name="刘一")
    assert list(resident.tags.values_list("name", flat=True)) == ["独居老人"]
    assert Residence.objects.get(resident=resident).moved_in_on.isoformat() == "2020-05-01"


def test_the_management_command_imports_as_a_user(world, tmp_path):
    path = tmp_path / "buildings.csv"
    path.write_bytes(_buildings_csv(world, _good(world)))
    out = io.StringIO()
    call_command("import_base_data", "building", str(path), "--as", "admin-a", "--dry-run", stdout=out)
    assert "1" in out.getvalue() and not Building.objects.exists()
    call_command("import_base_data", "building", str(path), "--as", "admin-a", stdout=out)
    assert Building.objects.count() == 1
    path.write_bytes(_buildings_csv(world, f"{world.grid_a1.code},A1-40,坏楼,路,0,1,住宅,否,"))
    with pytest.raises(CommandError) as error:
        call_command("import_base_data", "building", str(path), "--as", "admin-a", stdout=out)
    assert (
        "第 2 行" in str(error.value) and "层数" in str(error.value) and "未写入任何数据" in str(error.value)
    )


def test_the_admin_import_page_checks_a_file(world, client):
    client.force_login(world.admin_a)
    url = reverse("admin:registry_building_import")
    page = client.get(url)
    assert page.status_code == 200 and "网格编码" in page.content.decode()
    upload = io.BytesIO(
        _buildings_csv(world, _good(world), f"{world.grid_a1.code},A1-41,坏楼,路,0,1,住宅,否,")
    )
    upload.name = "buildings.csv"
    response = client.post(url, {"file": upload, "dry_run": "on"})
    text = response.content.decode()
    assert response.status_code == 200 and "层数" in text and "<td>3</td>" in text
    assert not Building.objects.exists()
