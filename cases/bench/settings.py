"""The service's settings plus the bench's baseline views; only `bench_api` starts a server with them."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "cases.bench.urls"
