"""schemathesis over the whole OpenAPI schema, as a grid worker and as a street admin, on
PostgreSQL: every check, a few examples per operation, no failure.

The CLI runs against the live test server with a token of the role; its settings, and the
reasons for each, are in tests/config/schemathesis.toml and the README.
"""

import subprocess
import sys
from pathlib import Path

import pytest

from accounts.services import token_create

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CONFIG = Path(__file__).with_name("schemathesis.toml")


@pytest.mark.timeout(600)
@pytest.mark.parametrize("role", ["worker_a", "admin_a"])
def test_schemathesis_finds_nothing_wrong(live_server, world, make_case, role, tmp_path):
    for status in ("reported", "accepted", "assigned", "in_progress", "resolved", "closed"):
        make_case(status)
    token = token_create(user=getattr(world, role), device="schemathesis").token
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "--config-file",
        str(CONFIG),
        "--no-color",
        "run",
        f"{live_server.url}/api/schema/?format=json",
        "--checks",
        "all",
        "--seed",
        "1",
        "--header",
        f"Authorization: Token {token}",
        "--report-dir",
        str(tmp_path),
    ]
    run = subprocess.run(command, capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout[-20000:] + run.stderr[-2000:]
