from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Load the case API's create and list through gunicorn, side by side with raw baselines "
        "(raw SQL inserts; .values() as JSON), on a throwaway database; print req/s, p50 and ratios."
    )

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=20_000, help="Cases in the bench street.")
        parser.add_argument("--sizes", default="50,200", help="Page sizes of the list, comma-separated.")
        parser.add_argument("--seconds", type=float, default=10, help="Load per side and round.")
        parser.add_argument(
            "--rounds", type=int, default=2, help="Rounds, alternating which side goes first."
        )
        parser.add_argument("--concurrency", type=int, default=4, help="Client threads.")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn workers.")
        parser.add_argument(
            "--conn-max-age", type=int, default=60, help="DATABASE_CONN_MAX_AGE of the server."
        )
        parser.add_argument(
            "--broker",
            default="",
            help="A broker URL: the server hands notifications to a queue of the run's own "
            "(deleted at the end) instead of routing them itself after each commit.",
        )

    def handle(self, *args, **options):
        from cases.bench.run import bench

        try:
            sizes = [int(size) for size in options["sizes"].split(",") if size.strip()]
        except ValueError:
            raise CommandError("--sizes: page sizes as whole numbers, comma-separated.") from None
        bench(
            cases=options["cases"],
            sizes=sizes,
            seconds=options["seconds"],
            rounds=options["rounds"],
            concurrency=options["concurrency"],
            workers=options["workers"],
            conn_max_age=options["conn_max_age"],
            broker_url=options["broker"],
            out=self.stdout.write,
        )
