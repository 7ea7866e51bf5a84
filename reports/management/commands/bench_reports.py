"""Time every report on a large synthetic data set: `manage.py bench_reports --cases 1000000`.

The cases go into a dedicated bench district (code 999999) with its own streets,
communities, grids, mediators and rooms, so that the territory the project really serves is
neither counted nor changed. Their texts (description, address, result) are as long as a
grid worker's usually are, so that the table is as wide as in service. The bench data is
removed at the end unless `--keep` is given; `--reuse` times the bench data left by an
earlier `--keep` run instead of generating more.

On PostgreSQL the cases are loaded with COPY (tens of thousands a second, indexes in place);
elsewhere with bulk inserts. They are written around the case steps, so the report's summary
tables are then rebuilt (`reports.rollup`), and the sizes of candidate grains are printed.

Each report is timed twice: the selector alone, and the whole API request a district
viewer's browser makes (token, scope, parameters, JSON), through Django's test client. Reports
the summary tables answer are timed from them and from the cases, side by side (the ratio).
Case creation through the service is timed with and without the tables' maintenance, in
alternating rounds. The database is left analysed (`ANALYZE`).
"""

from __future__ import annotations

import logging
import random
import time
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models.functions import TruncDate
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.services import token_create
from cases import services as case_services
from cases.models import Case, CaseEvent, Category, MajorCategory
from cases.workflow import CASE_HISTORY
from core.access import Role
from grids.models import Community, Grid, Street, UserScope
from grids.scope import SUPERUSER, Scope
from mediation.models import Agreement, FollowUp, MediationCase, MediationRoom, Mediator
from reports import mediation_rollup, rollup
from reports.selectors import (
    MEDIATION_DIMENSIONS,
    RESOLUTION_DIMENSIONS,
    ReportFilters,
    mediation_report,
    resolution_report,
)

DISTRICT = "999999"
BENCH_USER = "bench-reports"
BENCH_VIEWER = "bench-reports-viewer"  # signs in to the API as a district viewer of the bench
BENCH_ADMIN = "bench-reports-admin"  # creates cases in the bench's first street
BENCH_MAJOR = "99"
COMMUNITIES_PER_STREET = 4
GRIDS_PER_COMMUNITY = 5
MEDIATION_SHARE = 0.05  # one case in twenty is a dispute taken to mediation
# Texts of a usual length: a worker's description is two or three sentences.
DESCRIPTION = "小区三栋二单元楼道堆放纸箱和旧家具，占用消防通道，住户多次反映。" * 3
RESULT = "已联系物业清理完毕，住户签字确认，现场拍照留存。"
PARTS = ("reports", "dashboard", "creates")  # the reports include their API requests


