"""Time the admin's case search: `manage.py bench_admin_search` on the data of `bench_reports --keep`.

Each search is one whole request of the case list (`/admin/cases/case/?q=…`, signed in, as
the browser makes it), timed twice side by side on the same data:

- before: Django's own admin search over `=number`, `title` and `address` (the search the
  list had), without the trigram indexes (dropped inside a transaction that is rolled back);
- after: the list's search now (`CaseQuerySet.search`) with the indexes.

It prints the best and first of `--repeat` runs of each and their ratio, and the plan's
access path of the search query. Run it on a database of its own holding bench data
(`bench_reports --cases 1000000 --keep`).
"""

from __future__ import annotations

import re
import time
from contextlib import contextmanager

from django.conf import settings
from django.contrib.admin import ModelAdmin
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client

from cases.admin import CaseAdmin
from cases.models import Case

TRIGRAM_INDEXES = ("case_title_trgm_idx", "case_address_trgm_idx")
BENCH_ADMIN = "bench-admin-search"
OLD_SEARCH_FIELDS = ["=number", "title", "address"]
# The access paths of a plan: a table scan, or the index a scan uses.
PLAN_NODES = r"(Seq Scan) on \w+|Scan(?: Backward)? using (\w+)|Bitmap Index Scan on (\w+)"


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Time the admin's case search before and after its indexes, side by side."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=3, help="Runs per search; the best is shown.")

    def handle(self, *args, repeat, **options):
        if connection.vendor != "postgresql":
            raise CommandError("The search indexes exist on PostgreSQL only: set DATABASE_URL.")
        total = Case.objects.count()
        if total < 1000:
            raise CommandError("Too few cases: run `bench_reports --cases 1000000 --keep` first.")
        client = self._client()
        self.stdout.write(f"{total:,} cases; best / first of {repeat} whole requests of the case list, ms")
        self.stdout.write(f"{'search':<34}{'before':>16}{'after':>16}{'ratio':>8}  plan after")
        for label, term in self._terms():
            before = self._before(lambda term=term: self._time(client, term, repeat))
            after = self._time(client, term, repeat)
            plan = self._plan(term)
            self.stdout.write(
                f"{label + ': ' + term:<34}{before[0]:>8.0f} /{before[1]:>6.0f}"
                f"{after[0]:>8.0f} /{after[1]:>6.0f}{before[0] / max(after[0], 0.01):>7.0f}x  {plan}"
            )
        get_user_model().objects.filter(username=BENCH_ADMIN).delete()

    def _terms(self) -> list[tuple[str, str]]:
        """A number, a number's beginning, a rare address and a title's words, from the data."""
        newest = Case.objects.order_by("-reported_at").values("number", "address", "title").first()
        number = newest["number"]
        return [
            ("number", number),
            ("number prefix", number[: len(number) - 3]),
            ("address", newest["address"][-8:]),
            ("title word", newest["title"][-4:]),
        ]

    def _client(self) -> Client:
        User = get_user_model()
        user, _ = User.objects.get_or_create(
            username=BENCH_ADMIN, defaults={"is_staff": True, "is_superuser": True}
        )
        hosts = [h for h in settings.ALLOWED_HOSTS if h not in ("*", "") and not h.startswith(".")]
        client = Client(HTTP_HOST=hosts[0] if hosts else "localhost")
        client.force_login(user)
        return client

    def _time(self, client: Client, term: str, repeat: int) -> tuple[float, float]:
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            response = client.get("/admin/cases/case/", {"q": term})
            times.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise CommandError(f"{term}: {response.status_code}")
        return min(times), times[0]

    def _before(self, run):
        """`run` with the list's old search and without the trigram indexes, then undone."""
        result = None
        try:
            with transaction.atomic(), old_search():
                with connection.cursor() as cursor:
                    for name in TRIGRAM_INDEXES:
                        cursor.execute(f"DROP INDEX IF EXISTS {name}")
                result = run()
                raise Rollback
        except Rollback:
            pass
        return result

    def _plan(self, term: str) -> str:
        queryset = Case.objects.search(term).order_by("-reported_at", "-pk")[:100]
        sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN {sql}", params)
            lines = [row[0] for row in cursor.fetchall()]
        plan = "\n".join(lines)
        found = re.findall(
            r"(Seq Scan) on \w+|Scan(?: Backward)? using (\w+)|Bitmap Index Scan on (\w+)", plan
        )
        return ", ".join(dict.fromkeys(next(name for name in match if name) for match in found))


@contextmanager
def old_search():
    """The case list as it searched before: Django's search over number, title and address."""
    original = CaseAdmin.get_search_results, CaseAdmin.search_fields
    CaseAdmin.search_fields = OLD_SEARCH_FIELDS
    CaseAdmin.get_search_results = ModelAdmin.get_search_results
    try:
        yield
    finally:
        CaseAdmin.get_search_results, CaseAdmin.search_fields = original
