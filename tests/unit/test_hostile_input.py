"""Hostile input, property-based (hypothesis): the BER decoder, the column walk, the inventory loader, the
config parsers and every listener netkit runs must answer any input with a result or their own error,
in bounded time, and keep serving. Bounded by `settings` so they run in `make test`."""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import socket
import time
from collections.abc import Sequence
from pathlib import Path

import httpx
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from napalm_frr import parsers as frr_parsers
from napalm_frr.diff import diff_text
from netkit.config.parse import parse
from netkit.errors import InventoryError
from netkit.inventory import DEFAULT_INVENTORY, load_inventory
from netkit.inventory.credentials import Credentials
from netkit.monitor.exporter.cache import MonitorCache
from netkit.monitor.exporter.collectors import collectors_for
from netkit.monitor.exporter.http import MetricsServer
from netkit.monitor.exporter.plan import MonitorPlan
from netkit.monitor.exporter.shard import Shard
from netkit.monitor.exporter.snmp_client import Oid, SnmpError, Value, VarBind, walk_columns
from netkit.monitor.exporter.snmp_fastpdu import MAX_ARCS, _encode_length, decode_varbinds, encode_oid
from netkit.monitor.exporter.webconfig import WebConfig
from netkit.platforms import all_specs
from netkit.provision.secrets_broker import SecretsBroker
from pydantic import SecretStr

FAST = settings(max_examples=150, deadline=1000, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=40, deadline=5000, suppress_health_check=[HealthCheck.too_slow,
                                                                       HealthCheck.function_scoped_fixture])

# ------------------------------------------------------------------ BER
arcs = st.integers(0, 2**32 - 1)
oids = st.builds(lambda a, b, rest: (a, b, *rest), st.integers(0, 2),
                 st.integers(0, 39), st.lists(arcs, max_size=30))
values = st.one_of(
    st.tuples(st.just(0x02), st.integers(-2**63, 2**63 - 1)),
    st.tuples(st.sampled_from([0x41, 0x42, 0x43]), st.integers(0, 2**32 - 1)),
    st.tuples(st.just(0x46), st.integers(0, 2**64 - 1)),
    st.tuples(st.just(0x04), st.text(max_size=200)),
    st.tuples(st.sampled_from([0x05, 0x80, 0x81, 0x82]), st.none()),
)


def _tlv(tag: int, body: bytes) -> bytes:
    return bytes((tag,)) + _encode_length(len(body)) + body


