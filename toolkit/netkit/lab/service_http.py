"""A service host's HTTP server (the verification platform's stand-in), run inside its namespace.

`python -m netkit.lab.service_http --name verify-svc --address 198.18.0.193 --port 80`
GET /health answers 200 with a small JSON body; GET / names the service; anything else is 404.
"""

from __future__ import annotations

import argparse
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def make_handler(name: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "netkit-lab-service/1"

        def _answer(self, body_wanted: bool) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/health":
                code, ctype, body = 200, "application/json", json.dumps({"status": "ok", "service": name})
            elif path == "/":
                code, ctype, body = 200, "text/plain", f"{name}: netkit lab service host\n"
            else:
                code, ctype, body = 404, "text/plain", "not found\n"
            data = body.encode()
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if body_wanted:
                self.wfile.write(data)

        def do_GET(self) -> None:
            self._answer(True)

        def do_HEAD(self) -> None:
            self._answer(False)

    return Handler


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--name", required=True)
    parser.add_argument("--address", required=True)
    parser.add_argument("--port", type=int, default=80)
    parser.add_argument("--lab", default="", help="the lab's namespace prefix (only to tell labs apart in ps)")
    args = parser.parse_args(argv)
    server = ThreadingHTTPServer((args.address, args.port), make_handler(args.name))
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
