"""`lab up` and `lab down`: build the lab from its plan while recording each step; undo from the record.

A failed `lab up` tears down what it built before reporting the error. A killed one leaves its record
behind: `lab down` (or the next `lab up`) finishes the job from there.
"""

from __future__ import annotations

import contextlib
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pydantic import BaseModel

from netkit.config.render import render_device
from netkit.errors import InputError, NetkitError
from netkit.inventory.models import Inventory
from netkit.lab import access, daemons, impair, network
from netkit.lab.host_keys import record_lab_host_keys
from netkit.lab.plan import RUN_ROOT, LabPlan, lab_prefix, plan_lab
from netkit.lab.state import LabState, StateStore, lab_lock
from netkit.lab.status import health_problems
from netkit.lab.system import empty_namespaces, kill_all, netns_exists, require_environment
from netkit.paths import lab_credentials_file, lab_dir, lab_failure_logs
from netkit.procs import process_alive

Progress = Callable[[str], None]


class UpResult(BaseModel):
    prefix: str
    inventory: str
    provisioned: bool
    already_up: bool = False
    devices: list[str] = []
    links: int = 0
    impairments: dict[str, str] = {}
    recovered: bool = False  # a half-built lab was torn down first
    skipped: list[str] = []
    credentials_file: str
    seconds: float = 0.0


class DownResult(BaseModel):
    prefix: str
    was_up: bool
    namespaces: list[str] = []
    processes_killed: int = 0
    paths: list[str] = []
    routes: list[str] = []
    user: str | None = None
    seconds: float = 0.0


def _quiet(_: str) -> None:
    pass


def provisioned_configs(inventory: Inventory, plan: LabPlan) -> dict[str, str]:
    """Each router's intended frr.conf from the config layer (the same text provisioning pushes)."""
    configs = {}
    for name, device in plan.devices.items():
        if device.kind == "router":
            files = render_device(inventory, inventory.devices[name]).files
            if "frr.conf" not in files:
                raise InputError(f"{name}: the rendered configuration has no frr.conf (got {', '.join(files)})")
            configs[name] = files["frr.conf"]
    return configs


def lab_up(inventory: Inventory, provisioned: bool = False, progress: Progress = _quiet) -> UpResult:
    """Build the lab (a no-op when the same lab is already up and healthy)."""
    plan = plan_lab(inventory)  # bad input is reported (exit 2) before the environment is looked at
    configs = provisioned_configs(inventory, plan) if provisioned else {}
    require_environment()
    result = UpResult(prefix=plan.prefix, inventory=str(inventory.path), provisioned=provisioned,
                      devices=list(plan.devices), links=len(plan.links), skipped=plan.skipped,
                      credentials_file=str(lab_credentials_file()))
    started = time.monotonic()
    store = StateStore(lab_dir())
    with lab_lock(lab_dir()):
        state = store.load()
        if state is not None and state.phase == "up":
            if state.inventory != str(inventory.path) or state.prefix != plan.prefix:
                raise InputError(f"a lab is already up from {state.inventory} (prefix {state.prefix}): "
                                 "run `netkit lab down` first")
            problems = health_problems(plan, store)
            if problems:
                raise NetkitError("the lab is up but unhealthy (" + "; ".join(problems[:5]) +
                                  "): run `netkit lab down` then `netkit lab up`")
            if state.provisioned != provisioned:
                have = "provisioned" if state.provisioned else "in factory state"
                raise InputError(f"the lab is already up {have}: run `netkit lab down` first to rebuild it")
            result.already_up = True
            result.impairments = {k: impair.describe(v.impairment) for k, v in state.impairments.items()}
            return result
        if state is not None or any(netns_exists(ns) for ns in plan.namespaces):
            progress("tearing down the remains of an interrupted lab")
            _teardown(store, plan)
            result.recovered = True
        conflicts = network.host_conflicts(plan)
        if conflicts:
            raise NetkitError("; ".join(conflicts))
        try:
            _build(inventory, plan, store, configs, provisioned, progress)
        except BaseException:
            progress("lab up failed: tearing down what was built")
            _teardown(store, plan)
            raise
    assert store.state is not None
    result.impairments = {k: impair.describe(v.impairment) for k, v in store.state.impairments.items()}
    result.seconds = round(time.monotonic() - started, 2)
    return result


