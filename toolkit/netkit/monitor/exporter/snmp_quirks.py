"""What real agents do that the IF-MIB does not promise, and how the poller copes.

- No 64-bit counters (old IOS, some access switches, rows of virtual interfaces): the ifHC* column has no
  value for the row, so the 32-bit ifTable column of the same meaning is read instead (`merge_legacy`).
  A 32-bit octet counter wraps after 4 GiB: see docs/monitoring.md for what that means for rate().
- No ifName (ifXTable missing or partial): the interface is named by ifDescr. No ifHighSpeed: ifSpeed.
- ifIndex above 65535 (Arista's 5000001 loopbacks, Cisco's 10101 ports): indexes are plain integers.
- OCTET STRINGs that are not UTF-8 text (binary or Latin-1 aliases): `display_text` gives a valid label.
- An agent that restarted (sysUpTime went back) may have renumbered its ifIndexes: `rebooted`.
- An agent that answers tooBig to a large GETBULK: `walk_shrinking` asks for fewer values per response.
"""

from __future__ import annotations

from collections.abc import Sequence

from netkit.monitor.exporter.snmp_client import Oid, SnmpTooBig, SnmpTransport, Value, oid, walk_columns

IF = "1.3.6.1.2.1.2.2.1."
IF_DESCR = oid(IF + "2")
IF_SPEED = oid(IF + "5")
# 32-bit counters standing in for ifHC{In,Out}Octets, ifHC{In,Out}UcastPkts, in DYNAMIC_OIDS order.
LEGACY_COUNTER_OIDS: tuple[Oid, ...] = (oid(IF + "10"), oid(IF + "16"), oid(IF + "11"), oid(IF + "17"))
MIN_VARBINDS = 1  # one repetition per column: if that is still tooBig, the poll fails


def display_text(value: Value) -> str:
    """The label text of an OCTET STRING (DisplayString or not).

    UTF-8 text without control characters is kept as it is (trailing NULs, which some agents pad with,
    dropped). Anything else (binary, Latin-1, control bytes) becomes `0x` and its bytes in hex, as
    snmp_exporter writes OctetString values: Prometheus label values must be valid UTF-8, and a binary
    alias must neither break the scrape nor be silently mangled."""
    if value is None:
        return ""
    if not isinstance(value, str):
        return str(value)
    raw = value.encode("utf-8", "surrogateescape")
    text = raw.rstrip(b"\x00")
    try:
        decoded = text.decode("utf-8")
    except UnicodeDecodeError:
        return "0x" + raw.hex().upper()
    if any((ord(c) < 32 and c != "\t") or ord(c) == 127 for c in decoded):
        return "0x" + raw.hex().upper()
    return decoded


def interface_name(name: Value, descr: Value, index: int) -> str:
    for candidate in (name, descr):
        text = display_text(candidate)
        if text:
            return text
    return f"ifIndex {index}"


def speed_bps(high_speed: Value, speed: Value) -> float | None:
    """ifHighSpeed (Mb/s) where the agent has it, else ifSpeed (b/s)."""
    if isinstance(high_speed, int):
        return float(high_speed) * 1e6
    if isinstance(speed, int):
        return float(speed)
    return None


def merge_legacy(hc: list[dict[Oid, Value]], legacy: list[dict[Oid, Value]]) -> tuple[list[dict[Oid, Value]], bool]:
    """Fill each row's missing 64-bit counters from the 32-bit columns; also says whether any row needed it."""
    used = False
    out = []
    for wide, narrow in zip(hc, legacy, strict=True):
        missing = {k: v for k, v in narrow.items() if wide.get(k) is None and v is not None}
        if missing:
            used = True
            wide = {**wide, **missing}
        out.append(wide)
    return out, used


def needs_legacy(hc_octets: dict[Oid, Value], statuses: dict[Oid, Value]) -> bool:
    """Some interface (it has an ifOperStatus) has no ifHCInOctets."""
    return any(hc_octets.get(k) is None for k in statuses)


def rebooted(previous_uptime: float | None, uptime: float | None) -> bool:
    return previous_uptime is not None and uptime is not None and uptime < previous_uptime


class ShrinkingWalk:
    """walk_columns with the agent's tooBig answers taken into account, remembered per device."""

    def __init__(self, max_varbinds: int) -> None:
        self.max_varbinds = max_varbinds
        self.too_big = 0  # tooBig answers seen

    async def walk(self, agent: SnmpTransport, columns: Sequence[Oid]) -> list[dict[Oid, Value]]:
        while True:
            try:
                return await walk_columns(agent, columns, self.max_varbinds)
            except SnmpTooBig:
                self.too_big += 1
                if self.max_varbinds <= MIN_VARBINDS:
                    raise
                self.max_varbinds = max(MIN_VARBINDS, self.max_varbinds // 2)
