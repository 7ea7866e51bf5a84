"""The Celery application: `celery -A config worker` and `celery -A config beat`.

Its settings are the `CELERY_*` ones of `config.settings`; the tasks are each app's
`tasks.py`. Without `CELERY_BROKER_URL` tasks run eagerly, in the process that queues them
(single-machine mode, README "Background work").
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("gridgov")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
