"""Fill the secret marks of an intended config (`@@secret:<name>@@`) with a device's credentials.

Intended configs never hold secrets, so they can be shown, stored and compared; whoever pushes a
config to a device fills them at the last moment (and masks the values in what it logs): netkit's
Ansible modules do, from `mark_values` handed to them with the credentials; `fill_secrets` is the
same for Python callers, and provisioning calls it first to refuse a config whose marks the device's
credentials cannot fill (exit 2, before any device is touched).
"""

from __future__ import annotations

from netkit.config.marks import SECRET_MARK_RE, SECRET_NAMES
from netkit.errors import InputError
from netkit.inventory.credentials import Credentials


def secret_values(creds: Credentials) -> dict[str, str | None]:
    def value(s: object) -> str | None:
        return s.get_secret_value() if s is not None else None  # type: ignore[attr-defined]

    return {"username": creds.username, "password": value(creds.password),
            "snmp_auth_key": value(creds.snmp_auth_key), "snmp_priv_key": value(creds.snmp_priv_key),
            "snmp_community": value(creds.snmp_community)}


def mark_values(creds: Credentials) -> dict[str, str]:
    """The values a config's marks can take (those the credential set has), for the module that pushes it."""
    return {name: value for name, value in secret_values(creds).items() if value}


def marks(text: str) -> set[str]:
    """The secret names a config needs."""
    return set(SECRET_MARK_RE.findall(text))


def fill_secrets(text: str, creds: Credentials, device: str = "device") -> str:
    """`text` with every mark replaced; InputError naming the missing secret when one has no value."""
    values = secret_values(creds)
    missing = sorted(n for n in marks(text) if not values.get(n))
    unknown = sorted(n for n in marks(text) if n not in SECRET_NAMES)
    if unknown:
        raise InputError(f"{device}: the config asks for unknown secret(s) {', '.join(unknown)} "
                         f"(known: {', '.join(SECRET_NAMES)})")
    if missing:
        raise InputError(f"{device}: the config needs {', '.join(missing)} but the device's credential set has no "
                         "value for it (set it in the credential set, e.g. NETKIT_CRED_<SET>_SNMP_AUTH)")
    return SECRET_MARK_RE.sub(lambda m: str(values[m.group(1)]), text)