def _encode_value(tag: int, value: int | str | None) -> bytes:
    if value is None:
        return _tlv(tag, b"")
    if isinstance(value, str):
        return _tlv(tag, value.encode())
    signed = tag == 0x02
    size = max(1, (value.bit_length() + 8) // 8)
    return _tlv(tag, value.to_bytes(size, "big", signed=signed))


def _varbinds(items: list[tuple[Oid, tuple[int, int | str | None]]]) -> bytes:
    return b"".join(_tlv(0x30, _tlv(0x06, encode_oid(o)) + _encode_value(t, v)) for o, (t, v) in items)


@FAST
@given(st.lists(st.tuples(oids, values), max_size=20))
def test_ber_decodes_what_was_encoded(items: list[tuple[Oid, tuple[int, int | str | None]]]) -> None:
    assert decode_varbinds(_varbinds(items)) == [(o, v) for o, (_, v) in items]


def _well_formed(out: list[tuple[Oid, Value]]) -> None:
    for name, value in out:
        assert 2 <= len(name) <= MAX_ARCS + 1 and all(0 <= a < 2**35 for a in name)
        assert value is None or isinstance(value, int | str)


@FAST
@given(st.binary(max_size=2000))
def test_ber_random_bytes_give_varbinds_or_value_error(data: bytes) -> None:
    with contextlib.suppress(ValueError):
        _well_formed(decode_varbinds(data))


@FAST
@given(st.lists(st.tuples(oids, values), min_size=1, max_size=8), st.data())
def test_ber_truncated_or_corrupted_answers_never_pass_for_others(
        items: list[tuple[Oid, tuple[int, int | str | None]]], data: st.DataObject) -> None:
    raw = bytearray(_varbinds(items))
    # The list's own length was checked by pyasn1; a cut inside a varbind must be an error, never a value.
    ends = {len(_varbinds(items[:n])) for n in range(len(items) + 1)}
    cut = data.draw(st.integers(1, len(raw) - 1).filter(lambda c: c not in ends))
    with pytest.raises(ValueError):
        decode_varbinds(bytes(raw[:cut]))
    for _ in range(data.draw(st.integers(1, 4))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    with contextlib.suppress(ValueError):
        _well_formed(decode_varbinds(bytes(raw)))


def test_ber_endless_sub_identifier_and_oid_are_refused_quickly() -> None:
    started = time.perf_counter()
    for body in (b"\x2b" + b"\xff" * 60000 + b"\x01", b"\x2b" + b"\x01" * 60000):
        oid_tlv = b"\x06\x83" + len(body).to_bytes(3, "big") + body
        vb = oid_tlv + b"\x05\x00"
        with pytest.raises(ValueError, match="OID"):
            decode_varbinds(b"\x30\x83" + len(vb).to_bytes(3, "big") + vb)
    with pytest.raises(ValueError, match="length"):
        decode_varbinds(b"\x30\x84\xff\xff\xff\xff\x06\x01\x2b")  # claims 4 GiB
    with pytest.raises(ValueError, match="length form"):
        decode_varbinds(b"\x30\x80\x06\x01\x2b\x05\x00\x00\x00")  # indefinite length
    assert time.perf_counter() - started < 1.0


# ------------------------------------------------------------------ the column walk
class ScriptedAgent:
    """Answers each GETBULK with the next scripted list of varbinds (then nothing)."""

    name = "hostile"

    def __init__(self, answers: list[list[VarBind]]) -> None:
        self.answers = answers
        self.calls = 0

    async def get(self, oids: Sequence[Oid]) -> list[VarBind]:
        return []

    async def bulk(self, oids: Sequence[Oid], max_repetitions: int) -> list[VarBind]:
        self.calls += 1
        return self.answers[self.calls - 1] if self.calls <= len(self.answers) else []


ROOT = (1, 3, 6, 1, 2, 1, 2, 2, 1, 8)
near_oids = st.lists(st.integers(0, 5), max_size=4).map(lambda tail: ROOT[:8] + tuple(tail))


@FAST
@given(st.lists(st.lists(st.tuples(near_oids, st.one_of(st.none(), st.integers(0, 9))), max_size=12), max_size=6))
def test_walk_ends_or_raises_snmp_error_for_any_answers(answers: list[list[VarBind]]) -> None:
    agent = ScriptedAgent(answers)
    try:
        tables = asyncio.run(walk_columns(agent, [ROOT, (*ROOT[:-1], 7)], max_varbinds=10, max_rows=50))
    except SnmpError as e:
        assert e.reason == "other" and "hostile" in str(e)
        return
    assert agent.calls <= len(answers) + 1
    assert all(len(t) <= 50 for t in tables)


def test_walk_refuses_a_looping_and_an_endless_agent() -> None:
    class Looping(ScriptedAgent):
        async def bulk(self, oids: Sequence[Oid], max_repetitions: int) -> list[VarBind]:
            self.calls += 1
            return [((*ROOT, 1), 1), ((*ROOT, 2), 1), ((*ROOT, 1), 1)]

    class Endless(ScriptedAgent):
        async def bulk(self, oids: Sequence[Oid], max_repetitions: int) -> list[VarBind]:
            self.calls += 1
            return [((*oids[0], 1), 1) for _ in range(max_repetitions)][:1]

    with pytest.raises(SnmpError, match="not increasing"):
        asyncio.run(walk_columns(Looping([]), [ROOT]))
    endless = Endless([])
    with pytest.raises(SnmpError, match="more than 500 rows"):
        asyncio.run(walk_columns(endless, [ROOT], max_rows=500))
    assert endless.calls == 501


# ------------------------------------------------------------------ config parsers
SYNTAX_FAMILY = {s.name: s.syntax.family for s in all_specs() if s.syntax is not None}


@FAST
@given(st.text(max_size=800), st.sampled_from(sorted(SYNTAX_FAMILY)))
def test_config_parser_takes_any_text(text: str, syntax: str) -> None:
    tree = parse(text, syntax)
    count = len(text.splitlines()) or 1
    assert all(1 <= ln.lineno <= count for ln in tree.lines)
    assert all(0 <= e.lineno <= count for e in tree.errors)
    assert all(isinstance(ln.path, str) for ln in tree.lines)


@pytest.mark.parametrize("syntax", sorted(s for s, f in SYNTAX_FAMILY.items() if f != "routeros"))
def test_config_parser_takes_a_deeply_nested_file(syntax: str) -> None:
    depth = 5000
    text = ("".join(f"{' ' * i}a{i} {{\n" for i in range(depth)) if syntax == "junos"
            else "".join(f"{' ' * i}a{i}\n" for i in range(depth)))
    tree = parse(text, syntax)
    assert len(tree.lines) == depth
    assert tree.lines[-1].path.count(" ") >= 0 and tree.search(__import__("re").compile("^a4999")) is not None


@FAST
@given(st.text(max_size=800))
def test_frr_text_parsers_take_any_text(text: str) -> None:
    diff_text(text)
    frr_parsers.parse_snmpd_conf(text)
    frr_parsers.parse_kv(text)
    frr_parsers.parse_ping(text, text)
    with contextlib.suppress(ValueError):
        frr_parsers.parse_version(text)


# ------------------------------------------------------------------ the inventory loader
yaml_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.text(max_size=30)),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)),
    max_leaves=20)


