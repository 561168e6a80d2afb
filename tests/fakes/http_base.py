"""A loopback HTTP server on a random port, run in a thread: the base of the fake provider APIs."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class LoopbackServer:
    """Start with `start()`, stop with `stop()`; `url` is http://127.0.0.1:<port>."""

    handler_class: type[BaseHTTPRequestHandler]

    def __init__(self):
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self.handler_class)
        self._server.daemon_threads = True
        self._server.fake = self  # handlers reach the fake's state through self.server.fake
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=type(self).__name__,
                                        daemon=True)
        self.lock = threading.Lock()
        self.release = threading.Event()  # set at stop: frees handlers told to hang

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self):
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class QuietHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go in two writes: avoid the 40 ms delayed-ACK stall

    def log_message(self, format, *args):  # noqa: A002  (keep pytest output clean)
        pass

    def read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def respond(self, status: int, body: bytes, content_type: str = "application/json",
                headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, str(value))
        self.end_headers()
        self.wfile.write(body)
