"""A file-backed fake NAPALM driver for unit tests of the Ansible path (no network, no device).

Each "router" is a JSON file `$NETKIT_FAKE_ROUTERS/<hostname>.json`, so its state (running config,
candidate, pending commit with a revert deadline) survives across the separate processes Ansible
starts for each module call, as a real router's does. The revert timer is applied lazily on access.
"""

from __future__ import annotations

import difflib
import json
import os
import time
from pathlib import Path
from typing import Any

from napalm.base import NetworkDriver
from napalm.base.exceptions import CommitError, ConnectionException, MergeConfigException, ReplaceConfigException


def state_path(hostname: str) -> Path:
    return Path(os.environ["NETKIT_FAKE_ROUTERS"]) / f"{hostname}.json"


def load(hostname: str) -> dict[str, Any]:
    return json.loads(state_path(hostname).read_text())  # type: ignore[no-any-return]


def save(hostname: str, state: dict[str, Any]) -> None:
    state_path(hostname).write_text(json.dumps(state))


class FakeDriver(NetworkDriver):  # type: ignore[misc]
    def __init__(self, hostname: str, username: str, password: str, timeout: int = 60,
                 optional_args: dict[str, Any] | None = None) -> None:
        self.hostname, self.username, self.password = hostname, username, password

    # state -------------------------------------------------------------
    def _state(self) -> dict[str, Any]:
        st = load(self.hostname)
        pending = st.get("pending")
        if pending and time.time() >= pending["deadline"]:
            st["running"], st["pending"] = pending["previous"], None
            st.setdefault("log", []).append("reverted-by-timer")
            save(self.hostname, st)
        return st

    def open(self) -> None:
        st = self._state()
        if st.get("unreachable"):
            raise ConnectionException(f"{self.hostname}: connection refused")
        if st.get("password") and st["password"] != self.password:
            raise ConnectionException(f"{self.hostname}: authentication failed")

    def close(self) -> None:
        pass

    # config ------------------------------------------------------------
    def load_replace_candidate(self, filename: str | None = None, config: str | None = None) -> None:
        st = self._state()
        text = config if config is not None else Path(filename or "").read_text()
        if st.get("reject") and st["reject"] in text:
            raise ReplaceConfigException(f"% Unknown command: {st['reject']}")
        st["candidate"] = text
        save(self.hostname, st)

    def load_merge_candidate(self, filename: str | None = None, config: str | None = None) -> None:
        raise MergeConfigException("not supported by the fake")

    def compare_config(self) -> str:
        st = self._state()
        if st.get("candidate") is None:
            return ""
        return "".join(difflib.unified_diff(st["running"].splitlines(True), st["candidate"].splitlines(True),
                                            "running", "candidate"))

    def discard_config(self) -> None:
        st = self._state()
        st["candidate"] = None
        save(self.hostname, st)

    def commit_config(self, message: str = "", revert_in: int | None = None) -> None:
        st = self._state()
        if st.get("pending"):
            raise CommitError("pending commit")
        if st.get("candidate") is None:
            raise CommitError("no candidate")
        previous = st["running"]
        st["running"], st["candidate"] = st["candidate"], None
        if revert_in:
            st["pending"] = {"previous": previous, "deadline": time.time() + revert_in}
        st.setdefault("log", []).append("commit")
        st["rollback_to"] = previous
        save(self.hostname, st)

    def has_pending_commit(self) -> bool:
        return bool(self._state().get("pending"))

    def confirm_commit(self) -> None:
        st = self._state()
        if not st.get("pending"):
            raise CommitError("nothing to confirm")
        st["pending"] = None
        st.setdefault("log", []).append("confirm")
        save(self.hostname, st)

    def rollback(self) -> None:
        st = self._state()
        if st.get("pending"):
            st["running"], st["pending"] = st["pending"]["previous"], None
        elif st.get("rollback_to") is not None:
            st["running"] = st["rollback_to"]
        st.setdefault("log", []).append("rollback")
        save(self.hostname, st)

    # getters -----------------------------------------------------------
    def get_config(self, retrieve: str = "all", full: bool = False, sanitized: bool = False,
                   format: str = "text") -> dict[str, str]:
        return {"running": self._state()["running"], "startup": "", "candidate": ""}

    def get_interfaces(self) -> dict[str, Any]:
        st = self._state()
        return {n: {"is_up": up, "is_enabled": True, "description": "", "last_flapped": -1.0, "speed": 1000.0,
                    "mtu": 1500, "mac_address": ""} for n, up in (st.get("interfaces") or {}).items()}

    def get_bgp_neighbors(self) -> dict[str, Any]:
        st = self._state()
        peers = {p: {"is_up": up, "is_enabled": True, "remote_as": 64512, "local_as": 65000, "remote_id": p,
                     "description": "", "uptime": 1, "address_family": {}} for p, up in (st.get("bgp") or {}).items()}
        return {"global": {"router_id": "0.0.0.0", "peers": peers}}

    def get_ospf_neighbors(self) -> dict[str, Any]:
        st = self._state()
        neighbors = [{"address": a, "state": s} for a, s in (st.get("ospf") or {}).items()]
        return {"global": {"router_id": "0.0.0.0", "neighbors": neighbors}}  # napalm_frr's shape

    def ping(self, destination: str, source: str = "", ttl: int = 255, timeout: int = 2, size: int = 100,
             count: int = 5, vrf: str = "", source_interface: str = "") -> dict[str, Any]:
        st = self._state()
        if destination in (st.get("ping_fail") or []):
            return {"success": {"probes_sent": count, "packet_loss": count, "rtt_min": 0.0, "rtt_max": 0.0,
                                "rtt_avg": 0.0, "rtt_stddev": 0.0, "results": []}}
        return {"success": {"probes_sent": count, "packet_loss": 0, "rtt_min": 0.1, "rtt_max": 0.2, "rtt_avg": 0.15,
                            "rtt_stddev": 0.01, "results": []}}
