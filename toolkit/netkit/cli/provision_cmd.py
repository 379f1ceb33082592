"""`netkit provision site`, `netkit backup [SITE|--all]`, `netkit backup log DEVICE`, `netkit diff site`,
`netkit rollback site`: the site transaction and what surrounds it."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from rich.live import Live
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from typer._click import Context
from typer.core import TyperGroup

from netkit.cli.common import InventoryOption, JsonOption, console, err_console, open_inventory, print_json
from netkit.cli.rollout_cmd import parse_max_failed, resume, run_rollout
from netkit.errors import InputError
from netkit.inventory import Inventory
from netkit.provision.backend import Progress
from netkit.provision.backups import check_backup_id
from netkit.provision.defaults import ansible_factory, production_env
from netkit.provision.masking import Masker
from netkit.provision.plan import choose_site
from netkit.provision.report import SiteReport
from netkit.provision.rollout import backup_sites, provision_many, rollout_order
from netkit.provision.rollout_record import RolloutPolicy
from netkit.provision.transaction import ProvisionOptions, SiteTransaction
from netkit.provision.waves import select_sites

STEPS = ("render", "backup", "diff", "commit", "checks", "confirm", "rollback")
_STYLE = {"running": "yellow", "ok": "green", "changed": "cyan", "unchanged": "dim", "failed": "bold red",
          "skipped": "dim"}
_RESULT_STYLE = {"confirmed": "green", "unchanged": "green", "checked": "green", "restored": "green",
                 "backed-up": "green", "rolled-back": "yellow", "failed": "bold red"}


class LiveView:
    """A row per device and a column per step, updated from the transaction's progress events; plain
    lines instead when stdout is not a terminal (logs, CI, tests)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.cells: dict[str, dict[str, tuple[str, str]]] = {}
        self.live: Live | None = None

    def table(self) -> Table:
        table = Table("device", *STEPS, title="site transaction", title_justify="left")
        for device, steps in self.cells.items():
            row: list[Text | str] = [device]
            for step in STEPS:
                status, detail = steps.get(step, ("", ""))
                label = {"ok": "ok", "changed": "changed", "running": "…"}.get(status, status)
                if step == "diff" and status == "changed":
                    label = "changes"
                elif step == "commit" and status == "changed":
                    label = "committed"
                elif step == "confirm" and status == "ok":
                    label = "confirmed"
                elif step == "rollback" and status == "ok":
                    label = "rolled back"
                row.append(Text(label if not detail or status == "running" else f"{label} {detail}"[:38],
                                style=_STYLE.get(status, "")))
            table.add_row(*row)
        return table

    def __call__(self, p: Progress) -> None:
        step = p.step
        if step == "commit" and p.status == "unchanged":
            step = "diff"
        self.cells.setdefault(p.device, {})[step] = (p.status, p.detail)
        if p.step == "commit" and p.status in ("changed", "ok"):
            self.cells[p.device].setdefault("diff", ("changed" if p.status == "changed" else "unchanged", ""))
        if self.live is not None:
            self.live.update(self.table())
        elif self.enabled:
            console.print(escape(f"{p.device}: {p.step} {p.status}{' ' + p.detail if p.detail else ''}"), highlight=False,
                          soft_wrap=True)

    def __enter__(self) -> LiveView:
        if self.enabled and console.is_terminal:
            self.live = Live(self.table(), console=console, refresh_per_second=8, transient=True)
            self.live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.live is not None:
            self.live.__exit__(None, None, None)
            self.live = None


def _print_report(report: SiteReport, show_diffs: bool = True) -> None:
    if show_diffs:
        for d in report.devices:
            if d.diff.strip():
                console.rule(f"{d.name}: diff", style="cyan")
                console.print(Text(d.diff.rstrip("\n")), highlight=False)
    table = Table("device", "platform", "status", "changed", "checks", "backup",
                  title=f"{report.action} {report.site}: {report.result}", title_justify="left")
    for d in report.devices:
        passed = sum(c.passed for c in d.checks)
        checks = f"{passed}/{len(d.checks)}" if d.checks else ""
        table.add_row(d.name, d.platform, Text(d.status, style=_RESULT_STYLE.get(d.status, "")),
                      "yes" if d.changed else "", checks, (d.backup_id or "")[:10])
    console.print(table)
    for d in report.devices:
        if d.error or d.reason:
            style = "red" if d.error else "dim"
            console.print(f"[{style}]{escape(d.name)}:[/] {escape(d.error or d.reason or '')}", highlight=False, soft_wrap=True)
        for c in d.checks:
            if not c.passed:
                console.print(f"[red]✗[/] {escape(f'{d.name}: {c.name}: {c.detail.strip()}')}", highlight=False, soft_wrap=True)
    timing = "  ".join(f"{k} {v:.1f}s" for k, v in report.phase_seconds.items())
    style = _RESULT_STYLE.get(report.result, "")
    console.print(f"[{style}]{report.result}[/]: {escape(report.message)}", highlight=False)
    if timing:
        console.print(f"[dim]{timing}[/]", highlight=False)


