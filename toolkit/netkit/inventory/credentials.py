"""Resolve a device's credential set into secrets. Secrets never come from plain text in git."""

from __future__ import annotations

import os
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, SecretStr, ValidationError

from netkit.errors import EnvironmentProblem, InputError
from netkit.inventory.models import CredentialSet, Device, Inventory
from netkit.paths import lab_credentials_file


class Credentials(BaseModel):
    model_config = ConfigDict(frozen=True)

    username: str
    password: SecretStr
    snmp_user: str
    snmp_auth_key: SecretStr | None = None
    snmp_priv_key: SecretStr | None = None
    snmp_community: SecretStr | None = None

    def secrets(self) -> list[str]:
        """Every secret value, for masking in diffs, logs and audit entries."""
        values = [self.password, self.snmp_auth_key, self.snmp_priv_key, self.snmp_community]
        return [v.get_secret_value() for v in values if v is not None and v.get_secret_value()]


def _from_lab(name: str, snmp_user: str, path: Path) -> Credentials:
    if not path.is_file():
        raise InputError(
            f"credential set {name!r} comes from the lab, but {path} does not exist (run `netkit lab up` first)"
        )
    try:
        data = yaml.safe_load(path.read_text()) or {}
        if not isinstance(data, dict):
            raise ValueError("not a mapping of keys")
        return Credentials(snmp_user=snmp_user, **data)
    except (OSError, yaml.YAMLError, ValueError, TypeError) as e:  # netkit wrote it: the machine's state is broken
        if isinstance(e, ValidationError):
            why = "; ".join(f"{'.'.join(map(str, err['loc']))}: {err['msg']}" for err in e.errors())
        else:
            why = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise EnvironmentProblem(f"{path}: not a valid lab credentials file ({why}); `netkit lab down` then "
                                 "`netkit lab up` writes a new one") from e


def _from_env(name: str, snmp_user: str) -> Credentials:
    prefix = f"NETKIT_CRED_{name.upper().replace('-', '_')}_"
    env = {k[len(prefix):].lower(): v for k, v in os.environ.items() if k.startswith(prefix)}
    missing = [k for k in ("username", "password") if k not in env]
    if missing:
        raise InputError(
            f"credential set {name!r} comes from the environment: set {', '.join(prefix + m.upper() for m in missing)}"
        )
    return Credentials(
        username=env["username"], password=SecretStr(env["password"]), snmp_user=snmp_user,
        snmp_auth_key=env.get("snmp_auth"), snmp_priv_key=env.get("snmp_priv"),
        snmp_community=env.get("snmp_community"),
    )


def _from_vars(name: str, snmp_user: str, cset: CredentialSet) -> Credentials:
    if not (cset.username and cset.password):
        raise InputError(f"netkit_network.credential_sets.{name}: username and password are required")
    return Credentials(
        username=cset.username, password=SecretStr(cset.password), snmp_user=snmp_user,
        snmp_auth_key=cset.snmp_auth_key, snmp_priv_key=cset.snmp_priv_key, snmp_community=cset.snmp_community,
    )


def resolve_set(inventory: Inventory, name: str, lab_file: Path | None = None) -> Credentials:
    cset = inventory.network.credential_sets.get(name)
    if cset is None:
        raise InputError(f"{inventory.path}: netkit_network.credential_sets has no set {name!r}")
    user = inventory.network.snmp.v3_user
    if cset.source == "lab":
        return _from_lab(name, user, lab_file or lab_credentials_file())
    if cset.source == "env":
        return _from_env(name, user)
    return _from_vars(name, user, cset)


def credentials_for(inventory: Inventory, device: Device, lab_file: Path | None = None) -> Credentials:
    if device.credentials is None:
        raise InputError(f"{device.vars_file}: host {device.name}: netkit_device.credentials is missing")
    return resolve_set(inventory, device.credentials, lab_file)
