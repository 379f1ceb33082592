"""`netkit lab up|down|status|shell|exec|impair|generate`: real devices from the inventory, in namespaces."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from netkit.cli.common import InventoryOption, JsonOption, console, err_console, open_inventory, print_json
from netkit.errors import InputError, NetkitError
from netkit.inventory import Inventory
from netkit.lab import converge, impair, lifecycle, shell
from netkit.lab.generate import write_lab_inventory
from netkit.lab.plan import LabPlan, plan_lab
from netkit.lab.state import StateStore, lab_lock
from netkit.lab.status import LabStatus, lab_status
from netkit.lab.system import require_environment
from netkit.paths import lab_dir

lab_app = typer.Typer(help="Build the inventory's devices as real FRR routers in network namespaces.",
                      no_args_is_help=True)


def _inventory(path: Path | None) -> Inventory:
    """-i, else the inventory the lab was built from, else the default."""
    if path is None:
        state = StateStore(lab_dir()).load()
        if state is not None:
            path = Path(state.inventory)
    return open_inventory(path)


def _terminated(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _progress(message: str) -> None:
    err_console.print(f"[dim]lab:[/] {escape(message)}", highlight=False)


@lab_app.command("up")
def up(
    inventory: InventoryOption = None,
    provisioned: Annotated[bool, typer.Option(
        "--provisioned", help="Load each router's intended configuration (render) instead of the factory state.")] = False,
    wait: Annotated[float, typer.Option(
        help="With --provisioned: wait up to this many seconds for every OSPF/BGP adjacency (exit 1 if not).")] = 0,
    json: JsonOption = False,
) -> None:
    """Build the lab: namespaces, links, FRR, snmpd, sshd, service hosts (a no-op when already up)."""
    inv = open_inventory(inventory)
    # A `kill` (SIGTERM) unwinds like Ctrl-C, so lab up tears down what it built before exiting.
    signal.signal(signal.SIGTERM, _terminated)
    result = lifecycle.lab_up(inv, provisioned=provisioned, progress=_progress if not json else lambda _: None)
    adjacencies: list[converge.Adjacency] = []
    if provisioned and wait > 0:
        adjacencies = converge.wait_converged(inv, plan_lab(inv), wait)
    if json:
        print_json({"up": result, "adjacencies": adjacencies})
    elif result.already_up:
        console.print(f"[green]already up[/] ({len(result.devices)} devices from {result.inventory}); nothing changed")
    else:
        console.print(
            f"[green]lab up[/] in {result.seconds:.1f} s: {len(result.devices)} devices, {result.links} links"
            f"{' (provisioned)' if provisioned else ' (factory state)'}; credentials in {result.credentials_file}",
            highlight=False)
        for name, what in result.impairments.items():
            console.print(f"  impaired {name}: {what}", highlight=False)
        for line in result.skipped:
            console.print(f"  [yellow]skipped[/] {escape(line)}", highlight=False)
    down = [a for a in adjacencies if not a.up]
    if down:
        for a in down:
            err_console.print(f"not converged: {a.device} {a.protocol} {a.interface} -> {a.peer_device} "
                              f"{a.peer_address}: {a.state}", highlight=False)
        raise typer.Exit(1)


@lab_app.command("down")
def down(inventory: InventoryOption = None, json: JsonOption = False) -> None:
    """Stop every lab process and delete its namespaces, links, routes and files (idempotent)."""
    inv = None
    try:
        inv = _inventory(inventory)
    except NetkitError:
        if inventory is not None:
            raise
    stopped = _stop_monitoring()
    result = lifecycle.lab_down(inv)
    if json:
        print_json({**result.model_dump(mode="json"), "monitoring_stopped": stopped})
        return
    for what in stopped:
        console.print(f"stopped {what}", highlight=False)
    if not result.namespaces and not result.paths:
        console.print("lab down: nothing to remove")
        return
    console.print(f"[green]lab down[/] in {result.seconds:.1f} s: {len(result.namespaces)} namespaces, "
                  f"{len(result.routes)} host routes, {len(result.paths)} paths removed", highlight=False)


def _stop_monitoring() -> list[str]:
    """The exporter and the Prometheus/Alertmanager stack watch the lab: `lab down` stops them too."""
    from netkit.monitor.as_code import stack
    from netkit.monitor.exporter import daemon

    stopped = []
    outcome = daemon.stop(daemon.default_pidfile())
    if outcome.stopped:
        stopped.append(f"exporter (pid {outcome.pid})")
    stopped.extend(stack.down())
    return stopped


def _status_table(st: LabStatus) -> None:
    table = Table("device", "namespace", "mgmt", "reach", "daemons", title=f"lab {st.inventory} ({st.phase}, "
                  f"{'provisioned' if st.provisioned else 'factory state'})")
    for d in st.devices:
        reach = "[green]yes[/]" if d.mgmt_reachable else ("[red]no[/]" if d.mgmt_reachable is False else "-")
        daemons = " ".join(f"{n}" if ok else f"[red]{n}![/]" for n, ok in d.daemons.items()) or "[red]none[/]"
        ns = d.namespace if d.namespace_exists else f"[red]{d.namespace} (missing)[/]"
        table.add_row(d.name, ns, d.mgmt_address, reach, daemons)
    console.print(table)
    links = Table("link", "a end", "b end", "impairment")

    def end(name: str, state: str) -> str:
        return f"{name} {state}" if state == "UP" else f"{name} [red]{state}[/]"

    for lk in st.links:
        what = impair.describe(lk.impairment) + f" ({lk.method})" if lk.impairment else "-"
        if lk.relay_alive is False:
            what += " [red]relay dead[/]"
        links.add_row(lk.name, end(lk.a, lk.a_state), end(lk.b, lk.b_state), what)
    console.print(links)
    for d in st.devices:
        for inv_name, linux in d.interface_map.items():
            console.print(f"  {d.name}: {inv_name} is {linux} in the lab", highlight=False)
    console.print(f"host: {st.host_mgmt}" + (f"; NOC {st.noc}" if st.noc else ""), highlight=False)
    for p in st.problems:
        console.print(f"[red]problem:[/] {escape(p)}", highlight=False)


@lab_app.command("status")
def status(
    inventory: InventoryOption = None,
    json: JsonOption = False,
    ping: Annotated[bool, typer.Option(help="Ping every management address from the host.")] = True,
) -> None:
    """Every device (namespace, daemons, management reachability), link states and impairments.
    Exit 1 when the lab is down or unhealthy."""
    plan = plan_lab(_inventory(inventory))
    require_environment({"ip": "iproute2"})
    st = lab_status(plan, StateStore(lab_dir()), ping=ping)
    if json:
        print_json(st.model_dump(mode="json") | {"healthy": st.healthy})
    elif not st.up and st.phase is None:
        console.print(f"the lab is down (prefix {st.prefix})")
    else:
        _status_table(st)
    if not st.healthy:
        raise typer.Exit(1)


def _running_plan(inventory: Path | None, device: str) -> LabPlan:
    plan = plan_lab(_inventory(inventory))
    plan.device(device)  # an unknown device is bad input (exit 2), whatever the environment
    require_environment({"ip": "iproute2", "nsenter": "util-linux"})
    return plan


@lab_app.command("shell")
def shell_cmd(
    device: Annotated[str, typer.Argument(help="A lab device.")],
    bash: Annotated[bool, typer.Option("--bash", help="A Linux shell instead of the FRR CLI.")] = False,
    inventory: InventoryOption = None,
) -> None:
    """The device's FRR CLI (vtysh), or a shell inside it with --bash."""
    argv = shell.shell_argv(_running_plan(inventory, device), device, bash=bash)
    os.execvp(argv[0], argv)


