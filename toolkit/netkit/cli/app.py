"""The `netkit` command: command groups, global options, and the error-to-exit-code mapping."""

from __future__ import annotations

import contextlib
from typing import Annotated, Any

import typer
from rich.markup import escape
from typer._click import Context
from typer._click.exceptions import ClickException, UsageError
from typer.core import TyperGroup

from netkit import __version__
from netkit.cli import commands
from netkit.cli.common import err_console, print_json
from netkit.errors import InventoryError, NetkitError
from netkit.paths import secure_state_dir


class NetkitGroup(TyperGroup):
    """Turns every NetkitError raised below into its message and exit code (never a traceback)."""

    def invoke(self, ctx: Context) -> Any:
        wants_json = "--json" in (*getattr(ctx, "_protected_args", ()), *getattr(ctx, "protected_args", ()), *ctx.args)
        try:
            return super().invoke(ctx)
        except NetkitError as e:
            problems = e.problems if isinstance(e, InventoryError) and e.problems != [str(e)] else []
            if wants_json:  # --json promises JSON on stdout, also when something is wrong
                print_json({"ok": False, "error": str(e), "exit_code": e.exit_code, "problems": problems})
            # Messages carry the user's own text ('^[a-z0-9]...$', [brackets]): never read as rich markup.
            err_console.print(f"[bold red]error:[/] {escape(str(e))}", highlight=False, soft_wrap=True)
            for problem in problems:
                err_console.print(f"  - {escape(problem)}", highlight=False, soft_wrap=True)
            raise typer.Exit(e.exit_code) from None
        except UsageError as e:  # a bad option or argument of a command: exit 2, as click does
            if wants_json:
                print_json({"ok": False, "error": e.format_message(), "exit_code": e.exit_code, "problems": []})
            raise
        except (typer.Exit, typer.Abort, ClickException):
            raise
        except Exception as e:  # a bug of netkit: the traceback goes to stderr, --json still gets JSON
            if wants_json:
                print_json({"ok": False, "error": f"internal error: {type(e).__name__}: {e}", "exit_code": 1,
                            "problems": []})
            raise


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
    _secure_quietly()
    ctx.call_on_close(_secure_quietly)  # also what this command created


def _secure_quietly() -> None:
    with contextlib.suppress(OSError):  # a read-only machine may still render and validate
        secure_state_dir()


commands.register_all(app)


def main() -> None:
    app()
