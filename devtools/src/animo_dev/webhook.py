"""A local webhook receiver for the demo: checks the publisher's signature and counts what arrives."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def valid_signature(
    secret: str, timestamp: str, body: bytes, signature: str, tolerance: float = 300
) -> bool:
    """What a brand-side receiver does: recompute the HMAC and refuse stale timestamps (replays)."""
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > tolerance:
        return False
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return hmac.compare_digest("sha256=" + expected.hexdigest(), signature)


class DemoWebhook:
    def __init__(self, port: int) -> None:
        self.secret = secrets.token_urlsafe(24)
        self.received: list[bytes] = []
        self.rejected = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                ok = valid_signature(
                    owner.secret,
                    self.headers.get("x-animo-timestamp", ""),
                    body,
                    self.headers.get("x-animo-signature", ""),
                )
                if ok:
                    owner.received.append(body)
                else:
                    owner.rejected += 1
                self.send_response(200 if ok else 401)
                self.send_header("x-external-id", f"demo-{len(owner.received)}")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hook"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
