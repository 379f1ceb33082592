"""One exception root for netkit. Each subclass maps to an exit code of ARCHITECTURE.md."""

from __future__ import annotations


class NetkitError(Exception):
    """Root of every error netkit raises on purpose. Exit code 1: an operation failed."""

    exit_code = 1


class InputError(NetkitError):
    """Bad input (inventory, template, option): nothing was changed. Exit code 2."""

    exit_code = 2


class InventoryError(InputError):
    """The inventory cannot be loaded or is inconsistent; `problems` lists every finding."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or [message]


class TemplateError(InputError):
    """A template cannot be rendered (undefined variable, syntax error)."""


class EnvironmentProblem(NetkitError):
    """The machine lacks something netkit needs (a package, root). Exit code 3."""

    exit_code = 3


class DeviceError(NetkitError):
    """A device refused or failed an operation. Exit code 1."""

    def __init__(self, device: str, message: str) -> None:
        super().__init__(f"{device}: {message}")
        self.device = device
