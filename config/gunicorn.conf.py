"""gunicorn's settings: `gunicorn -c config/gunicorn.conf.py config.wsgi:application`.

The address and the number of workers come from the command line (`--bind`, `--workers`, as
`make run` passes them) or gunicorn's defaults (127.0.0.1:8000; WEB_CONCURRENCY, else 1).
Logs go to standard output, masked of personal data.
"""

import os
import time

# The service's own zone (settings.TIME_ZONE). Django sets it in each worker once the
# application loads; set here, in the master, gunicorn's own lines (start-up, worker boots)
# carry the same +0800 offset as the access lines, instead of the machine's UTC.
os.environ["TZ"] = "Asia/Shanghai"
time.tzset()

wsgi_app = "config.wsgi:application"

logger_class = "config.gunicorn_logging.ScrubbingLogger"
accesslog = "-"
errorlog = "-"
# Remote address, local time, request line (path and query, masked), status, bytes, duration.
access_log_format = '%(h)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms'

# gunicorn's runtime control socket is not used; left on, every instance on the machine would
# claim the same default path.
control_socket_disable = True
