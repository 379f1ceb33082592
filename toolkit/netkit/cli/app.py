"""The `netkit` command: command groups, global options, and the error-to-exit-code mapping."""

from __future__ import annotations

import contextlib
from typing import Annotated, Any

import typer
from typer._click import Context
from typer.core import TyperGroup

from netkit import __version__
from netkit.cli import commands
from netkit.cli.common import err_console
from netkit.errors import InventoryError, NetkitError
from netkit.paths import secure_state_dir


class NetkitGroup(TyperGroup):
    """Turns every NetkitError raised below into its message and exit code (never a traceback)."""

    def invoke(self, ctx: Context) -> Any:
        try:
            return super().invoke(ctx)
        except InventoryError as e:
            err_console.print(f"[bold red]error:[/] {e}", highlight=False, soft_wrap=True)
            for problem in e.problems if e.problems != [str(e)] else []:
                err_console.print(f"  - {problem}", highlight=False, soft_wrap=True)
            raise typer.Exit(e.exit_code) from None
        except NetkitError as e:
            err_console.print(f"[bold red]error:[/] {e}", highlight=False, soft_wrap=True)
            raise typer.Exit(e.exit_code) from None


app = typer.Typer(
    cls=NetkitGroup,
    name="netkit",
    help="Provision and watch the government network's ministry sites from one inventory.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"netkit {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Exit codes: 0 success, 1 operation failed, 2 bad input (nothing changed), 3 environment missing."""
    with contextlib.suppress(OSError):  # a read-only machine may still render and validate
        secure_state_dir()
    ctx.call_on_close(_secure_quietly)  # also what this command created


def _secure_quietly() -> None:
    with contextlib.suppress(OSError):
        secure_state_dir()


commands.register_all(app)


def main() -> None:
    app()