class Command(BaseCommand):
    help = "Generate N synthetic cases in a bench district and print how long each report takes."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=100_000, help="How many cases to generate.")
        parser.add_argument("--streets", type=int, default=5, help="Bench streets to spread them over.")
        parser.add_argument(
            "--years", type=int, default=3, help="Years back from today they are reported in."
        )
        parser.add_argument("--batch", type=int, default=5_000, help="Rows per bulk insert.")
        parser.add_argument("--repeat", type=int, default=3, help="Runs per report; the best is shown.")
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--keep", action="store_true", help="Leave the bench data in place.")
        parser.add_argument("--reuse", action="store_true", help="Time the bench data of an earlier --keep.")
        parser.add_argument(
            "--creates", type=int, default=300, help="Cases created per round, with and without rollups."
        )
        parser.add_argument("--rounds", type=int, default=4, help="Rounds of creates (alternating).")
        parser.add_argument(
            "--parts",
            default=",".join(PARTS),
            help=f"What to time, of {', '.join(PARTS)} (all by default).",
        )

    def handle(self, *args, **options):
        if not 1 <= options["streets"] <= 26:
            raise CommandError("--streets must be between 1 and 26.")
        vendor = connection.vendor
        self.stdout.write(f"Database: {vendor} ({connection.settings_dict['NAME']})")
        if options["reuse"]:
            if not Street.objects.filter(district_code=DISTRICT).exists():
                raise CommandError("No bench data to reuse: run once with --keep first.")
            self._rebuild()
        else:
            self._remove()
            self._generate(options)
        parts = set(options["parts"].split(","))
        if parts - set(PARTS):
            raise CommandError(f"--parts takes {', '.join(PARTS)}.")
        try:
            if "reports" in parts:
                self._time_reports(options["repeat"])
            if "dashboard" in parts:
                self._time_dashboard(options["repeat"])
            if options["creates"] and "creates" in parts:
                self._time_creates(options["creates"], options["rounds"])
        finally:
            if not options["keep"]:
                self._remove()
                self.stdout.write("Bench data removed.")
            if vendor == "postgresql":
                # Statistics for what is left, so that the next reader's plans fit the data.
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
                self.stdout.write("Database analysed.")

    # --- generating --------------------------------------------------------------------------

    def _territory(self, streets: int) -> list[Grid]:
        grids = []
        for s in range(streets):
            street = Street.objects.create(
                name=f"压测街道{s + 1}",
                code=f"{DISTRICT}{s + 1:03d}",
                abbreviation=f"BENCH{chr(65 + s)}",
                district_name="压测区",
                district_code=DISTRICT,
            )
            for c in range(COMMUNITIES_PER_STREET):
                community = Community.objects.create(
                    street=street,
                    kind="urban",
                    name=f"压测社区{s + 1}-{c + 1}",
                    code=f"{street.code}{c + 1:03d}",
                )
                grids += Grid.objects.bulk_create(
                    Grid(
                        community=community,
                        code=f"{community.code}{g + 1:03d}",
                        name=f"压测网格{g + 1}",
                        kind="urban_residential",
                    )
                    for g in range(GRIDS_PER_COMMUNITY)
                )
        return list(
            Grid.objects.filter(community__street__district_code=DISTRICT).select_related("community")
        )

    def _categories(self) -> list[Category]:
        categories = list(Category.objects.filter(is_active=True))
        if categories:
            return categories
        major, _ = MajorCategory.objects.get_or_create(
            code=BENCH_MAJOR, defaults={"name": "压测大类", "default_kind": "incident"}
        )
        return [
            Category.objects.create(
                major=major,
                code=f"{BENCH_MAJOR}{n:02d}",
                name=f"压测小类{n}",
                time_limit_hours=hours,
                default_triage="small",
                default_level="grid",
            )
            for n, hours in enumerate([24, 48, 72, 168], start=1)
        ]

    def _generate(self, options):
        started = time.perf_counter()
        rng = random.Random(options["seed"])
        user, _ = get_user_model().objects.get_or_create(username=BENCH_USER, defaults={"is_active": False})
        grids = self._territory(options["streets"])
        categories = self._categories()
        streets = {grid.community.street_id for grid in grids}
        mediators = {
            s: Mediator.objects.create(street_id=s, name="压测调解员", kind="ordinary") for s in streets
        }
        rooms = {
            s: MediationRoom.objects.create(street_id=s, name="压测调解室", level="street") for s in streets
        }
        prefix = dict(Street.objects.filter(district_code=DISTRICT).values_list("pk", "abbreviation"))
        now = timezone.now()
        span = timedelta(days=365 * options["years"]).total_seconds()
        total, batch = options["cases"], options["batch"]
        copying = connection.vendor == "postgresql"
        if copying:
            batch = max(batch, 50_000)
        made = 0
        while made < total:
            size = min(batch, total - made)
            values = [
                self._case(
                    rng, made + i, total, rng.choice(grids), rng.choice(categories), now, span, user, prefix
                )
                for i in range(size)
            ]
            with transaction.atomic():
                if copying:
                    disputes = self._copy(values, now)
                else:
                    cases = Case.objects.bulk_create([Case(**v) for v in values], batch_size=batch)
                    disputes = [c for c in cases if c.kind == "dispute"]
                self._mediations(rng, disputes, mediators, rooms, user)
            made += size
            if made % (batch * 20) == 0 or made == total:
                self.stdout.write(f"  {made:,} cases ({time.perf_counter() - started:.0f} s)")
        loaded = time.perf_counter() - started
        self.stdout.write(
            f"Generated {total:,} cases in {loaded:.1f} s ({total / loaded:,.0f} a second"
            f"{', COPY' if copying else ', bulk inserts'})"
        )
        if connection.vendor == "postgresql":
            # What autovacuum does to a table that grew over years: fresh statistics, and a
            # visibility map that lets the reports read the covering index alone.
            with connection.cursor() as cursor:
                for model in (Case, MediationCase, Agreement, FollowUp):
                    cursor.execute(f'VACUUM ANALYZE "{model._meta.db_table}"')
        self._grain_sizes()
        self._rebuild()

    def _rebuild(self) -> None:
        started = time.perf_counter()
        written = rollup.rebuild()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for table in written:
                    cursor.execute(f'VACUUM ANALYZE "{table}"')
        rows = ", ".join(f"{table} {n:,}" for table, n in written.items())
        self.stdout.write(f"Summary tables rebuilt in {time.perf_counter() - started:.1f} s: {rows} rows")

    COPIED = (
        "number", "kind", "category_id", "street_id", "community_id", "grid_id", "source", "triage",
        "level", "title", "description", "address", "result", "reporter_id", "status", "reported_at",
        "accepted_at", "rejected_at", "closed_at", "due_at", "rework_count", "escalation_count",
        "satisfaction",
    )  # fmt: skip
    # The columns COPY must fill that the ORM fills from the model's defaults.
    CONSTANT = {
        "priority": "normal",
        "contact_name": "",
        "contact_phone": "",
        "assignee_unit": "",
        "on_the_spot": False,
        "is_overdue": False,
        "feedback_note": "",
        "version": 1,
        "holder_kind": "",
    }

    def _copy(self, values: list[dict], now) -> list[Case]:
        """COPY the cases in; the disputes come back (id and territory) for their mediations."""
        columns = [*self.COPIED, *self.CONSTANT, "created_at"]
        constant = (*self.CONSTANT.values(), now)
        table = Case._meta.db_table
        with connection.cursor() as cursor:
            raw = cursor.cursor
            with raw.copy(f'COPY "{table}" ({", ".join(columns)}) FROM STDIN') as copy:
                for v in values:
                    copy.write_row((*(v[c] for c in self.COPIED), *constant))
            numbers = [v["number"] for v in values if v["kind"] == "dispute"]
        return list(
            Case.objects.filter(number__in=numbers).only("pk", "street_id", "community_id", "reported_at")
        )

    def _grain_sizes(self) -> None:
        """Rows a summary table would have at each candidate grain (distinct day × columns)."""
        candidates = [
            ("day × street", ["street_id"]),
            ("day × community", ["community_id"]),
            ("day × community × category × kind", ["community_id", "category_id", "kind"]),
            ("day × grid", ["grid_id"]),
            (
                "day × every dimension",
                ["grid_id", "category_id", "kind", "level", "source", "triage", "assignee_worker_id"],
            ),
        ]
        cases = Case.objects.filter(street__district_code=DISTRICT)
        day = TruncDate("reported_at", tzinfo=timezone.get_default_timezone())
        total = cases.count()
        self.stdout.write(f"{'candidate grain':<52}{'rows':>12}{'cases per row':>15}")
        for label, columns in candidates:
            rows = cases.annotate(day=day).values("day", *columns).distinct().count()
            self.stdout.write(f"{label:<52}{rows:>12,}{total / max(rows, 1):>15.1f}")

    @staticmethod
    def _case(rng, n, total, grid, category, now, span, user, prefix) -> dict:
        # Cases are stored in the order they are reported, as they are in service, so one
        # year of them lies in about one year's share of the table's pages.
        reported_at = now - timedelta(seconds=span * (1 - (n + rng.random()) / total))
        limit = timedelta(hours=category.time_limit_hours)
        roll = rng.random()
        status = (
            "closed"
            if roll < 0.86
            else "rejected"
            if roll < 0.89
            else rng.choice(["reported", "accepted", "assigned", "in_progress", "resolved"])
        )
        if now - reported_at < limit * 2 and status == "closed" and rng.random() < 0.5:
            status = "in_progress"  # recent cases are more often still open
        closed_at = reported_at + limit * rng.uniform(0.05, 1.3) if status == "closed" else None
        dispute = rng.random() < MEDIATION_SHARE
        return dict(  # noqa: C408 (the model's field names, as keywords)
            number=f"{prefix[grid.community.street_id]}-{n:09d}",
            kind="dispute" if dispute else rng.choice(["incident", "incident", "city_management"]),
            category_id=category.pk,
            street_id=grid.community.street_id,
            community_id=grid.community_id,
            grid_id=grid.pk,
            source=rng.choice(["patrol", "resident", "hotline_12345", "wechat_group", "video"]),
            triage=rng.choice(["big", "small", "small", "private"]),
            level=rng.choice(["grid", "grid", "grid", "community", "street", "district"]),
            title="压测事件：楼道堆放杂物",
            description=DESCRIPTION,
            address=f"压测区压测街道滨江路{n % 300 + 1}号{n % 12 + 1}栋",
            result=RESULT if status == "closed" else "",
            reporter_id=user.pk,
            status=status,
            reported_at=reported_at,
            accepted_at=reported_at + timedelta(minutes=30)
            if status not in {"reported", "rejected"}
            else None,
            rejected_at=reported_at + timedelta(hours=1) if status == "rejected" else None,
            closed_at=closed_at,
            due_at=reported_at + limit,
            rework_count=1 if status == "closed" and rng.random() < 0.04 else 0,
            escalation_count=1 if rng.random() < 0.08 else 0,
            satisfaction=(
                rng.choice(["satisfied", "satisfied", "basically_satisfied", "dissatisfied"])
                if status == "closed" and rng.random() < 0.6
                else ""
            ),
        )

    @staticmethod
    def _mediations(rng, disputes, mediators, rooms, user):
        mediations = MediationCase.objects.bulk_create(
            MediationCase(
                case=case,
                street_id=case.street_id,
                community_id=case.community_id,
                level=rng.choice(["grid", "community", "street"]),
                dispute_type=rng.choice(
                    ["neighbourhood", "marriage_family", "property_management", "labour"]
                ),
                lead_mediator=mediators[case.street_id],
                room=rooms[case.street_id] if rng.random() < 0.7 else None,
                status=rng.choice(
                    ["registered", "mediating", "agreed", "agreed", "agreed", "failed", "withdrawn"]
                ),
                registered_by=user,
                registered_at=case.reported_at + timedelta(hours=2),
            )
            for case in disputes
        )
        agreed = [m for m in mediations if m.status == "agreed"]
        Agreement.objects.bulk_create(
            Agreement(
                mediation=m,
                form="written" if rng.random() < 0.8 else "oral",
                content="压测协议",
                signed_on=m.registered_at.date(),
            )
            for m in agreed
        )
        FollowUp.objects.bulk_create(
            FollowUp(
                mediation=m,
                visited_on=m.registered_at.date() + timedelta(days=30),
                by=user,
                performance=rng.choice(["fulfilled", "fulfilled", "partly", "not"]),
            )
            for m in agreed
            if rng.random() < 0.7
        )

    # --- timing ------------------------------------------------------------------------------

    def _time_reports(self, repeat: int):
        today = timezone.localdate()
        year = ReportFilters(date_from=today - timedelta(days=364), date_to=today)
        viewer = Scope(role=Role.DISTRICT_VIEWER, district_code=DISTRICT)
        first_street = Street.objects.filter(district_code=DISTRICT).order_by("code").first()
        admin = Scope(role=Role.STREET_ADMIN, street_id=first_street.pk)
        superuser = Scope(role=SUPERUSER)
        counted = Case.objects.filter(street__district_code=DISTRICT).count()
        in_year = Case.objects.filter(
            street__district_code=DISTRICT, reported_at__date__gte=year.date_from
        ).count()
        self.stdout.write(
            f"Bench district holds {counted:,} cases, {in_year:,} of them reported in the year "
            f"{year.date_from}–{year.date_to}."
        )
        self._header("report (selector, district viewer unless said)")
        runs = [
            (f"resolution by {name}, one year", resolution_report, viewer, name, year)
            for name in RESOLUTION_DIMENSIONS
        ]
        runs += [
            ("resolution by street, all time", resolution_report, viewer, "street", ReportFilters()),
            ("resolution by street, one year, superuser", resolution_report, superuser, "street", year),
            ("resolution by community, one year, street admin", resolution_report, admin, "community", year),
        ]
        runs += [
            (f"mediation by {name}, one year", mediation_report, viewer, name, year)
            for name in MEDIATION_DIMENSIONS
        ]
        for label, report, scope, group_by, filters in runs:
            if report is resolution_report:
                served = rollup.grain_for(scope, group_by, filters) is not None
            else:
                served = mediation_rollup.serves(scope, group_by, filters)
            self._time(
                label,
                repeat,
                lambda r=report, s=scope, g=group_by, f=filters: self._rows(r, s, g, f),
                side_by_side=served,
            )
        self._time_api(repeat, year)

    @staticmethod
    def _rows(report, scope, group_by, filters) -> int:
        return len(report(scope=scope, group_by=group_by, filters=filters)["rows"])

    def _time_api(self, repeat: int, year: ReportFilters):
        """The whole request of a district viewer's browser: token, scope, checks, JSON or a file."""
        client, headers = self._api_client()
        period = {"from": year.date_from.isoformat(), "to": year.date_to.isoformat()}
        requests = [
            ("GET resolution by street, one year", "v1:report-resolution", {"group_by": "street", **period}),
            ("GET resolution by month, one year", "v1:report-resolution", {"group_by": "month", **period}),
            (
                "GET resolution by community, one year, xlsx",
                "v1:report-resolution",
                {"group_by": "community", "format": "xlsx", **period},
            ),
            ("GET mediation by street, one year", "v1:report-mediation", {"group_by": "street", **period}),
        ]
        self._header("request (through the API)")
        for label, name, params in requests:
            url = reverse(name)
            self._time(
                label,
                repeat,
                lambda u=url, p=params, n=label: self._get(client, headers, u, p, n),
                side_by_side=True,  # every one of these reads a summary table
            )

    def _time_dashboard(self, repeat: int):
        """The dashboard as a district viewer's browser first loads it: the page, then the
        requests its script sends (`reports/static/reports/dashboard.js`, `refresh`), one after
        another (a browser sends them together, so their sum is what one would wait at most)."""
        client = self._staff_client()
        last_month = timezone.localdate().replace(day=1)
        requests = [
            ("page", reverse("admin:reports_dashboard"), {}),
            ("resolution by community", reverse("v1:report-resolution"), {"group_by": "community"}),
            ("resolution by month", reverse("v1:report-resolution"), {"group_by": "month"}),
            ("resolution by category", reverse("v1:report-resolution"), {"group_by": "category"}),
            ("mediation by street", reverse("v1:report-mediation"), {"group_by": "street"}),
            ("resolution by grid (the map)", reverse("v1:report-resolution"), {"group_by": "grid"}),
            ("grids' boundaries (the map)", reverse("v1:geo-grids"), {}),
            ("ranking of grids, last month", reverse("v1:report-rankings"), {"date": last_month.isoformat()}),
        ]
        self._header("the dashboard's first load, whole history")
        best_total = first_total = 0.0
        for label, url, params in requests:
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                response = client.get(url, params)
                times.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    raise CommandError(f"dashboard, {label}: HTTP {response.status_code}")
            best_total += min(times)
            first_total += times[0]
            self.stdout.write(f"  {label:<50}{min(times):>9.1f}{times[0]:>10.1f}")
        self.stdout.write(f"  {'all of them, one after another':<50}{best_total:>9.1f}{first_total:>10.1f}")

    def _staff_client(self) -> Client:
        """The bench's district viewer, signed in to the admin (the dashboard is a staff page)."""
        User = get_user_model()
        user, _ = User.objects.get_or_create(username=BENCH_VIEWER)
        user.is_staff = True
        user.save()
        UserScope.objects.update_or_create(
            user=user, defaults={"role": UserScope.Role.DISTRICT_VIEWER, "district_code": DISTRICT}
        )
        hosts = [h for h in settings.ALLOWED_HOSTS if h not in ("*", "") and not h.startswith(".")]
        client = Client(HTTP_HOST=hosts[0] if hosts else "localhost")
        client.force_login(user)
        return client

    @staticmethod
    def _get(client: Client, headers: dict, url: str, params: dict, label: str) -> int:
        response = client.get(url, params, **headers)
        if response.status_code != 200:
            raise CommandError(f"{label}: HTTP {response.status_code}")
        return len(response.json()["rows"]) if params.get("format") is None else 0

    def _api_client(self) -> tuple[Client, dict]:
        User = get_user_model()
        user, _ = User.objects.get_or_create(username=BENCH_VIEWER)
        user.set_unusable_password()
        user.save()
        UserScope.objects.update_or_create(
            user=user, defaults={"role": UserScope.Role.DISTRICT_VIEWER, "district_code": DISTRICT}
        )
        token = token_create(user=user, device="bench_reports").token
        hosts = [h for h in settings.ALLOWED_HOSTS if h not in ("*", "") and not h.startswith(".")]
        host = hosts[0] if hosts else "localhost"
        return Client(HTTP_HOST=host), {"HTTP_AUTHORIZATION": f"Token {token}"}

    def _header(self, title: str):
        self.stdout.write(
            f"{title:<52}{'best ms':>9}{'first ms':>10}{'queries':>9}{'rows':>6}"
            f"{'raw ms':>9}{'raw/rollup':>12}"
        )

    def _time(self, label: str, repeat: int, run, *, side_by_side: bool = False) -> None:
        """Best and first of `repeat` runs; with `side_by_side`, the same from the cases too
        (the report's raw path), timed in turn with the summary tables, and their ratio."""
        times, raw_times = [], []
        for _ in range(repeat):
            queries = []
            # Counted by a wrapper: a request through the test client clears `connection.queries`.
            with connection.execute_wrapper(lambda execute, *a, q=queries: q.append(1) or execute(*a)):
                started = time.perf_counter()
                rows = run()
                times.append((time.perf_counter() - started) * 1000)
            if side_by_side:
                with override_settings(REPORTS_FROM_ROLLUP=False):
                    started = time.perf_counter()
                    run()
                    raw_times.append((time.perf_counter() - started) * 1000)
        line = f"{label:<52}{min(times):>9.1f}{times[0]:>10.1f}{len(queries):>9}{rows:>6}"
        if raw_times:
            line += f"{min(raw_times):>9.1f}{min(raw_times) / max(min(times), 0.001):>11.1f}×"
        self.stdout.write(line)

    # --- creating ----------------------------------------------------------------------------

    def _time_creates(self, per_round: int, rounds: int) -> None:
        """Cases created through the service by a street admin, with the summary tables kept
        in each step's transaction and without, in alternating rounds (the machine's load
        changes during a run; alternating spreads it over both)."""
        street = Street.objects.filter(district_code=DISTRICT).order_by("code").first()
        grids = list(Grid.objects.filter(community__street=street))
        categories = list(Category.objects.filter(is_active=True))
        admin, _ = get_user_model().objects.get_or_create(username=BENCH_ADMIN)
        UserScope.objects.update_or_create(
            user=admin, defaults={"role": UserScope.Role.STREET_ADMIN, "street": street}
        )
        rng = random.Random(11)
        elapsed = {True: 0.0, False: 0.0}
        made = {True: 0, False: 0}
        upkeep = [0.0]  # seconds spent in the tables' maintenance itself

        def timed_observer(case, first):
            then = rollup.observe_case(case, first)

            def after(case):
                started = time.perf_counter()
                then(case)
                upkeep[0] += time.perf_counter() - started

            return after

        # In-process task runs (one machine, no broker) would log a line per step.
        logging.getLogger("celery.app.trace").setLevel(logging.WARNING)
        CASE_HISTORY.unobserve(rollup.observe_case)
        for n in range(rounds * 2):
            maintained = n % 2 == 0
            if maintained:
                CASE_HISTORY.observe(timed_observer)
            try:
                started = time.perf_counter()
                for _ in range(per_round):
                    case_services.case_create(
                        actor=admin,
                        grid=rng.choice(grids),
                        category=rng.choice(categories),
                        title="压测新建事件",
                    )
                elapsed[maintained] += time.perf_counter() - started
                made[maintained] += per_round
            finally:
                CASE_HISTORY.unobserve(timed_observer)
        CASE_HISTORY.observe(rollup.observe_case)
        with_rollup = made[True] / elapsed[True]
        without = made[False] / elapsed[False]
        own = 1000 * upkeep[0] / made[True]
        self.stdout.write(f"{'create through the service':<52}{'cases/s':>9}{'ms each':>10}")
        label = "  with the summary tables kept in the step"
        self.stdout.write(f"{label:<52}{with_rollup:>9.1f}{1000 / with_rollup:>10.2f}")
        self.stdout.write(f"{'  without':<52}{without:>9.1f}{1000 / without:>10.2f}")
        self.stdout.write(
            f"Maintenance: {100 * (1 - with_rollup / without):.1f} % of create throughput by the rounds; "
            f"its own time {own:.2f} ms a create, {100 * own * without / 1000:.1f} % of a create without it."
        )
        # The created cases were counted by their steps; those of the rounds without were not.
        rollup.rebuild()

    # --- cleaning up -------------------------------------------------------------------------

    def _remove(self):
        """Delete the bench rows with plain DELETEs: the ORM would load a million cases first."""
        get_user_model().objects.filter(username=BENCH_VIEWER).delete()  # its scope and token too
        UserScope.objects.filter(user__username=BENCH_ADMIN).delete()
        streets = list(Street.objects.filter(district_code=DISTRICT).values_list("pk", flat=True))
        if not streets:
            return
        ids = ", ".join(str(pk) for pk in streets)
        admin = (
            get_user_model().objects.filter(username=BENCH_ADMIN).values_list("pk", flat=True).first() or 0
        )
        mediation = MediationCase._meta.db_table
        in_bench = f'(SELECT id FROM "{mediation}" WHERE street_id IN ({ids}))'
        statements = [
            f'DELETE FROM "{FollowUp._meta.db_table}" WHERE mediation_id IN {in_bench}',
            f'DELETE FROM "{Agreement._meta.db_table}" WHERE mediation_id IN {in_bench}',
            f'DELETE FROM "{MediationCase.assisting_mediators.through._meta.db_table}" '
            f"WHERE mediationcase_id IN {in_bench}",
            f'DELETE FROM "{mediation}" WHERE street_id IN ({ids})',
            # The steps of the cases the bench created through the service (their outbox events
            # stay: they name a case by its id only, as they would after an archive).
            f'DELETE FROM "{CaseEvent._meta.db_table}" WHERE case_id IN '
            f'(SELECT id FROM "{Case._meta.db_table}" WHERE street_id IN ({ids}) AND reporter_id = {admin})',
            f'DELETE FROM "{Case._meta.db_table}" WHERE street_id IN ({ids})',
        ]
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
            Mediator.objects.filter(street_id__in=streets).delete()
            MediationRoom.objects.filter(street_id__in=streets).delete()
            Grid.objects.filter(community__street_id__in=streets).delete()
            Community.objects.filter(street_id__in=streets).delete()
            Street.objects.filter(pk__in=streets).delete()
        get_user_model().objects.filter(username=BENCH_ADMIN).delete()
        Category.objects.filter(major__code=BENCH_MAJOR, cases__isnull=True).delete()
        MajorCategory.objects.filter(code=BENCH_MAJOR, categories__isnull=True).delete()
