"""`netkit provision site --all|--ministry|--province [--canary ...] [--wave-size N] [--max-failed K|P%]` and
`netkit provision resume ID`: a rollout in waves, shown wave by wave with an ETA."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.live import Live
from rich.table import Table
from rich.text import Text

from netkit.cli.common import InventoryOption, JsonOption, console, open_inventory, print_json
from netkit.errors import InputError
from netkit.inventory import Inventory
from netkit.provision.defaults import ansible_factory, production_env
from netkit.provision.rollout_record import DONE, RolloutPolicy, RolloutRecord
from netkit.provision.steps import Steps
from netkit.provision.waves import WaveEvent, new_record, rollout_for

_STATE_STYLE = {"confirmed": "green", "unchanged": "green", "running": "yellow", "pending": "dim",
                "rolled-back": "yellow", "failed": "bold red", "refused": "red", "interrupted": "red"}


def parse_max_failed(text: str | None) -> tuple[int | None, float | None]:
    """'3' -> (3, None); '10%' -> (None, 10.0)."""
    if text is None:
        return None, None
    try:
        if text.endswith("%"):
            pct = float(text[:-1])
            if not 0 <= pct <= 100:
                raise ValueError
            return None, pct
        count = int(text)
        if count < 0:
            raise ValueError
        return count, None
    except ValueError:
        raise InputError(f"--max-failed {text!r}: give a count (3) or a percentage of a wave (10%)") from None


class WaveView:
    """A row per wave (sites, confirmed, failed, time) and an ETA; plain lines when not on a terminal."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.live: Live | None = None
        self.record: RolloutRecord | None = None
        self.eta: float | None = None
        self.t0 = time.monotonic()

    def table(self) -> Table:
        elapsed = time.monotonic() - self.t0
        eta = f", ETA {self.eta:.0f}s" if self.eta is not None else ""
        table = Table("wave", "sites", "confirmed", "failed", "running", "time",
                      title=f"rollout {self.record.id if self.record else ''} ({elapsed:.0f}s{eta})",
                      title_justify="left")
        for wave in self.record.waves if self.record else []:
            states = [self.record.sites[c].state for c in wave.sites] if self.record else []
            table.add_row(wave.name, str(len(wave.sites)), str(sum(s in DONE for s in states)),
                          Text(str(sum(s in ("failed", "rolled-back", "refused") for s in states)), style="red"),
                          str(states.count("running")), f"{wave.seconds:.1f}s" if wave.seconds is not None else "")
        return table

    def __call__(self, event: WaveEvent) -> None:
        self.record, self.eta = event.record, event.eta_seconds
        if self.live is not None:
            self.live.update(self.table())
        elif self.enabled:
            done = sum(e.state in DONE for e in event.record.sites.values())
            eta = f", ETA {event.eta_seconds:.0f}s" if event.eta_seconds is not None else ""
            took = f" in {event.wave.seconds:.1f}s" if event.phase == "end" and event.wave.seconds is not None else ""
            console.print(f"rollout {event.record.id}: {event.wave.name} ({len(event.wave.sites)} sites) "
                          f"{'started' if event.phase == 'start' else 'ended'}{took}; {done}/{len(event.record.sites)} "
                          f"confirmed{eta}", highlight=False)

    def __enter__(self) -> WaveView:
        if self.enabled and console.is_terminal:
            self.live = Live(self.table(), console=console, refresh_per_second=2)
            self.live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.live is not None:
            self.live.__exit__(None, None, None)
            self.live = None


def exit_code(record: RolloutRecord) -> int:
    states = {e.state for e in record.sites.values()}
    if states & {"failed", "rolled-back", "running", "interrupted"} or record.status == "stopped":
        return 1
    return 2 if "refused" in states else 0


def finish(record: RolloutRecord, json: bool) -> None:
    if json:
        print_json(record)
        raise typer.Exit(exit_code(record))
    table = Table("site", "wave", "state", "message", title=f"rollout {record.id}: {record.status}", title_justify="left")
    wave_of = {c: w.name for w in record.waves for c in w.sites}
    for code, entry in record.sites.items():
        table.add_row(code, wave_of[code], Text(entry.state, style=_STATE_STYLE.get(entry.state, "")), entry.message[:100])
    console.print(table)
    console.print("  ".join(f"{w.name} {w.seconds:.1f}s" for w in record.waves if w.seconds is not None), style="dim")
    if record.stop_reason:
        console.print(f"[red]{record.stop_reason}[/]", highlight=False)
    if record.status != "done":
        console.print(f"continue with: netkit provision resume {record.id}", highlight=False)
    raise typer.Exit(exit_code(record))


def run_rollout(inv: Inventory, codes: list[str], canary: list[str], policy: RolloutPolicy, command: str,
                json: bool) -> None:
    env = production_env(command=command)
    steps = Steps(inv, env, ansible_factory(inv))
    steps.refuse_without_upstream(codes)  # exit 2 before the first wave, naming the data center
    record = new_record(inv, codes, canary, policy, env.who, command, env.clock())
    view = WaveView(enabled=not json)
    with view:
        record = rollout_for(steps, view).run(record)
    finish(record, json)


def resume(
    rollout_id: Annotated[str, typer.Argument(help="The rollout id (printed when it started; <state>/rollouts/).")],
    inventory: InventoryOption = None,
    json: JsonOption = False,
) -> None:
    """Continue an interrupted (or stopped) rollout: sites a killed run left mid-transaction are settled
    first (finished, or rolled back to their backup, or left to their revert timers), confirmed sites are
    not redone, the rest goes on in its waves."""
    inv = open_inventory(inventory)
    steps = Steps(inv, production_env(command=f"netkit provision resume {rollout_id}"), ansible_factory(inv))
    view = WaveView(enabled=not json)
    with view:
        record = rollout_for(steps, view).resume(rollout_id)
    finish(record, json)
