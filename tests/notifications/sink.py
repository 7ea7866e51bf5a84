"""A local webhook sink: an HTTP server on 127.0.0.1 that records every POST and answers
with the statuses a test scripts for it (500 then 200, a 429 with Retry-After …)."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Received:
    path: str
    query: dict
    body: dict
    at: float


@dataclass
class Answer:
    status: int = 200
    body: dict = field(default_factory=lambda: {"errcode": 0, "errmsg": "ok"})
    headers: dict = field(default_factory=dict)
    delay: float = 0.0


class Sink:
    def __init__(self):
        self.received: list[Received] = []
        self.attempts: list[Received] = []
        self.script: dict[str, list[Answer]] = {}
        self._lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            disable_nagle_algorithm = True  # headers and body in two writes: no 40 ms delayed ACK

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                parts = urlsplit(self.path)
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = {"raw": raw.decode("utf-8", "replace")}
                item = Received(parts.path, parse_qs(parts.query), body, time.monotonic())
                answer = sink._next(parts.path)
                if answer.delay:
                    time.sleep(answer.delay)
                with sink._lock:
                    sink.attempts.append(item)
                    # A slow answer stands for one the client gave up waiting for.
                    accepted = 200 <= answer.status < 300 and answer.body.get("errcode", 0) == 0
                    if accepted and not answer.delay:
                        sink.received.append(item)
                payload = json.dumps(answer.body).encode()
                self.send_response(answer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                try:
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the client timed out and left

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _next(self, path: str) -> Answer:
        with self._lock:
            queue = self.script.get(path)
            if queue:
                return queue.pop(0)
        return Answer()

    def answer(self, path: str, *answers: Answer) -> None:
        with self._lock:
            self.script.setdefault(path, []).extend(answers)

    @property
    def base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str, **query) -> str:
        tail = "&".join(f"{k}={v}" for k, v in query.items())
        return f"{self.base}{path}" + (f"?{tail}" if tail else "")

    def at(self, path: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.path == path]

    def wait_for(self, count: int, *, path: str | None = None, timeout: float = 20.0) -> list[Received]:
        """The messages received (at `path`), once there are `count` of them or the time is up."""
        deadline = time.monotonic() + timeout
        while True:
            got = self.at(path) if path else list(self.received)
            if len(got) >= count or time.monotonic() > deadline:
                return got
            time.sleep(0.05)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
