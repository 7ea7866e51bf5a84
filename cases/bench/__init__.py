"""`manage.py bench_api`: the case API's create and list against raw baselines, side by side.

The baselines are minimal Django views served by the same gunicorn workers, through the same
middleware, but never part of the product: `cases.bench.settings` adds their URLs
(`cases.bench.urls`) to the service's, and only the bench starts a server with it.
"""
