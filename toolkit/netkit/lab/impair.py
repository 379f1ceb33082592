"""Link impairment: delay, jitter, loss and rate on a lab link, in both directions.

With netem (where the kernel has it) each wire-side end gets `netem delay D J loss L rate R`. Without
netem (this kernel) the link's two wire-side ends leave their bridge and a relay process
(`netkit.lab.relay`) moves frames between them with delay, jitter and loss, while a `tbf` qdisc on each
end limits the rate. Either way the devices' own interfaces are untouched.
"""

from __future__ import annotations

import re
import sys

from netkit.errors import InputError, NetkitError
from netkit.inventory.models import Impairment
from netkit.lab.plan import LabPlan, LinkPlan
from netkit.lab.state import ImpairmentRecord, ProcessRecord, StateStore
from netkit.lab.system import kill_all, run, spawn_in_netns, wait_for
from netkit.procs import process_alive, process_start_time

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(us|ms|s)?\s*$", re.IGNORECASE)
_PERCENT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%?\s*$")
_RATE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(kbit|mbit|gbit|kbps|mbps|gbps)?\s*$", re.IGNORECASE)
_RATE_MBIT = {"kbit": 0.001, "mbit": 1.0, "gbit": 1000.0, "kbps": 0.008, "mbps": 8.0, "gbps": 8000.0}


def parse_duration_ms(text: str, option: str) -> float:
    """'30ms', '0.5s', '800us', '30' (ms) -> milliseconds."""
    m = _DURATION.match(text)
    if not m:
        raise InputError(f"{option} {text!r}: give a duration such as 30ms, 0.5s or 800us")
    value, unit = float(m.group(1)), (m.group(2) or "ms").lower()
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def parse_percent(text: str, option: str) -> float:
    m = _PERCENT.match(text)
    if not m or float(m.group(1)) > 100:
        raise InputError(f"{option} {text!r}: give a percentage between 0 and 100, such as 2% or 0.5%")
    return float(m.group(1))


def parse_rate_mbit(text: str, option: str) -> float:
    """'50mbit', '512kbit', '1gbit', '50' (mbit) -> Mbit/s (tc's units: kbit = 1000 bit/s, mbps = megabytes/s)."""
    m = _RATE.match(text)
    if not m or float(m.group(1)) <= 0:
        raise InputError(f"{option} {text!r}: give a positive rate such as 50mbit, 512kbit or 1gbit")
    return float(m.group(1)) * _RATE_MBIT[(m.group(2) or "mbit").lower()]


def is_clear(imp: Impairment | None) -> bool:
    return imp is None or (not imp.delay_ms and not imp.jitter_ms and not imp.loss_pct and imp.rate_mbit is None)


def describe(imp: Impairment) -> str:
    parts = []
    if imp.delay_ms or imp.jitter_ms:
        parts.append(f"delay {imp.delay_ms:g}ms" + (f" ±{imp.jitter_ms:g}ms" if imp.jitter_ms else ""))
    if imp.loss_pct:
        parts.append(f"loss {imp.loss_pct:g}%")
    if imp.rate_mbit is not None:
        parts.append(f"rate {imp.rate_mbit:g}mbit")
    return ", ".join(parts) or "none"


def netem_available(plan: LabPlan) -> bool:
    """Ask the kernel: add a netem qdisc on the wire namespace's loopback and take it away again."""
    probe = run(["tc", "-n", plan.wire_ns, "qdisc", "add", "dev", "lo", "root", "netem", "delay", "1ms"], check=False)
    if probe.returncode == 0:
        run(["tc", "-n", plan.wire_ns, "qdisc", "del", "dev", "lo", "root"], check=False)
        return True
    return False


def _owner(link: LinkPlan) -> str:
    return f"relay {link.name}"


def _tbf(rate_mbit: float) -> list[str]:
    rate_bytes = rate_mbit * 1_000_000 / 8
    burst = max(int(rate_bytes * 0.005), 4096)  # 5 ms of traffic: smooth, yet above one full frame
    return ["tbf", "rate", f"{rate_mbit * 1000:.0f}kbit", "burst", str(burst), "latency", "100ms"]


