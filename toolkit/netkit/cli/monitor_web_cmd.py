"""`netkit monitor web-config init|hash`: the files that put the exporter behind TLS and basic auth."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from netkit.cli.common import JsonOption, console, print_json
from netkit.monitor.exporter.webconfig import hash_password
from netkit.monitor.exporter.webconfig_init import init_web_config

web_app = typer.Typer(help="TLS and basic auth for the exporter (Prometheus web-config format).",
                      no_args_is_help=True)


@web_app.command("init")
def init(
    directory: Annotated[Path, typer.Argument(help="Where to write web.yml, the CA, certificate, key, password.")],
    name: Annotated[list[str] | None, typer.Option(help="A name or address the exporter is reached by "
                                                         "(repeatable; default 127.0.0.1 and localhost).")] = None,
    user: Annotated[str, typer.Option(help="The basic-auth user Prometheus scrapes as.")] = "prometheus",
    json: JsonOption = False,
) -> None:
    """A private CA and server certificate, a random scrape password and its bcrypt hash (owner-only files)."""
    files = init_web_config(directory, name or ["127.0.0.1", "localhost"], user)
    if json:
        print_json({k: str(v) for k, v in vars(files).items()})
        return
    console.print(f"[green]ok[/] {files.web_config}\n  exporter:   netkit monitor serve --web-config "
                  f"{files.web_config} --listen HOST:PORT\n  prometheus: netkit monitor stack up --exporter-ca "
                  f"{files.ca_file} --exporter-user {files.username} --exporter-password-file {files.password_file}",
                  highlight=False, soft_wrap=True)


@web_app.command("hash")
def hash_cmd(password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True,
                                                   help="Read from the terminal; never on the command line.")]
             ) -> None:
    """A bcrypt hash for basic_auth_users."""
    typer.echo(hash_password(password))


def add_to(monitor_app: typer.Typer) -> None:
    monitor_app.add_typer(web_app, name="web-config")
