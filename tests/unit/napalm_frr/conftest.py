"""NAPALM-style fixtures for napalm_frr: the driver talks to a transport that replays recorded FRR 8.4
output (see napalm_frr_replay.py), so NAPALM's own getter tests run against it unchanged."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from napalm.base.test import conftest as parent_conftest
from napalm_frr import FrrDriver
from napalm_frr_replay import PatchedFrrDriver


@pytest.fixture(scope="class")
def set_device_parameters(request: pytest.FixtureRequest) -> None:
    request.cls.driver = FrrDriver
    request.cls.patched_driver = PatchedFrrDriver
    request.cls.vendor = "frr"
    parent_conftest.set_device_parameters(request)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    parent_conftest.pytest_generate_tests(metafunc, __file__)


@pytest.fixture
def replay() -> Callable[..., PatchedFrrDriver]:
    """replay(test, case) -> a driver whose router answers from mocked_data/<test>/<case>/."""

    def make(test: str, case: str, optional_args: dict[str, Any] | None = None) -> PatchedFrrDriver:
        dev = PatchedFrrDriver("router.test", "netops", "unused", optional_args=optional_args)
        dev.fake.current_test, dev.fake.current_test_case = test, case
        return dev

    return make
