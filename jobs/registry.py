"""The kinds of background job, registered by the apps that do the work (from `ready()`).

A kind checks its parameters when the job is asked for, as the synchronous request would
(role 403, territory 404, bad parameter 400), so that a job that is accepted can run; then
`run` does the work in a worker, reporting its progress, and returns the file it made.
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


@dataclass(frozen=True)
class JobKind:
    name: str
    label: Any
    # check(user, params) -> the parameters to store; raises the domain's or DRF's errors.
    check: Callable[[Any, dict], dict]
    # run(user, params, progress) -> JobFile; progress(percent) records how far it is.
    run: Callable[[Any, dict, Callable[[int], None]], JobFile]


KINDS: dict[str, JobKind] = {}


def register(kind: JobKind) -> None:
    KINDS[kind.name] = kind
