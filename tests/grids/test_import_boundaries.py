"""`manage.py import_boundaries FILE.geojson`: the whole file checked first, then all or nothing."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from grids.geo.index import stored_token
from grids.models import Community, Grid, Street
from tests.geo import rect

pytestmark = pytest.mark.django_db


def _feature(code, boundary, **properties):
    return {"type": "Feature", "geometry": boundary, "properties": {"code": code, **properties}}


def _write(tmp_path, features, name="boundaries.geojson"):
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return str(path)


def _run(path, *args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_boundaries", path, *args, stdout=out, stderr=err)
    except CommandError as error:
        return False, out.getvalue(), err.getvalue() + str(error)
    return True, out.getvalue(), err.getvalue()


def _street_a_file(world):
    return [
        _feature(world.street_a.code, rect(106.0, 29.0, 106.1, 29.1), synthetic=True),
        _feature(world.community_a.code, rect(106.0, 29.0, 106.05, 29.1), label_point=[106.02, 29.05]),
        _feature(world.grid_a1.code, rect(106.0, 29.0, 106.05, 29.05)),
        _feature(world.grid_a2.code, rect(106.0, 29.05, 106.05, 29.1)),
    ]


def test_a_good_file_is_written_whole(tmp_path, world):
    token = stored_token()
    ok, out, err = _run(_write(tmp_path, _street_a_file(world)))
    assert ok, err
    assert "4" in out
    street = Street.objects.get(pk=world.street_a.pk)
    assert street.boundary == rect(106.0, 29.0, 106.1, 29.1) and street.boundary_synthetic
    community = Community.objects.get(pk=world.community_a.pk)
    assert community.label_point == {"type": "Point", "coordinates": [106.02, 29.05]}
    assert Grid.objects.filter(boundary__isnull=False).count() == 2
    assert stored_token() != token


def test_the_dry_run_checks_and_writes_nothing(tmp_path, world):
    ok, _out, err = _run(_write(tmp_path, _street_a_file(world)), "--dry-run")
    assert ok, err
    assert not Street.objects.filter(boundary__isnull=False).exists()
    assert not Grid.objects.filter(boundary__isnull=False).exists()


def test_every_bad_feature_is_named_by_its_code_and_nothing_is_written(tmp_path, world):
    features = _street_a_file(world)
    features[2] = _feature(world.grid_a1.code, rect(106.0, 29.0, 106.05, 29.06))  # overlaps A2
    features.append(
        _feature(
            world.grid_a3.code,
            {
                "type": "MultiPolygon",
                "coordinates": [
                    [[[106.05, 29.0], [106.1, 29.05], [106.1, 29.0], [106.05, 29.05], [106.05, 29.0]]]
                ],
            },
        )
    )  # crosses itself
    features.append(_feature("999999999999999", rect(106.0, 29.0, 106.01, 29.01)))  # no such grid
    features.append(_feature(world.grid_b1.code, rect(106.0, 29.0, 106.01, 29.01)))  # outside street B
    ok, _out, err = _run(_write(tmp_path, features))
    assert not ok
    lines = err.splitlines()
    for code in (world.grid_a1.code, world.grid_a2.code, world.grid_a3.code, "999999999999999"):
        assert any(line.startswith(f"{code}: ") for line in lines), (code, err)
    assert not Street.objects.filter(boundary__isnull=False).exists()
    assert not Community.objects.filter(boundary__isnull=False).exists()
    assert not Grid.objects.filter(boundary__isnull=False).exists()


def test_a_file_checks_children_against_their_new_parents(tmp_path, world):
    """A community and its grids moved together: each grid is checked against the new community."""
    assert _run(_write(tmp_path, _street_a_file(world)))[0]
    moved = [
        _feature(world.community_a.code, rect(106.0, 29.0, 106.05, 29.08)),
        _feature(world.grid_a2.code, rect(106.0, 29.05, 106.05, 29.08)),
    ]
    ok, _out, err = _run(_write(tmp_path, moved, "moved.geojson"))
    assert ok, err
    assert Grid.objects.get(pk=world.grid_a2.pk).boundary == rect(106.0, 29.05, 106.05, 29.08)
    # The community alone, shrunk away from its grid, is refused.
    alone = [_feature(world.community_a.code, rect(106.0, 29.0, 106.05, 29.06))]
    ok, _out, err = _run(_write(tmp_path, alone, "alone.geojson"))
    assert not ok and world.community_a.code in err


@pytest.mark.parametrize(
    "content",
    ["not json", json.dumps({"type": "Feature"}), json.dumps({"type": "FeatureCollection", "features": []})],
)
def test_a_file_that_is_no_feature_collection_is_refused(tmp_path, world, content):
    path = tmp_path / "bad.geojson"
    path.write_text(content, encoding="utf-8")
    ok, _out, _err = _run(str(path))
    assert not ok


def test_a_feature_twice_or_without_a_code_is_named(tmp_path, world):
    features = [
        _feature(world.grid_a1.code, rect(106.0, 29.0, 106.05, 29.05)),
        _feature(world.grid_a1.code, rect(106.0, 29.0, 106.05, 29.05)),
        {"type": "Feature", "geometry": rect(106.0, 29.0, 106.01, 29.01), "properties": {}},
    ]
    ok, _out, err = _run(_write(tmp_path, features))
    assert not ok and f"{world.grid_a1.code}: " in err and "#3: " in err
