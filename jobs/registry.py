"""The kinds of background job, registered by the apps that do the work (from `ready()`).

A kind checks its parameters when the job is asked for, as the synchronous request would
(role 403, territory 404, bad parameter 400), so that a job that is accepted can run; then
`run` does the work in a worker, reporting its progress, and returns the file it made. A kind
that `takes_file` (an import) is given the uploaded file's content as `source`; the upload is
deleted once the job has run, whatever its end, since it may hold residents' personal data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class JobFile:
    content: bytes
    name: str
    content_type: str
    # What the job's answer shows beside the download (an import's counts and bad rows).
    summary: dict | None = None


@dataclass(frozen=True)
class JobKind:
    name: str
    label: Any
    # check(user, params) -> the parameters to store; raises the domain's or DRF's errors.
    check: Callable[[Any, dict], dict]
    # run(user, params, progress[, source=bytes]) -> JobFile; progress(percent) records how far.
    run: Callable[..., JobFile]
    takes_file: bool = False
    # check_file(name, size): raises InvalidInput("file", …) for a file the kind cannot read.
    check_file: Callable[[str, int], None] | None = None


KINDS: dict[str, JobKind] = {}


def register(kind: JobKind) -> None:
    KINDS[kind.name] = kind
