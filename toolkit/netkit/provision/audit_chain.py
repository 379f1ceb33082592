"""The audit log's hash chain: each line carries its sequence number, the hash of the line before it and its
own hash, so an edited, removed or reordered entry breaks the chain at a place `verify_chain` names.

The chain proves the file is internally consistent. Someone who can write the file can also rewrite every
hash after the entry they changed; the head hash (`ChainReport.head`) copied elsewhere (a ticket, syslog,
another machine) is what catches that, through `verify_chain(..., expect_head=...)`."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

GENESIS = "0" * 64
CHAIN_KEYS = ("seq", "prev", "hash")


def entry_hash(record: dict[str, Any]) -> str:
    """sha256 of the record's canonical JSON (sorted keys, no spaces), without its own `hash`."""
    body = {k: v for k, v in record.items() if k != "hash"}
    canon = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canon.encode()).hexdigest()


def chain_line(body_json: str, last_line: str | None) -> str:
    """The line to append for an entry whose (already masked) JSON is `body_json`, after `last_line`."""
    record: dict[str, Any] = json.loads(body_json)
    prev, seq = GENESIS, 1
    if last_line:
        last = json.loads(last_line)
        prev, seq = str(last.get("hash") or entry_hash(last)), int(last.get("seq") or 0) + 1
    record = {"seq": seq, "prev": prev, **{k: v for k, v in record.items() if k not in CHAIN_KEYS}}
    record["hash"] = entry_hash(record)
    return json.dumps(record, ensure_ascii=False) + "\n"


def read_last_line(fd: int, chunk: int = 65536) -> str | None:
    """The last non-empty line of the open file `fd`, read backwards (appends stay O(1) in the log size)."""
    end = os.lseek(fd, 0, os.SEEK_END)
    data, pos = b"", end
    while pos > 0:
        step = min(chunk, pos)
        pos -= step
        os.lseek(fd, pos, os.SEEK_SET)
        data = os.read(fd, step) + data
        stripped = data.rstrip(b"\n")
        if b"\n" in stripped or pos == 0:
            tail = stripped.rsplit(b"\n", 1)[-1]
            return tail.decode() if tail.strip() else None
    return None


@dataclass
class ChainProblem:
    line: int  # 1-based line number in the file
    seq: int | None  # the entry's own sequence number, when readable
    kind: str  # edited | removed | reordered | unreadable | unchained | head
    message: str


@dataclass
class ChainReport:
    path: str
    entries: int = 0
    head: str = GENESIS
    problems: list[ChainProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _parse(path: Path) -> list[tuple[int, dict[str, Any] | None, str]]:
    out: list[tuple[int, dict[str, Any] | None, str]] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as e:
            out.append((n, None, str(e)))
            continue
        out.append((n, record, "") if isinstance(record, dict) else (n, None, "not a JSON object"))
    return out


def _label(path: Path, n: int, record: dict[str, Any]) -> str:
    return (f"{path}:{n} (entry #{record.get('seq')}, {record.get('action', '?')} {record.get('site', '?')} "
            f"by {record.get('who', '?')} at {record.get('when', '?')})")


def verify_chain(path: Path, expect_head: str | None = None) -> ChainReport:
    """Every problem of the chain in `path`, each naming the line and entry it concerns."""
    report = ChainReport(path=str(path))
    if not path.is_file():
        return report
    lines = _parse(path)
    report.entries = len(lines)
    by_seq: dict[int, tuple[int, dict[str, Any]]] = {}
    add = report.problems.append
    for n, record, error in lines:
        if record is None:
            add(ChainProblem(n, None, "unreadable", f"{path}:{n}: not a JSON entry ({error})"))
        elif not isinstance(record.get("seq"), int) or not record.get("hash"):
            add(ChainProblem(n, None, "unchained", f"{_label(path, n, record)}: carries no seq/hash (not written by "
                             "a chained audit log, or its chain fields were removed)"))
        elif record["seq"] in by_seq:
            add(ChainProblem(n, record["seq"], "reordered", f"{_label(path, n, record)}: entry #{record['seq']} "
                             f"appears twice (also line {by_seq[record['seq']][0]})"))
        else:
            by_seq[record["seq"]] = (n, record)
    highest = 0
    for seq_line, record in by_seq.values():
        seq, label = int(record["seq"]), _label(path, seq_line, record)
        own = entry_hash(record)
        if own != record["hash"]:
            add(ChainProblem(seq_line, seq, "edited", f"{label}: edited after it was written (its content hashes "
                             f"to {own[:16]}…, it claims {str(record['hash'])[:16]}…)"))
        if seq < highest:
            add(ChainProblem(seq_line, seq, "reordered", f"{label}: out of order (after entry #{highest})"))
        highest = max(highest, seq)
        before = GENESIS if seq == 1 else (str(by_seq[seq - 1][1]["hash"]) if seq - 1 in by_seq else None)
        if before is not None and record.get("prev") != before:
            add(ChainProblem(by_seq[seq - 1][0] if seq > 1 else seq_line, seq - 1, "edited",
                             f"{label}: the entry before it (#{seq - 1}) was changed or replaced (this entry "
                             f"recorded {str(record.get('prev'))[:16]}…, #{seq - 1} now hashes to {before[:16]}…)"))
    for seq in range(1, highest + 1):
        if seq not in by_seq:
            after = by_seq.get(seq + 1) or next(by_seq[s] for s in range(seq + 1, highest + 1) if s in by_seq)
            add(ChainProblem(after[0], seq, "removed", f"{path}: entry #{seq} was removed (it stood before line "
                             f"{after[0]}, entry #{after[1]['seq']})"))
    if by_seq:
        report.head = str(by_seq[highest][1]["hash"])
    if expect_head and not report.head.startswith(expect_head):
        add(ChainProblem(0, highest, "head", f"{path}: head is {report.head[:16]}…, expected {expect_head[:16]}… "
                         "(entries at the end were rewritten or removed)"))
    report.problems.sort(key=lambda p: p.line)
    return report
