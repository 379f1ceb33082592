"""Command lines that run something inside a lab device: `lab exec` and `lab shell` (the CLI runs them)."""

from __future__ import annotations

from netkit.errors import NetkitError
from netkit.lab import daemons
from netkit.lab.plan import DevicePlan, LabPlan
from netkit.lab.system import in_netns, netns_exists
from netkit.procs import process_alive, read_pid

SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def _uts_holder(plan: LabPlan, device: DevicePlan) -> int | None:
    """A live daemon of the device: joining its UTS namespace gives the device's hostname."""
    files = daemons.DeviceFiles.of(plan, device.name)
    for path in daemons.daemon_pidfiles(device, files).values():
        pid = read_pid(path)
        if pid is not None and process_alive(pid) and in_netns(pid, device.ns):
            return pid
    return None


def device_argv(plan: LabPlan, name: str, command: list[str]) -> list[str]:
    """`command` inside the device: its network namespace, its hostname, `vtysh` aimed at its FRR."""
    device = plan.device(name)
    if not netns_exists(device.ns):
        raise NetkitError(f"{name}: namespace {device.ns} does not exist (is the lab up? `netkit lab status`)")
    env = ["env", f"PATH={plan.run_dir / 'bin' / 'path'}:{SYSTEM_PATH}", f"NETKIT_FRR_PATHSPACE={device.ns}"]
    holder = _uts_holder(plan, device)
    if holder is not None:
        return ["ip", "netns", "exec", device.ns, "nsenter", "--uts", "--target", str(holder), *env, *command]
    return ["ip", "netns", "exec", device.ns, "unshare", "--uts", "sh", "-c", 'hostname "$0"; exec "$@"',
            device.name, *env, *command]


def shell_argv(plan: LabPlan, name: str, bash: bool = False) -> list[str]:
    """The device's FRR CLI (routers) or a bash shell (`bash`, or a service host)."""
    device = plan.device(name)
    if device.kind == "router" and not bash:
        return device_argv(plan, name, ["vtysh", "-N", device.ns])
    return device_argv(plan, name, ["env", f"PS1={name}:\\w# ", "bash", "--norc", "-i"])
