"""gunicorn's logs: access lines masked like the application's log, every line in +08:00.

(config/gunicorn.conf.py and config/gunicorn_logging.py)
"""

import datetime
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from gunicorn.config import Config

from config.gunicorn_logging import ScrubbingLogger

ROOT = Path(__file__).resolve().parents[2]
PHONE, ID_NUMBER = "13812345678", "110101199003074514"
# A search for a resident, as a phone sends it: 王 13812345678, and an ID number.
QUERY = f"search=%E7%8E%8B%20{PHONE}&id_number={ID_NUMBER}"


def logger() -> ScrubbingLogger:
    cfg = Config()
    cfg.set("accesslog", "-")
    return ScrubbingLogger(cfg)


def test_every_value_an_access_line_may_show_is_masked():
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/api/v1/members/{PHONE}/?{QUERY}",
        "PATH_INFO": f"/api/v1/members/{PHONE}/",
        "QUERY_STRING": QUERY,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": f"https://gov.example.cn/cases/?contact_phone={PHONE}",
        "HTTP_USER_AGENT": "GridApp/2.1",
    }
    request = SimpleNamespace(headers=[("X-CONTACT", f"{PHONE}")])
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    atoms = logger().atoms(response, request, environ, datetime.timedelta(milliseconds=12))
    assert atoms["r"] == (
        "GET /api/v1/members/138****5678/?search=%E7%8E%8B%20138****5678"
        "&id_number=110***********4514 HTTP/1.1"
    )
    assert atoms["U"] == "/api/v1/members/138****5678/"
    assert atoms["q"] == "search=%E7%8E%8B%20138****5678&id_number=110***********4514"
    assert atoms["f"] == "https://gov.example.cn/cases/?contact_phone=138****5678"
    assert atoms["{x-contact}i"] == "138****5678"
    assert not [key for key, value in atoms.items() if PHONE in str(value) or ID_NUMBER in str(value)]
    assert (atoms["s"], atoms["M"], atoms["a"]) == ("200", 12, "GridApp/2.1")


def test_the_configured_zone_is_the_services():
    text = (ROOT / "config" / "gunicorn.conf.py").read_text()
    assert f'os.environ["TZ"] = "{settings.TIME_ZONE}"' in text


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def served(tmp_path):
    """gunicorn started as `make run` starts it, on a free port, on a machine in UTC."""
    port = _free_port()
    log = tmp_path / "gunicorn.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    env.update(TZ="UTC", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", CACHE_URL="locmemcache://")
    gunicorn = Path(sys.executable).with_name("gunicorn")
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(gunicorn), "-c", "config/gunicorn.conf.py", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield f"http://127.0.0.1:{port}", process, log
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _wait_until_up(base: str, process) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, "gunicorn exited"
        try:
            _get(f"{base}/admin/login/")
            return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    pytest.fail("gunicorn did not answer within a minute")


def test_a_served_request_is_logged_masked_and_every_line_in_shanghai_time(served):
    base, process, log = served
    _wait_until_up(base, process)

    assert _get(f"{base}/api/v1/members/?{QUERY}") == 401

    process.send_signal(signal.SIGTERM)
    process.wait(timeout=20)
    text = log.read_text()
    access = [line for line in text.splitlines() if '"GET /api/v1/members/' in line]
    assert len(access) == 1, text
    assert 'search=%E7%8E%8B%20138****5678&id_number=110***********4514 HTTP/1.1" 401' in access[0]
    assert PHONE not in text and ID_NUMBER not in text
    # gunicorn's own lines and the access lines: one zone, the service's.
    own = re.findall(r"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ([+-]\d{4})\] \[\d+\] \[INFO\]", text, re.MULTILINE)
    stamps = re.findall(r"\[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d ([+-]\d{4})\]", text)
    assert "Starting gunicorn" in text and len(own) >= 3 and stamps
    assert set(own) | set(stamps) == {"+0800"}
