"""gunicorn's logger, scrubbed like the application's log.

An access line holds the request's path, query string, referrer and whatever headers the
format names, all typed by clients: a search for a resident's phone puts it in the path.
Every value is masked before the line is formatted (`grids.privacy.scrub_url`), and the
error log passes through the same filter as the application's (`PersonalDataLogFilter`).
"""

from gunicorn.glogging import Logger

from grids.privacy import PersonalDataLogFilter, scrub_url


class ScrubbingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: scrub_url(value) if isinstance(value, str) else value for key, value in atoms.items()}

    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            if not any(isinstance(f, PersonalDataLogFilter) for f in log.filters):
                log.addFilter(PersonalDataLogFilter())
