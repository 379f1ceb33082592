"""FRR's own parser as a syntax check: `vtysh --dryrun` over every FRR config at once.

vtysh reports `line N: % Unknown command[node]: text` on stderr and exits 2. One process for all
files (concatenated, each ending in `end`) costs about what one file does; line numbers are mapped
back to each device's file.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from bisect import bisect_right
from dataclasses import dataclass, field
from pathlib import Path

from netkit.config.models import Finding

_ERROR = re.compile(r"^line (?P<n>\d+): %? ?(?P<msg>.+?)(?:\[\d+\])?: (?P<text>.*)$")


@dataclass
class DryrunOutcome:
    findings: list[Finding] = field(default_factory=list)
    skipped: str = ""  # why the check did not run


def vtysh_path() -> str | None:
    return shutil.which("vtysh") or (p if Path(p := "/usr/bin/vtysh").exists() else None)


def dryrun(files: list[tuple[str, str, str]], vtysh: str | None = None, timeout: float = 120) -> DryrunOutcome:
    """Check (device, file name, text) triples with FRR's parser."""
    exe = vtysh or vtysh_path()
    if exe is None:
        return DryrunOutcome(skipped="FRR syntax check skipped: vtysh is not installed (apt-get install frr)")
    starts: list[int] = []
    chunks: list[str] = []
    line = 1
    for _dev, _file, text in files:
        body = text if text.endswith("\n") else text + "\n"
        starts.append(line)
        chunks.append(body + "end\n")
        line += body.count("\n") + 1
    with tempfile.TemporaryDirectory(prefix="netkit-vtysh-") as tmp:
        (Path(tmp) / "vtysh.conf").write_text("")  # keep vtysh away from the host's /etc/frr
        conf = Path(tmp) / "all.conf"
        conf.write_text("".join(chunks))
        try:
            proc = subprocess.run([exe, "--config_dir", tmp, "--dryrun", "-f", str(conf)], capture_output=True,
                                  text=True, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as e:
            return DryrunOutcome(skipped=f"FRR syntax check skipped: {exe} failed to run ({e})")
    outcome = DryrunOutcome()
    seen: set[tuple[str, int]] = set()
    for raw in (proc.stderr + proc.stdout).splitlines():
        m = _ERROR.match(raw.strip())
        if not m:
            continue
        n = int(m["n"])
        idx = bisect_right(starts, n) - 1
        if idx < 0:
            continue
        dev, file, _text = files[idx]
        local = n - starts[idx] + 1
        if (dev, local) in seen:
            continue
        seen.add((dev, local))
        outcome.findings.append(Finding(device=dev, check="syntax", file=file, line=local,
                                        message=f"FRR rejects this line: {m['msg'].strip()}", text=m["text"].strip()))
    if proc.returncode not in (0, 2) and not outcome.findings:
        outcome.skipped = f"FRR syntax check failed to run: vtysh exited {proc.returncode}: {proc.stderr.strip()[:200]}"
    return outcome