def _netem(imp: Impairment) -> list[str]:
    args = ["netem", "delay", f"{imp.delay_ms:g}ms"]
    if imp.jitter_ms:
        args.append(f"{imp.jitter_ms:g}ms")
    if imp.loss_pct:
        args += ["loss", f"{imp.loss_pct:g}%"]
    if imp.rate_mbit is not None:
        args += ["rate", f"{imp.rate_mbit * 1000:.0f}kbit"]
    return args


def stop_relay(link: LinkPlan, store: StateStore) -> None:
    with store.change() as st:
        records = st.processes.pop(_owner(link), [])
    pids = [r.pid for r in records if process_alive(r.pid, r.start_time)]
    kill_all(pids)
    wait_for(lambda: not any(process_alive(p) for p in pids), 5)


def relay_alive(link: LinkPlan, store: StateStore) -> bool | None:
    """None when the link has no relay."""
    assert store.state is not None
    records = store.state.processes.get(_owner(link), [])
    return all(process_alive(r.pid, r.start_time) for r in records) if records else None


def apply(plan: LabPlan, link: LinkPlan, imp: Impairment | None, store: StateStore,
          netem: bool | None = None) -> ImpairmentRecord | None:
    """Replace whatever impairment the link had with `imp` (None or all-zero clears it)."""
    ns, ends = plan.wire_ns, (link.a.wire, link.b.wire)
    stop_relay(link, store)
    for end in ends:
        run(["tc", "-n", ns, "qdisc", "del", "dev", end, "root"], check=False)
    if is_clear(imp):
        _bridge(plan, link, attached=True)
        with store.change() as st:
            st.impairments.pop(link.name, None)
        return None
    assert imp is not None
    use_netem = netem_available(plan) if netem is None else netem
    if use_netem:
        _bridge(plan, link, attached=True)
        for end in ends:
            run(["tc", "-n", ns, "qdisc", "replace", "dev", end, "root", *_netem(imp)])
    else:
        for end in ends:
            if imp.rate_mbit is not None:
                run(["tc", "-n", ns, "qdisc", "replace", "dev", end, "root", *_tbf(imp.rate_mbit)])
        if imp.delay_ms or imp.jitter_ms or imp.loss_pct:
            _start_relay(plan, link, imp, store)
        else:
            _bridge(plan, link, attached=True)
    record = ImpairmentRecord(link=link.name, impairment=imp, method="netem" if use_netem else "relay")
    with store.change() as st:
        st.impairments[link.name] = record
    return record


def _start_relay(plan: LabPlan, link: LinkPlan, imp: Impairment, store: StateStore) -> None:
    log = plan.run_dir / "relays" / f"l{link.index}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    _bridge(plan, link, attached=False)
    argv = [sys.executable, "-m", "netkit.lab.relay", "--a", link.a.wire, "--b", link.b.wire,
            "--delay-ms", f"{imp.delay_ms:g}", "--jitter-ms", f"{imp.jitter_ms:g}", "--loss-pct", f"{imp.loss_pct:g}",
            "--lab", plan.prefix]
    pid = spawn_in_netns(plan.wire_ns, argv, log)
    store.add_process(_owner(link), ProcessRecord(name="relay", pid=pid, start_time=process_start_time(pid)))
    # A relay that cannot open its ports dies at once; say so instead of leaving a dead link.
    if wait_for(lambda: not process_alive(pid), 0.3):
        tail = log.read_text()[-500:] if log.exists() else ""
        raise NetkitError(f"link {link.name}: the impairment relay exited at start: {tail.strip()}")


def _bridge(plan: LabPlan, link: LinkPlan, attached: bool) -> None:
    for end in (link.a.wire, link.b.wire):
        master = ["master", link.bridge] if attached else ["nomaster"]
        run(["ip", "-n", plan.wire_ns, "link", "set", "dev", end, *master, "up"])