def _build(inventory: Inventory, plan: LabPlan, store: StateStore, configs: dict[str, str], provisioned: bool,
           progress: Progress) -> None:
    store.begin(plan.prefix, inventory.path, provisioned)
    store.add("paths", str(plan.run_dir))
    plan.run_dir.mkdir(parents=True, exist_ok=True)
    for d in (plan.run_dir.parent, plan.run_dir):
        d.chmod(0o755)

    progress("credentials and the lab user")
    creds = access.generate_credentials(access.lab_username(plan.prefix))
    store.add("paths", str(lab_credentials_file()))
    access.write_credentials(lab_credentials_file(), creds)
    shell = access.write_scripts(plan.run_dir / "bin", plan.prefix)
    with store.change() as st:
        st.user = creds.username
    access.ensure_user(creds, shell, plan.run_dir / "home")

    progress(f"{len(plan.namespaces)} namespaces, {len(plan.links)} links, management bridge")
    network.create_namespaces(plan, store)
    network.add_guard_route(plan, store)
    network.create_links(plan, store)
    network.configure_host(plan, store)

    progress(f"starting {len(plan.devices)} devices")
    store.add("paths", *(str(p) for p in daemons.frr_dirs(plan)))
    daemons.prepare_machine()

    def start(name: str) -> None:
        device = plan.devices[name]
        site = inventory.sites[inventory.devices[name].site]
        network.configure_device(plan, device)
        files = daemons.write_device_files(plan, device, creds, f"{site.name}, {site.province}", configs.get(name))
        daemons.start_device(device, files, store, lab_failure_logs())

    # Starting a device is mostly waiting (watchfrr polls its daemons): many at once pays even on 2 cores.
    pool = ThreadPoolExecutor(max_workers=min(32, len(plan.devices)))
    try:
        for future in [pool.submit(start, name) for name in plan.devices]:
            future.result()
    finally:  # on the first failure (or a signal), start nothing more
        pool.shutdown(wait=True, cancel_futures=True)

    record_lab_host_keys(inventory, plan)  # the demo verifies host keys like production
    network.plug_links(plan)
    impaired = [lk for lk in plan.links if not impair.is_clear(lk.impairment)]
    if impaired:
        progress(f"impairing {len(impaired)} link(s)")
        netem = impair.netem_available(plan)
        for lk in impaired:
            impair.apply(plan, lk, lk.impairment, store, netem=netem)
    with store.change() as st:
        st.phase = "up"


def lab_down(inventory: Inventory | None = None) -> DownResult:
    """Stop and delete everything a lab up recorded (or, with no record, what the inventory's lab would be)."""
    require_environment({"ip": "iproute2"})
    started = time.monotonic()
    store = StateStore(lab_dir())
    with lab_lock(lab_dir()):
        state = store.load()
        plan = None
        if inventory is not None:
            try:
                plan = plan_lab(inventory, state.prefix if state else None)
            except InputError:
                plan = None
        result = _teardown(store, plan)
    result.seconds = round(time.monotonic() - started, 2)
    return result


def _teardown(store: StateStore, plan: LabPlan | None) -> DownResult:
    state = store.state
    prefix = state.prefix if state else (plan.prefix if plan else lab_prefix())
    namespaces = list(dict.fromkeys([*(state.namespaces if state else []), *(plan.namespaces if plan else [])]))
    result = DownResult(prefix=prefix, was_up=state is not None and state.phase == "up")
    present = [ns for ns in namespaces if netns_exists(ns)]

    survivors = empty_namespaces(present)
    if survivors:
        raise NetkitError(f"processes {survivors} in the lab's namespaces survived SIGKILL; run `netkit lab down` again")
    recorded = [r for rs in (state.processes.values() if state else []) for r in rs]
    stray = [r.pid for r in recorded if process_alive(r.pid, r.start_time)]
    kill_all(stray)
    result.processes_killed = len(stray)
    network.delete_namespaces(present)
    result.namespaces = present

    host_ifs = state.host_interfaces if state else []
    routes = state.host_routes if state else []
    if plan is not None and not state and any(network.link_exists(i) for i in plan.host_interfaces):
        host_ifs, routes = plan.host_interfaces, [network.guard_route(plan), *network.noc_routes(plan)]
    network.delete_host_side(host_ifs, routes)
    result.routes = routes

    user = state.user if state else access.lab_username(prefix)
    if user and access.user_exists(user):
        access.remove_user(user)
        result.user = user

    paths = list(state.paths if state else [])
    if plan is not None:
        paths += [str(plan.run_dir), *(str(p) for p in daemons.frr_dirs(plan))]
    for path in dict.fromkeys(paths):
        if _removable(Path(path), prefix) and (Path(path).exists() or Path(path).is_symlink()):
            _remove(Path(path))
            result.paths.append(path)
    store.clear()
    with contextlib.suppress(OSError):  # the shared parent, once no lab uses it
        (plan.run_dir.parent if plan else RUN_ROOT).rmdir()
    return result


def _removable(path: Path, prefix: str) -> bool:
    """Only what the lab creates: its run directory, its FRR directories, its credentials file."""
    if path.parent in (daemons.FRR_ETC, daemons.FRR_RUN):
        return path.name.startswith(prefix)
    return path.is_relative_to(RUN_ROOT) or path == lab_credentials_file() or \
        path.is_relative_to(lab_dir())


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def load_state() -> LabState | None:
    return StateStore(lab_dir()).load()
