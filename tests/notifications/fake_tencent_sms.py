"""A local stand-in for Tencent Cloud's SMS API (`SendSms`, version 2021-01-11).

It checks each request's TC3-HMAC-SHA256 signature as Tencent Cloud's API documentation
describes it (canonical request, string to sign, the key derived from "TC3" + secret key,
date, service and "tc3_request"), records what was asked, and answers in the API's shape:
`{"Response": {"SendStatusSet": [...], "RequestId": ...}}`, or an `Error` the test scripts.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def expected_signature(secret_key: str, headers, body: bytes) -> str:
    scope_date = headers["Authorization"].split("Credential=")[1].split("/")[1]
    canonical = "\n".join(
        [
            "POST",
            "/",
            "",
            f"content-type:{headers['Content-Type']}\nhost:{headers['Host']}\n",
            "content-type;host",
            hashlib.sha256(body).hexdigest(),
        ]
    )
    to_sign = "\n".join(
        [
            "TC3-HMAC-SHA256",
            headers["X-TC-Timestamp"],
            f"{scope_date}/sms/tc3_request",
            hashlib.sha256(canonical.encode()).hexdigest(),
        ]
    )
    key = _hmac(_hmac(_hmac(("TC3" + secret_key).encode(), scope_date), "sms"), "tc3_request")
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


class FakeTencentSms:
    def __init__(self, secret_key: str):
        self.secret_key = secret_key
        self.requests: list[dict] = []
        self.errors: list[str] = []  # error codes to answer, in turn
        fake = self

        class Handler(BaseHTTPRequestHandler):
            disable_nagle_algorithm = True  # headers and body in two writes: no 40 ms delayed ACK

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                signature = self.headers.get("Authorization", "").rsplit("Signature=", 1)[-1]
                valid = signature == expected_signature(fake.secret_key, self.headers, body)
                request = json.loads(body)
                fake.requests.append(
                    {"action": self.headers.get("X-TC-Action"), "signed": valid, "body": request}
                )
                if not valid:
                    answer = {"Error": {"Code": "AuthFailure.SignatureFailure", "Message": "bad signature"}}
                elif fake.errors:
                    code = fake.errors.pop(0)
                    answer = {"Error": {"Code": code, "Message": code}}
                else:
                    answer = {
                        "SendStatusSet": [
                            {
                                "SerialNo": "2640:1",
                                "PhoneNumber": phone,
                                "Fee": 1,
                                "Code": "Ok",
                                "Message": "send success",
                            }
                            for phone in request.get("PhoneNumberSet", [])
                        ]
                    }
                payload = json.dumps({"Response": {**answer, "RequestId": "req-1"}}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        host, port = self.server.server_address[:2]
        return f"{host}:{port}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
