"""A JSON exchange-rate service on loopback for the tests: it answers what a test sets and counts requests."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class RateService:
    """A JSON rate service on 127.0.0.1 that counts requests and answers what a test sets."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.body: bytes = b"{}"
        self.status = 200
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                service.requests.append(self.path)
                self.send_response(service.status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(service.body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def answer(self, document: Any, status: int = 200) -> None:
        self.body = json.dumps(document).encode() if not isinstance(document, bytes) else document
        self.status = status
