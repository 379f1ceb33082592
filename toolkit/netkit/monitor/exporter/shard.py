"""Split devices and probe targets between several exporter instances (`--shard I/N`).

Rendezvous (highest random weight) hashing: every key scores each shard with a hash of (shard, key) and
belongs to the best one. A key's owner depends only on the key and N, so adding or removing one device
moves no other device (a modulo over a sorted list would reshuffle most of them).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from netkit.errors import InputError

_SHARD = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


@dataclass(frozen=True)
class Shard:
    """Shard `index` (1-based) of `count`. `Shard(1, 1)` owns everything."""

    index: int = 1
    count: int = 1

    def __post_init__(self) -> None:
        if self.count < 1 or not 1 <= self.index <= self.count:
            raise InputError(f"--shard {self.index}/{self.count}: give I/N with 1 <= I <= N (e.g. 2/3)")

    @classmethod
    def parse(cls, text: str | None) -> Shard:
        if text is None or text == "":
            return cls()
        m = _SHARD.match(text)
        if not m:
            raise InputError(f"--shard {text!r}: give I/N with 1 <= I <= N (e.g. 2/3)")
        return cls(int(m.group(1)), int(m.group(2)))

    def owns(self, key: str) -> bool:
        return self.count == 1 or owner(key, self.count) == self.index

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def _score(shard: int, key: str) -> int:
    digest = hashlib.blake2b(f"{shard}\x00{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def owner(key: str, count: int) -> int:
    """The 1-based shard that owns `key` among `count` shards."""
    return max(range(1, count + 1), key=lambda s: (_score(s, key), -s))


def device_key(device: str) -> str:
    return f"device/{device}"


def target_key(site: str, target: str) -> str:
    return f"target/{site}/{target}"


def site_key(site: str) -> str:
    return f"site/{site}"