@lab_app.command("exec", context_settings={"allow_interspersed_args": False})
def exec_cmd(
    device: Annotated[str, typer.Argument(help="A lab device.")],
    command: Annotated[list[str], typer.Argument(help="The command (after --).")],
    inventory: InventoryOption = None,
) -> None:
    """Run a command inside the device (`vtysh` there targets its FRR); exits with the command's code."""
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        raise InputError("give the command after --, e.g. `netkit lab exec dc-core1 -- ip -br addr`")
    argv = shell.device_argv(_running_plan(inventory, device), device, command)
    raise typer.Exit(subprocess.call(argv))


@lab_app.command("impair")
def impair_cmd(
    link: Annotated[str, typer.Argument(help="`devA:ifA--devB:ifB`, `device:interface`, or a device with one link.")],
    delay: Annotated[str | None, typer.Option(help="One-way delay, each direction (30ms).")] = None,
    jitter: Annotated[str | None, typer.Option(help="Random variation of the delay (5ms).")] = None,
    loss: Annotated[str | None, typer.Option(help="Frames lost, each direction (2%).")] = None,
    rate: Annotated[str | None, typer.Option(help="Rate limit, each direction (50mbit).")] = None,
    clear: Annotated[bool, typer.Option("--clear", help="Remove the link's impairment.")] = False,
    inventory: InventoryOption = None,
    json: JsonOption = False,
) -> None:
    """Degrade a lab link (delay, jitter, loss, rate) or restore it with --clear."""
    from netkit.inventory.models import Impairment

    if clear == any(v is not None for v in (delay, jitter, loss, rate)):
        raise InputError("give --clear, or at least one of --delay, --jitter, --loss, --rate")
    plan = plan_lab(_inventory(inventory))
    target = plan.link(link)
    wanted = None if clear else Impairment(
        delay_ms=impair.parse_duration_ms(delay, "--delay") if delay else 0,
        jitter_ms=impair.parse_duration_ms(jitter, "--jitter") if jitter else 0,
        loss_pct=impair.parse_percent(loss, "--loss") if loss else 0,
        rate_mbit=impair.parse_rate_mbit(rate, "--rate") if rate else None,
    )
    require_environment({"ip": "iproute2", "tc": "iproute2"})
    store = StateStore(lab_dir())
    with lab_lock(lab_dir()):
        state = store.load()
        if state is None or state.phase != "up":
            raise NetkitError("the lab is not up: run `netkit lab up` first")
        record = impair.apply(plan, target, wanted, store)
    if json:
        print_json({"link": target.name, "impairment": record.impairment if record else None,
                    "method": record.method if record else None})
        return
    what = f"{impair.describe(record.impairment)} ({record.method})" if record else "cleared"
    console.print(f"{target.name}: {what}", highlight=False)


@lab_app.command("generate")
def generate(
    out: Annotated[Path, typer.Argument(help="Directory to write the inventory into (created).")],
    routers: Annotated[int, typer.Option(help="How many FRR routers (2 cores + sites).")] = 30,
    service_host: Annotated[bool, typer.Option(help="Add an HTTP service host behind core1.")] = False,
) -> None:
    """Write a lab inventory of N routers (everything in 198.18.0.0/15) for benchmarks and experiments."""
    path = write_lab_inventory(out, routers, service_host)
    console.print(f"wrote {path}: {routers} routers")


def register(app: typer.Typer) -> None:
    app.add_typer(lab_app, name="lab")