def _backup_id(value: str | None) -> str | None:
    """--to BACKUP_ID has the form of a commit id, checked before anything is asked or done."""
    try:
        return None if value is None else check_backup_id(value)
    except InputError as e:
        raise typer.BadParameter(str(e)) from None


def _confirm(what: str, yes: bool) -> None:
    if yes:
        return
    if not sys.stdin.isatty():
        raise InputError(f"{what}: stdin is not a terminal, so nobody can confirm; pass --yes to proceed")
    if not typer.confirm(f"{what}?", default=False):
        raise InputError(f"{what}: not confirmed, nothing changed")


def _transaction(inv: Inventory, site: str, view: LiveView, command: str) -> SiteTransaction:
    return SiteTransaction(inv, site, production_env(command=command), ansible_factory(inv), progress=view)


def _finish(report: SiteReport, json: bool) -> None:
    if json:
        print_json(report)
    else:
        _print_report(report)
    raise typer.Exit(report.exit_code)


# ---------------------------------------------------------------------------------------- provision
provision_app = typer.Typer(help="Push intended configs to a site as one transaction.", no_args_is_help=True)


@provision_app.command("site")
def provision_site(
    sites: Annotated[list[str] | None, typer.Argument(
        help="Site code(s) (see `netkit inventory show`); several sites run as one batch.")] = None,
    all_sites: Annotated[bool, typer.Option("--all", help="Every site (data centers first, in one batch).")] = False,
    check: Annotated[bool, typer.Option("--check", help="Stop after the diffs: change nothing.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    confirm_timeout: Annotated[int, typer.Option(min=30, max=3600, help="Revert timer (s): a device not confirmed "
                                                 "in time restores its previous config by itself.")] = 300,
    check_wait: Annotated[int, typer.Option(min=0, max=600, help="How long post-checks may wait for routing "
                                            "to converge (s).")] = 60,
    only: Annotated[list[str] | None, typer.Option("--only", help="Only this device of the site (repeatable).")] = None,
    ministry: Annotated[list[str] | None, typer.Option("--ministry", help="Rollout: the sites of this ministry "
                                                       "(repeatable).")] = None,
    province: Annotated[list[str] | None, typer.Option("--province", help="Rollout: the sites of this province "
                                                       "(repeatable).")] = None,
    canary: Annotated[list[str] | None, typer.Option("--canary", help="Rollout: these sites go first (after the "
                                                     "data centers); the rollout stops unless they are confirmed.")] = None,
    wave_size: Annotated[int | None, typer.Option("--wave-size", min=1, help="Rollout: then waves of N sites "
                                                  "(default 20).")] = None,
    max_failed: Annotated[str | None, typer.Option("--max-failed", help="Rollout: stop when more than K sites "
                                                   "of a wave failed (K, or a percentage of the wave: 10%).")] = None,
    now: Annotated[bool, typer.Option("--now", help="Change sites outside their maintenance windows too "
                                      "(where the change policy requires one); needs --reason.")] = False,
    reason: Annotated[str | None, typer.Option("--reason", help="Why --now (goes into the audit).")] = None,
    inventory: InventoryOption = None,
    json: JsonOption = False,
) -> None:
    """Render, lock, back up, commit with a revert timer, post-check, then confirm everywhere or roll the
    whole site back. Exit 0 confirmed/unchanged, 1 failed (rolled back), 2 bad input, 3 environment.
    --all, --ministry, --province or any rollout option make it a rollout in waves (`provision resume ID`)."""
    inv = open_inventory(inventory)
    if now != bool(reason and reason.strip()):
        raise InputError("--now and --reason TEXT go together: say why the change cannot wait for the window")
    if not check and (all_sites or ministry or province or canary or wave_size or max_failed):
        codes = select_sites(inv, sites or [], all_sites, _split(ministry), _split(province))
        count, pct = parse_max_failed(max_failed)
        _confirm(f"roll out {len(codes)} site(s) in waves", yes)
        policy = RolloutPolicy(wave_size=wave_size or 20, max_failed=count, max_failed_percent=pct,
                               confirm_timeout=confirm_timeout, check_wait=check_wait, reason=reason)
        run_rollout(inv, codes, _split(canary) or [], policy, "netkit provision site " + " ".join(sys.argv[3:]), json)
    codes = rollout_order(inv, sites or [], all_sites)
    if only and len(codes) != 1:
        raise InputError("--only needs exactly one SITE")
    chosen = [d.name for code in codes for d in choose_site(inv, code, only)]  # bad names: exit 2 first
    if not check:
        _confirm(f"provision site {', '.join(codes)} ({', '.join(chosen)}); run with --check first to see the diffs",
                 yes)
    view = LiveView(enabled=not json)
    env = production_env("netkit provision site " + " ".join(codes))
    opts = ProvisionOptions(check_only=check, confirm_timeout=confirm_timeout, check_wait=check_wait, only=only,
                            reason=reason)
    with view:
        reports = provision_many(inv, codes, env, ansible_factory(inv), opts, progress=view)
    if len(reports) == 1:
        _finish(reports[0], json)
    if json:
        print_json(reports)
    else:
        for report in reports:
            _print_report(report)
    raise typer.Exit(max(r.exit_code for r in reports))


