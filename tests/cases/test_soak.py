"""The soak command's bookkeeping: what it prints is what the server saw and the database holds."""

import re
from collections import Counter
from io import StringIO

from django.core.management import call_command
from django.core.signals import request_started

from cases.management.commands.soak import SETUP_REQUESTS, TAG, Call, Ledger, reconcile
from cases.models import Case
from tests.factories.grids import TEST_PASSWORD


def figure(output: str, pattern: str) -> int:
    return int(re.search(pattern, output).group(1))


def test_a_short_soak_counts_every_request_and_every_case(serial_live_server, world, category):
    seen = Counter()

    def count(sender, environ, **kwargs):
        seen[environ["PATH_INFO"].split("/")[3]] += 1

    request_started.connect(count, dispatch_uid="soak-test")
    out = StringIO()
    try:
        call_command(
            "soak",
            url=serial_live_server.url,
            clients=2,
            seconds=2,
            window=1,
            worker=world.worker_a.username,
            admin=world.admin_a.username,
            password=TEST_PASSWORD,
            stdout=out,
        )
    finally:
        request_started.disconnect(dispatch_uid="soak-test")
    output = out.getvalue()
    requests = figure(output, r"requests: (\d+) in")
    assert requests > 10
    assert requests + SETUP_REQUESTS == sum(seen.values())
    assert sum(figure(line, r"\s(\d+)\s+\d+\s+\d+") for line in output.splitlines() if " s  " in line) == (
        requests
    )
    cases = Case.objects.filter(description__startswith=TAG)
    assert cases.count() > 0
    assert figure(output, r"acknowledged (\d+)") == cases.count()
    assert figure(output, r"found (\d+)") == cases.count()
    assert "lost 0, duplicated 0, number differs 0, found but never acknowledged 0" in output
    assert "errors: 0, outside the restart window: 0; unexpected answers: 0" in output


def test_reconcile_finds_the_lost_the_duplicated_and_the_unacknowledged(db, make_case):
    ledger = Ledger(run="r1")
    kept = make_case(description=f"{TAG}r1-0-1")
    twice = [make_case(description=f"{TAG}r1-0-2") for _ in range(2)]
    renumbered = make_case(description=f"{TAG}r1-0-3")
    make_case(description=f"{TAG}r1-0-4")  # created, the answer never reached the client
    make_case(description=f"{TAG}r2-0-1")  # another run's
    ledger.acknowledge("r1-0-1", kept.number)
    ledger.acknowledge("r1-0-2", twice[0].number)
    ledger.acknowledge("r1-0-3", "not-" + renumbered.number)
    ledger.acknowledge("r1-0-5", "SQ-lost")

    result = reconcile(ledger)

    assert result.found == 5
    assert result.lost == ["r1-0-5"]
    assert {key: sorted(numbers) for key, numbers in result.duplicated.items()} == {
        "r1-0-2": sorted(c.number for c in twice)
    }
    assert result.mismatched == ["r1-0-3"]
    assert result.unacknowledged == ["r1-0-4"]


def test_errors_are_counted_by_window_and_against_the_restart_window():
    ledger = Ledger(run="r1")
    ledger.calls = [
        Call("create", 0.1, 0.2, 201, True),
        Call("list", 1.1, 1.3, None, True),  # before the restart: outside
        Call("create", 2.0, 2.6, 503, True),  # during
        Call("list", 2.2, 3.4, None, True),  # sent during, answered after pg_ctl returned: during
        Call("list", 3.5, 3.6, 200, True),  # the first answer after the restart closes the window
        Call("create", 4.1, 4.2, 500, True),  # after: outside
        Call("action", 4.3, 4.4, 400, False),
    ]
    ledger.restart = (2.0, 3.0)

    assert ledger.restart_window() == (2.0, 3.6)
    assert ledger.errors_outside_restart() == [ledger.calls[1], ledger.calls[5]]
    assert ledger.windows(1.0) == [
        (0.0, 1, 0, 0, False),
        (1.0, 1, 1, 0, False),
        (2.0, 1, 1, 0, True),
        (3.0, 2, 1, 0, True),
        (4.0, 2, 1, 1, False),
    ]
