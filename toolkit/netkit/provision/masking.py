"""Mask secrets (passwords, SNMP keys, communities) in any text netkit shows, logs or records."""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "********"

# Config lines whose argument is a secret even when netkit does not know its value (a password typed on
# the router by hand, a BGP neighbor password): FRR/IOS-style `password X`, `... password 7 X`, snmp keys.
_SECRET_LINE = re.compile(
    r"(?P<head>\b(?:password|secret|auth-key|authentication-key|priv-key|community|key-string|md5)\s+(?:[0-9]\s+)?)"
    r"(?P<value>\S+)",
    re.IGNORECASE,
)


class Masker:
    """Replaces every known secret value, and the argument of secret-bearing config keywords."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        # Longest first, so a secret that contains another is masked whole.
        self._secrets = sorted({s for s in secrets if s and len(s) >= 3}, key=len, reverse=True)

    def add(self, secrets: Iterable[str]) -> None:
        self._secrets = sorted({*self._secrets, *(s for s in secrets if s and len(s) >= 3)}, key=len, reverse=True)

    @property
    def secrets(self) -> list[str]:
        return list(self._secrets)

    def mask(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return _SECRET_LINE.sub(lambda m: m.group("head") + MASK, text)

    def leaks(self, text: str) -> list[str]:
        """The known secrets present in `text` (for tests and for the artifact scrubber's report)."""
        return [s for s in self._secrets if s in text]


def mask_data(data: object, masker: Masker) -> object:
    """The same structure with every string masked (module results, event payloads)."""
    if isinstance(data, str):
        return masker.mask(data)
    if isinstance(data, dict):
        return {k: mask_data(v, masker) for k, v in data.items()}
    if isinstance(data, list):
        return [mask_data(v, masker) for v in data]
    return data