def _split(values: list[str] | None) -> list[str] | None:
    """`--canary a,b --canary c` -> [a, b, c]."""
    return [v for item in values for v in item.split(",") if v] if values else None


# ---------------------------------------------------------------------------------------- backup
class _DefaultGroup(TyperGroup):
    """`netkit backup SITE` and `netkit backup log DEVICE`: a first word that is not a subcommand runs `run`."""

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        if not (args and args[0] in ("--help", "-h")) and (not args or args[0] not in self.commands):
            args = ["run", *args]
        return super().parse_args(ctx, args)


backup_app = typer.Typer(cls=_DefaultGroup, help="Back up running configs into the git backup store: "
                         "`netkit backup SITE`, `netkit backup --all`, `netkit backup log DEVICE`. "
                         "The options of a backup (-i, --json): `netkit backup SITE --help`.")


@backup_app.command("run", hidden=True)
def backup_run(
    site: Annotated[str | None, typer.Argument(help="Site code.")] = None,
    all_sites: Annotated[bool, typer.Option("--all", help="Every site.")] = False,
    inventory: InventoryOption = None,
    json: JsonOption = False,
) -> None:
    """netkit backup [SITE|--all]: one commit per site; ids are commit ids."""
    inv = open_inventory(inventory)
    view = LiveView(enabled=not json)
    with view:
        reports = backup_sites(
            inv, site, all_sites, lambda code: _transaction(inv, code, view, command="netkit backup"),
            lambda code, e: err_console.print(f"[dim]{escape(f'{code}: skipped ({e})')}[/]", highlight=False))
    if json:
        print_json(reports)
    else:
        table = Table("site", "device", "backup id", "result")
        for r in reports:
            for d in r.devices:
                table.add_row(r.site, d.name, (d.backup_id or "")[:12], d.status if not d.error else d.error)
        console.print(table)
    raise typer.Exit(max((r.exit_code for r in reports), default=0))


@backup_app.command("log")
def backup_log(
    device: Annotated[str, typer.Argument(help="Device name.")],
    limit: Annotated[int, typer.Option(min=1, help="How many backups to show.")] = 10,
    inventory: InventoryOption = None,
    json: JsonOption = False,
) -> None:
    """The device's backup history, newest first, each with its diff (secrets masked)."""
    inv = open_inventory(inventory)
    site = inv.device(device).site
    env = production_env()
    masker = _masker_for(inv)
    entries = [e.model_copy(update={"diff": masker.mask(e.diff)})
               for e in env.store.log(site, device, limit)]
    if json:
        print_json(entries)
        return
    if not entries:
        console.print(f"no backup of {device} yet (run `netkit backup {site}`)")
        return
    for e in entries:
        console.rule(f"{e.id[:12]}  {e.when.isoformat(timespec='seconds')}  {e.author}  {e.message}", style="cyan")
        console.print(Text(e.diff or "(no change)"), highlight=False)


def _masker_for(inv: Inventory) -> Masker:
    from netkit.inventory.credentials import credentials_for

    masker = Masker()
    for dev in inv.devices.values():
        try:
            masker.add(credentials_for(inv, dev).secrets())
        except InputError:
            continue
    return masker


# ---------------------------------------------------------------------------------------- diff, rollback
diff_app = typer.Typer(help="Drift between intended and running configs.", no_args_is_help=True)


@diff_app.command("site")
def diff_site(
    site: Annotated[str, typer.Argument(help="Site code.")],
    inventory: InventoryOption = None,
    json: JsonOption = False,
) -> None:
    """Load each device's intended config as a candidate, show the diff, discard it (nothing changes)."""
    inv = open_inventory(inventory)
    view = LiveView(enabled=False)
    report = _transaction(inv, site, view, command="netkit diff").diff()
    _finish(report, json)


rollback_app = typer.Typer(help="Restore a site to a backup, as one transaction.", no_args_is_help=True)


@rollback_app.command("site")
def rollback_site(
    site: Annotated[str, typer.Argument(help="Site code.")],
    to: Annotated[str | None, typer.Option("--to", callback=_backup_id, help="Backup id (see `netkit backup log DEVICE`); default: "
                                           "the newest backup that differs from what runs now.")] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    inventory: InventoryOption = None,
    json: JsonOption = False,
) -> None:
    """Back up what runs now, restore every device of the site to the backup and prove it; if any device
    cannot be restored, put every device back to what ran before."""
    inv = open_inventory(inventory)
    choose_site(inv, site)
    _confirm(f"roll back site {site} to {to or 'the previous backup'}", yes)
    view = LiveView(enabled=not json)
    with view:
        report = _transaction(inv, site, view, command="netkit rollback").rollback(to)
    _finish(report, json)


provision_app.command("resume")(resume)


def register(app: typer.Typer) -> None:
    from netkit.cli import watch_cmd

    watch_cmd.register(backup_app)
    app.add_typer(provision_app, name="provision")
    app.add_typer(backup_app, name="backup")
    app.add_typer(diff_app, name="diff")
    app.add_typer(rollback_app, name="rollback")


__all__: list[Any] = ["register"]
