"""Status rows from samples, maintenance windows, the lab-address guard, TCP/HTTP probes on loopback."""

from __future__ import annotations

import asyncio
import threading
import time as clock
from datetime import UTC, datetime, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from netkit.inventory.models import MaintenanceWindow
from netkit.monitor.exporter.maintenance import window_open
from netkit.monitor.exporter.probes import IcmpSettings, http_probe, icmp_probe, tcp_probe
from netkit.monitor.exporter.safety import may_send, route_check
from netkit.monitor.exporter.status import samples_from_text, site_statuses

METRICS = """
netkit_site_info{site="a",ministry="m",province="P",name="Site A",ministry_name="M"} 1
netkit_site_maintenance{site="a",ministry="m",province="P"} 0
netkit_device_up{device="a-r1",site="a",ministry="m",province="P",role="site-router"} 1
netkit_probe_success{site="a",ministry="m",province="P",target="gw",kind="icmp"} 1
netkit_probe_loss_ratio{site="a",ministry="m",province="P",target="gw",kind="icmp"} 0.2
netkit_probe_rtt_avg_seconds{site="a",ministry="m",province="P",target="gw",kind="icmp"} 0.01
netkit_mou_loss_ratio{site="a",ministry="m",province="P",target="gw",kind="icmp"} 0.01
netkit_mou_latency_seconds{site="a",ministry="m",province="P",target="gw",kind="icmp"} 0.05
netkit_device_up{device="b-r1",site="b",ministry="m",province="P",role="site-router"} 0
netkit_site_maintenance{site="b",ministry="m",province="P"} 1
netkit_probe_success{site="b",ministry="m",province="P",target="gw",kind="icmp"} 0
"""


def test_site_statuses_compare_measurements_with_the_agreement() -> None:
    sites = {s.site: s for s in site_statuses(samples_from_text(METRICS))}
    a, b = sites["a"], sites["b"]
    assert a.name == "Site A" and a.state == "degraded"
    assert a.targets[0].problems == ["loss 20.0% > 1.0%"]
    assert b.state == "maintenance" and b.devices[0].up is False
    assert [s.site for s in site_statuses(samples_from_text(METRICS), only="b")] == ["b"]


def test_weekly_and_one_off_windows() -> None:
    weekly = MaintenanceWindow(weekday="sun", at=time(23, 0), duration_min=120)
    assert window_open(weekly, datetime(2026, 10, 4, 23, 30, tzinfo=UTC))  # Sunday
    assert window_open(weekly, datetime(2026, 10, 5, 0, 30, tzinfo=UTC))  # past midnight, still open
    assert not window_open(weekly, datetime(2026, 10, 5, 1, 0, tzinfo=UTC))
    once = MaintenanceWindow(start=datetime(2026, 10, 1, 8), end=datetime(2026, 10, 1, 9))
    assert window_open(once, datetime(2026, 10, 1, 8, 59, tzinfo=UTC))
    assert not window_open(once, datetime(2026, 10, 1, 9, 0, tzinfo=UTC))


def test_lab_addresses_need_a_specific_route(tmp_path: Path) -> None:
    table = tmp_path / "route"
    header = "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\tMTU\tWindow\tIRTT\n"
    table.write_text(header + "eth0\t00000000\t0102000C\t0003\t0\t0\t0\t00000000\t0\t0\t0\n")
    assert not may_send("198.18.16.65", table)  # only the default route: it would leave the machine
    assert may_send("127.0.0.1", table) and may_send("10.1.2.3", table)
    # 198.18.16.0/24 via a lab link (little-endian hex as the kernel writes it)
    table.write_text(table.read_text() + "noc0\t001012C6\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n")
    assert may_send("198.18.16.65", table)
    assert not may_send("198.18.17.1", table)
    check = route_check(table)  # one reading of the table for a whole probe cycle
    assert check("198.18.16.65") and not check("198.18.17.1")
    table.write_text(header)  # the lab goes away mid-cycle: the cycle keeps its reading, the next one sees it
    assert check("198.18.16.65") and not may_send("198.18.16.65", table)


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/slow":
            clock.sleep(0.05)  # answers while the test holds the client's event loop
        code = 200 if self.path in ("/health", "/slow") else 503
        self.send_response(code)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_tcp_and_http_probes_on_loopback() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()

    async def run() -> tuple[Any, ...]:
        return (await tcp_probe("127.0.0.1", port), await http_probe(f"http://127.0.0.1:{port}/health"),
                await http_probe(f"http://127.0.0.1:{port}/broken"))
    try:
        tcp, ok, broken = asyncio.run(run())
    finally:
        server.shutdown()
        server.server_close()
    assert tcp.success and tcp.received == 1 and tcp.rtts[0] < 1
    assert ok.success and ok.http_status == 200 and ok.cert_expiry is None
    assert not broken.success and broken.http_status == 503 and broken.loss_ratio == 1.0
    closed = asyncio.run(tcp_probe("127.0.0.1", port, timeout=1))
    assert not closed.success and closed.error


def test_a_busy_event_loop_does_not_count_as_network_time() -> None:
    """The exporter's loop also decodes SNMP answers; replies that wait for it must not look slow.
    Here the loop is held for 0.3 s after each probe has sent and before its answer is read (at once for
    ICMP, whose requests are out before it first yields; after 10 ms for TCP, whose connect starts after a
    few steps of the loop; during the 50 ms the HTTP server takes to answer)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()

    async def blocked(probe: Any, after: float) -> Any:
        async def hog() -> None:
            if after:
                await asyncio.sleep(after)
            clock.sleep(0.3)
        hogging = asyncio.ensure_future(hog())
        result = await probe
        await hogging
        return result

    async def run() -> tuple[Any, ...]:
        return (await blocked(tcp_probe("127.0.0.1", port), 0.01),
                await blocked(http_probe(f"http://127.0.0.1:{port}/slow"), 0.01),
                (await blocked(icmp_probe(["127.0.0.1"], IcmpSettings(count=1)), 0))[0])
    try:
        tcp, http, icmp = asyncio.run(run())
    finally:
        server.shutdown()
        server.server_close()
    assert tcp.success and tcp.rtts[0] < 0.1, tcp
    assert http.success and 0.05 <= http.rtts[0] < 0.2, http
    assert icmp.received == 1 and icmp.rtts[0] < 0.1, icmp


def _self_signed(tmp_path: Path, days: int) -> tuple[Path, Path, float]:
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "verify.lab.gov.example")])
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    not_after = now + dt.timedelta(days=days)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(not_after).sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file, not_after.timestamp()


def test_https_probe_reads_the_certificate_expiry(tmp_path: Path) -> None:
    import ssl

    cert_file, key_file, not_after = _self_signed(tmp_path, days=42)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert_file, key_file)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()

    async def run() -> Any:
        return await http_probe(f"https://127.0.0.1:{port}/health")
    try:
        result = asyncio.run(run())
    finally:
        server.shutdown()
        server.server_close()
    assert result.success and result.http_status == 200
    assert result.cert_expiry == not_after
