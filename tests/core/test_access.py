"""The one registry of grants: the README's access table is printed from it, and every workflow
action has its grants."""

import re
from io import StringIO
from pathlib import Path

from django.core.management import call_command

from cases.workflow import CASE_WORKFLOW
from core.access import ACCESS, Role
from mediation.workflow import MEDIATION_WORKFLOW

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readmes_access_table_is_the_registry():
    out = StringIO()
    call_command("access_table", stdout=out)
    text = README.read_text(encoding="utf-8")
    written = re.search(r"<!-- access-table:start -->\n(.*?)\n<!-- access-table:end -->", text, re.S)
    assert written is not None, "the README lost its access table"
    assert written.group(1).strip() == out.getvalue().strip(), (
        "run `python manage.py access_table` into the README"
    )


def test_every_action_of_every_workflow_is_granted_to_someone():
    for workflow in (CASE_WORKFLOW, MEDIATION_WORKFLOW):
        for action in workflow.actions:
            assert ACCESS.grants(workflow.name, action), f"{workflow.name}.{action} has no grants"


def test_a_grant_is_registered_once():
    import pytest

    with pytest.raises(ValueError, match="already registered"):
        ACCESS.register("cases", {"accept": {Role.SUPERUSER}})
