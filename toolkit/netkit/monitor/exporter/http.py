"""The /metrics endpoint: a small threaded HTTP server beside the asyncio service.

It runs in its own thread so a scrape never queues behind the event loop's SNMP decoding; it only reads
the cache. Binding anywhere but loopback is the operator's explicit choice (`--listen`).
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client.registry import Collector

from netkit.errors import InputError
from netkit.monitor.exporter.cache import MonitorCache
from netkit.monitor.exporter.families import render_metrics
from netkit.monitor.exporter.webconfig import WebConfig

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def parse_listen(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise InputError(f"--listen {text!r}: give HOST:PORT, e.g. 127.0.0.1:9430")
    return (host.strip("[]") or "127.0.0.1", int(port))


class MetricsServer:
    def __init__(self, cache: MonitorCache, collectors: list[Collector], listen: tuple[str, int],
                 web: WebConfig | None = None) -> None:
        self.cache = cache
        self.collectors = collectors
        server = self

        class Handler(BaseHTTPRequestHandler):
            timeout = 30  # a client that connects and says nothing does not hold a thread forever

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                if web is not None and not web.authorized(self.headers.get("Authorization")):
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", 'Basic realm="netkit"')
                    self.send_header("Content-Length", "13")
                    self.end_headers()
                    self.wfile.write(b"Unauthorized\n")
                elif path == "/metrics":
                    body = server.scrape()
                    self._send(200, CONTENT_TYPE, body)
                elif path in ("/", "/healthz"):
                    self._send(200, "text/plain; charset=utf-8",
                               b"netkit exporter: metrics at /metrics\n")
                else:
                    self._send(404, "text/plain; charset=utf-8", b"not found\n")

            def _send(self, code: int, ctype: str, body: bytes) -> None:
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: Prometheus scrapes every few seconds."""

        try:
            self.httpd = ThreadingHTTPServer(listen, Handler)
        except OSError as e:
            raise InputError(f"cannot listen on {listen[0]}:{listen[1]}: {e.strerror or e}") from e
        if web is not None and (ctx := web.ssl_context()) is not None:
            # The handshake happens in the handler's thread, so a silent client never blocks accept().
            self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True, do_handshake_on_connect=False)
            self.httpd.handle_error = lambda request, client_address: None  # type: ignore[method-assign]  # handshake noise
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="netkit-metrics", daemon=True)

    @property
    def address(self) -> tuple[str, int]:
        host, port = self.httpd.server_address[:2]
        return (str(host), int(port))

    def scrape(self) -> bytes:
        started = time.perf_counter()
        body = render_metrics(self.collectors)
        self.cache.last_scrape_duration = time.perf_counter() - started
        return body

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
