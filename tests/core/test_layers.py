"""Imports run one way: a lower app never imports, or looks up, a higher one."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# From the bottom up; each may import those before it (and Django, DRF, the standard library).
LAYERS = [
    "config", "core", "jobs", "accounts", "grids", "registry",
    "cases", "mediation", "reports", "notifications", "seeds",
]  # fmt: skip
# `config` holds the wiring too: the URLs name every app's views, and gunicorn's logger uses
# the masking of residents' data that the application's log uses (`grids.privacy`).
EXEMPT = {"config/urls.py", "config/settings.py", "config/gunicorn_logging.py"}


def _modules_of(app: str):
    for path in sorted((ROOT / app).rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if "/migrations/" not in relative and relative not in EXEMPT:
            yield relative, ast.parse(path.read_text(encoding="utf-8"))


def _imported_apps(tree) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "get_model" and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.add(first.value.split(".")[0])
    return found & set(LAYERS)


@pytest.mark.parametrize("app", LAYERS)
def test_an_app_imports_only_the_apps_below_it(app):
    above = set(LAYERS[LAYERS.index(app) + 1 :])
    wrong = {
        module: sorted(_imported_apps(tree) & above)
        for module, tree in _modules_of(app)
        if _imported_apps(tree) & above
    }
    assert wrong == {}


def test_the_check_sees_an_import_and_a_model_look_up():
    tree = ast.parse("from mediation.models import X\nimport reports\napps.get_model('seeds', 'Y')")
    assert _imported_apps(tree) == {"mediation", "reports", "seeds"}
