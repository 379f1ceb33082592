"""Debian's prometheus-snmp-exporter (0.21) for tests: a module written by hand with numeric OIDs.

Debian ships the exporter with an empty snmp.yml (its generator needs MIB files Debian does not ship), so
`if_module()` writes the module for the IF-MIB columns netkit reads. Every metric is indexed by ifIndex
alone (no lookups), so each column can be compared with netkit's value row by row.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

import httpx

IF = "1.3.6.1.2.1.2.2.1."
IF_X = "1.3.6.1.2.1.31.1.1.1."
MODULE = "netkit_if"
COLUMNS = {  # exporter metric name -> (numeric OID, snmp_exporter type)
    "ifDescr": (IF + "2", "DisplayString"), "ifName": (IF_X + "1", "DisplayString"),
    "ifAlias": (IF_X + "18", "DisplayString"), "ifSpeed": (IF + "5", "gauge"),
    "ifHighSpeed": (IF_X + "15", "gauge"), "ifOperStatus": (IF + "8", "gauge"), "ifAdminStatus": (IF + "7", "gauge"),
    "ifHCInOctets": (IF_X + "6", "counter"), "ifHCOutOctets": (IF_X + "10", "counter"),
    "ifHCInUcastPkts": (IF_X + "7", "counter"), "ifHCOutUcastPkts": (IF_X + "11", "counter"),
    "ifInOctets": (IF + "10", "counter"), "ifOutOctets": (IF + "16", "counter"),
    "ifInUcastPkts": (IF + "11", "counter"), "ifOutUcastPkts": (IF + "17", "counter"),
    "ifInErrors": (IF + "14", "counter"), "ifOutErrors": (IF + "20", "counter"),
    "ifInDiscards": (IF + "13", "counter"), "ifOutDiscards": (IF + "19", "counter"),
}


def module_name(community: str) -> str:
    return f"{MODULE}_{re.sub(r'[^A-Za-z0-9_]', '_', community)}"


def if_module(community: str = "public") -> str:
    lines = [f"{module_name(community)}:", "  version: 2", "  max_repetitions: 25", "  retries: 1", "  timeout: 5s", "  auth:",
             f"    community: {community}", "  walk:", *(f"  - {o}" for o, _ in sorted(COLUMNS.values())), "  metrics:"]
    for name, (column, typ) in COLUMNS.items():
        lines += [f"  - name: {name}", f"    oid: {column}", f"    type: {typ}", "    indexes:",
                  "    - labelname: ifIndex", "      type: gauge"]
    return "\n".join(lines) + "\n"


_SAMPLE = re.compile(r'^(\w+)\{(.*)\} (\S+)$')
_LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def parse(body: str) -> dict[str, dict[int, float | str]]:
    """{metric: {ifIndex: value}}; for DisplayString columns the value is the label of the same name."""
    out: dict[str, dict[int, float | str]] = {}
    for line in body.splitlines():
        m = _SAMPLE.match(line)
        if not m or m.group(1) not in COLUMNS:
            continue
        labels = {k: bytes(v, "utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8")
                  for k, v in _LABEL.findall(m.group(2))}
        name = m.group(1)
        value: float | str = labels[name] if COLUMNS[name][1] == "DisplayString" else float(m.group(3))
        out.setdefault(name, {})[int(labels["ifIndex"])] = value
    return out


class SnmpExporter:
    def __init__(self, port: int, communities: tuple[str, ...] = ("public",)) -> None:
        self.port = port
        self.work = Path(tempfile.mkdtemp(prefix="netkit-snmp-exporter-"))
        (self.work / "snmp.yml").write_text("".join(if_module(c) for c in communities))
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> SnmpExporter:
        self.proc = subprocess.Popen(["prometheus-snmp-exporter", f"--config.file={self.work / 'snmp.yml'}",
                                      f"--web.listen-address=127.0.0.1:{self.port}"],
                                     stdout=subprocess.DEVNULL, stderr=open(self.work / "log", "wb"))
        for _ in range(100):
            try:
                httpx.get(f"http://127.0.0.1:{self.port}/", timeout=1, trust_env=False)
                return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError(f"prometheus-snmp-exporter did not listen: {(self.work / 'log').read_text()[-1000:]}")

    def scrape_text(self, target: str, community: str = "public") -> str:
        r = httpx.get(f"http://127.0.0.1:{self.port}/snmp", params={"module": module_name(community), "target": target},
                      timeout=30, trust_env=False)
        r.raise_for_status()
        return r.text

    def scrape(self, target: str, community: str = "public") -> dict[str, dict[int, float | str]]:
        return parse(self.scrape_text(target, community))

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)
        shutil.rmtree(self.work, ignore_errors=True)
