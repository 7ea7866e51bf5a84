"""A throwaway database for a benchmark that serves requests from other processes (gunicorn,
a Celery worker): created and migrated like a test database, named after the bench, and
dropped at the end, so a bench never touches the data of the database it is pointed at."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from django.db import connection


class BenchDatabase:
    """`<database>_bench_<name>` (a temporary file on SQLite), migrated, and dropped afterwards."""

    def __init__(self, name: str):
        self.name = name

    def __enter__(self):
        self.old_name = connection.settings_dict["NAME"]
        test = connection.settings_dict.setdefault("TEST", {})
        if connection.vendor == "sqlite":
            file = f"gridgov-bench-{self.name}-{os.getpid()}.sqlite3"
            test["NAME"] = str(Path(tempfile.gettempdir()) / file)
        else:
            test["NAME"] = f"{self.old_name}_bench_{self.name}"
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        return self

    def url(self) -> str:
        """The database's URL, for the processes the bench starts (`DATABASE_URL`)."""
        s = connection.settings_dict
        if connection.vendor == "sqlite":
            return f"sqlite:///{s['NAME']}"
        password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
        return f"postgres://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"

    def __exit__(self, *exc):
        connection.creation.destroy_test_db(self.old_name, verbosity=0)
