"""Render intended configurations from the inventory through the platform's Jinja2 templates.

`templates/<platform>/<file>.j2` renders `<file>`; partials live in `templates/<platform>/partials/`.
Undefined variables are errors (StrictUndefined) and the output is deterministic.
"""

from __future__ import annotations

import os
import traceback
from functools import lru_cache
from pathlib import Path

import jinja2

from netkit.config.ascii_guard import refuse_non_ascii
from netkit.config.context import DeviceContext, InventoryIndex, build_context, template_vars
from netkit.config.models import RenderedConfig
from netkit.errors import InputError, TemplateError
from netkit.inventory.models import Device, Inventory, Platform

DEFAULT_TEMPLATES = Path(__file__).resolve().parents[3] / "templates"


def templates_dir() -> Path:
    """NETKIT_TEMPLATES, else the repository's `templates/`."""
    return Path(os.environ.get("NETKIT_TEMPLATES") or DEFAULT_TEMPLATES)


class RenderError(TemplateError):
    """A template failed for one device; names the device, the template file and line."""

    def __init__(self, device: str, file: str, line: int, message: str) -> None:
        super().__init__(f"{device}: {file}:{line}: {message}" if line else f"{device}: {file}: {message}")
        self.device = device
        self.file = file
        self.line = line
        self.reason = message


@lru_cache(maxsize=8)
def _environment(root: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(root),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # configuration text, not HTML
        auto_reload=False,  # templates do not change during a run; saves a stat per include
    )
    return env


@lru_cache(maxsize=64)
def _main_templates(root: str, platform: Platform) -> tuple[str, ...]:
    """The platform's top-level templates, its main file first."""
    folder = Path(root) / platform.value
    if not folder.is_dir():
        return ()
    names = sorted(p.name for p in folder.glob("*.j2"))
    main = platform.spec.naming.main_file + ".j2" if platform.spec.configured else ""
    ordered = ([main] if main in names else []) + [n for n in names if n != main]
    return tuple(f"{platform.value}/{n}" for n in ordered)


def _template_location(exc: BaseException, fallback: str) -> tuple[str, int]:
    """The template file and line where a Jinja error happened (Jinja rewrites its frames to point there)."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return (exc.name or exc.filename or fallback, exc.lineno or 0)
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.endswith(".j2"):
            return (frame.filename, frame.lineno or 0)
    return (fallback, 0)


def _relative(path: str, root: str) -> str:
    try:
        return str(Path("templates") / Path(path).resolve().relative_to(Path(root).resolve()))
    except ValueError:
        return path


class Renderer:
    """Renders many devices of one inventory, sharing lookups and compiled templates."""

    def __init__(self, inventory: Inventory, templates: Path | None = None) -> None:
        self.inventory = inventory
        self.root = str(templates or templates_dir())
        self.env = _environment(self.root)
        self.index = InventoryIndex(inventory)

    def device(self, device: Device | str) -> Device:
        if isinstance(device, Device):
            return device
        return self.inventory.device(device)

    def context(self, device: Device | str) -> DeviceContext:
        dev = self.device(device)
        if not dev.platform.spec.configured:
            raise InputError(f"{dev.vars_file}: host {dev.name}: platform {dev.platform.value} is not configured "
                             "by netkit (nothing to render)")
        refuse_non_ascii(self.inventory, dev)
        return build_context(self.inventory, dev, self.index)

    def render(self, device: Device | str) -> RenderedConfig:
        return self.render_with_context(device)[0]

    def render_with_context(self, device: Device | str) -> tuple[RenderedConfig, DeviceContext]:
        """The rendered files and the data the templates saw."""
        dev = self.device(device)
        ctx = self.context(dev)
        names = _main_templates(self.root, dev.platform)
        if not names:
            raise RenderError(dev.name, f"templates/{dev.platform.value}/", 0,
                              f"no templates for platform {dev.platform.value} in {self.root}")
        data = template_vars(ctx)
        files: dict[str, str] = {}
        for name in names:
            try:
                files[name.split("/", 1)[1][: -len(".j2")]] = self.env.get_template(name).render(data)
            except jinja2.TemplateError as e:
                file, line = _template_location(e, name)
                raise RenderError(dev.name, _relative(file, self.root), line,
                                  e.message or type(e).__name__) from e
        return RenderedConfig(device=dev.name, platform=dev.platform, files=files), ctx


_last: tuple[Inventory, Renderer] | None = None


def _renderer(inventory: Inventory) -> Renderer:
    """One Renderer per inventory object, so repeated render_device calls stay cheap."""
    global _last
    if _last is None or _last[0] is not inventory or _last[1].root != str(templates_dir()):
        _last = (inventory, Renderer(inventory))
    return _last[1]


def render_device(inventory: Inventory, device: Device | str) -> RenderedConfig:
    """The intended configuration of one device (FRR: files == {"frr.conf": ...})."""
    return _renderer(inventory).render(device)


def render_site(inventory: Inventory, code: str) -> list[RenderedConfig]:
    """The intended configurations of a site's configurable devices, by device name."""
    inventory.site(code)
    r = _renderer(inventory)
    return [r.render(d) for d in sorted(inventory.site_devices(code), key=lambda d: d.name) if d.platform.spec.configured]


def device_context(inventory: Inventory, device: Device | str) -> DeviceContext:
    """What the templates see for a device (`netkit render --show-vars`)."""
    return _renderer(inventory).context(device)