@pytest.fixture(scope="module")
def inventory_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("inv") / "lab"
    shutil.copytree(DEFAULT_INVENTORY, path)
    return path


@SLOW
@given(st.sampled_from(["host_vars/moj-hq-r1.yml", "group_vars/site_moj_hq.yml", "hosts.yml"]),
       st.sampled_from(["netkit_device", "netkit_site", "all", "raw"]), yaml_values, st.text(max_size=200))
def test_inventory_loader_answers_any_file_with_an_inventory_error(
        inventory_copy: Path, file: str, key: str, value: object, raw: str) -> None:
    target = inventory_copy / file
    original = (DEFAULT_INVENTORY / file).read_text()
    try:
        target.write_text(raw if key == "raw" else yaml.safe_dump({key: value}))
        try:
            load_inventory(inventory_copy)
        except InventoryError as e:
            assert e.problems and all(isinstance(p, str) for p in e.problems)
    finally:
        target.write_text(original)


# ------------------------------------------------------------------ listeners
@pytest.fixture(scope="module")
def metrics_server() -> object:
    cache = MonitorCache(MonitorPlan(Shard(1, 1), (), (), (), ()))
    server = MetricsServer(cache, collectors_for(cache), ("127.0.0.1", 0))
    server.start()
    yield server
    server.stop()


def _send(address: tuple[str, int], payload: bytes) -> None:
    with socket.create_connection(address, timeout=2) as s:
        try:
            s.sendall(payload)
            s.shutdown(socket.SHUT_WR)
            s.recv(65536)
        except OSError:
            pass


@SLOW
@given(st.one_of(st.binary(max_size=3000),
                 st.builds(lambda m, p, h: f"{m} {p} HTTP/1.1\r\n{h}\r\n\r\n".encode("utf-8", "replace"),
                           st.sampled_from(["GET", "POST", "HEAD", "X" * 70]), st.text(max_size=300),
                           st.text(max_size=500))))
def test_metrics_listener_keeps_serving_after_any_request(metrics_server: MetricsServer, payload: bytes) -> None:
    address = ("127.0.0.1", metrics_server.address[1])
    _send(address, payload)
    r = httpx.get(f"http://127.0.0.1:{address[1]}/metrics", trust_env=False, timeout=5)
    assert r.status_code == 200 and "netkit_" in r.text


@pytest.fixture(scope="module")
def broker() -> object:
    creds = {"r1": Credentials(username="admin", password=SecretStr("pw-r1-secret"), snmp_user="nms")}
    b = SecretsBroker(creds)
    yield b
    b.close()


@SLOW
@given(st.binary(max_size=2000))
def test_secrets_broker_answers_only_a_known_device(broker: SecretsBroker, payload: bytes) -> None:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(2)
        s.connect(str(broker.path))
        s.sendall(payload)
        s.shutdown(socket.SHUT_WR)
        answer = b"".join(iter(lambda: s.recv(4096), b""))
    line = payload.split(b"\n", 1)[0][:256].decode(errors="replace").strip()
    if line == "r1":
        assert json.loads(answer)["password"] == "pw-r1-secret"
    else:
        assert answer in (b"", b"null")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:  # still serving
        s.settimeout(2)
        s.connect(str(broker.path))
        s.sendall(b"r1\n")
        assert b"pw-r1-secret" in s.recv(4096)


@FAST
@given(st.one_of(st.none(), st.text(max_size=200), st.binary(max_size=200).map(
    lambda b: "Basic " + __import__("base64").b64encode(b).decode())))
def test_basic_auth_header_of_any_shape_is_a_yes_or_no(header: str | None) -> None:
    web = WebConfig(Path("web.yml"), users={"prometheus": b"$2b$04$" + b"x" * 53})
    assert web.authorized(header) is False
