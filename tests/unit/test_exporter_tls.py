"""The exporter behind TLS and basic auth (Prometheus' web-config format): Debian's real Prometheus scrapes
it over https with basic auth (target up), a scrape without credentials gets 401, clear text beyond
loopback is refused."""

from __future__ import annotations

import shutil
import ssl
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from netkit.cli.app import app
from netkit.errors import InputError
from netkit.inventory import DEFAULT_INVENTORY, load_inventory
from netkit.monitor.as_code import stack
from netkit.monitor.as_code.rules_config import settings_for
from netkit.monitor.as_code.rules_windows import TEST
from netkit.monitor.exporter.cache import MonitorCache
from netkit.monitor.exporter.collectors import collectors_for
from netkit.monitor.exporter.http import MetricsServer
from netkit.monitor.exporter.plan import MonitorPlan
from netkit.monitor.exporter.shard import Shard
from netkit.monitor.exporter.webconfig import ExporterScrape, check_exposure, load_web_config
from netkit.monitor.exporter.webconfig_init import WebConfigFiles, init_web_config
from ports import free_port
from typer.testing import CliRunner


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> WebConfigFiles:
    return init_web_config(tmp_path_factory.mktemp("web"), ["127.0.0.1", "localhost"], bcrypt_rounds=4)


@pytest.fixture(scope="module")
def server(files: WebConfigFiles) -> Iterator[MetricsServer]:
    cache = MonitorCache(MonitorPlan(Shard(1, 1), (), (), (), ()))
    srv = MetricsServer(cache, collectors_for(cache), ("127.0.0.1", 0), load_web_config(files.web_config))
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


def _client(files: WebConfigFiles, auth: tuple[str, str] | None) -> httpx.Client:
    return httpx.Client(verify=ssl.create_default_context(cafile=str(files.ca_file)), auth=auth, trust_env=False,
                        timeout=10)


def test_files_are_owner_only_and_hold_a_bcrypt_hash(files: WebConfigFiles) -> None:
    web = yaml.safe_load(files.web_config.read_text())
    assert web["basic_auth_users"]["prometheus"].startswith("$2b$")
    for name in ("server.key", "scrape-password", "web.yml"):
        assert (files.web_config.parent / name).stat().st_mode & 0o077 == 0, name


def test_https_with_credentials_answers_and_without_gets_401(files: WebConfigFiles, server: MetricsServer) -> None:
    url = f"https://127.0.0.1:{server.address[1]}/metrics"
    password = files.password_file.read_text()
    with _client(files, ("prometheus", password)) as c:
        ok = c.get(url)
        assert ok.status_code == 200 and "netkit_" in ok.text, ok.text[:300]
    with _client(files, None) as c:
        r = c.get(url)
        assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Basic")
    with _client(files, ("prometheus", password + "x")) as c:
        assert c.get(url).status_code == 401
    with pytest.raises(httpx.HTTPError):  # clear text to the TLS port gets nothing
        httpx.get(f"http://127.0.0.1:{server.address[1]}/metrics", trust_env=False, timeout=5)
    with pytest.raises(httpx.ConnectError):  # and a client that does not trust the CA refuses the server
        httpx.get(url, trust_env=False, timeout=5)


def test_clear_text_beyond_loopback_is_refused_unless_insecure(files: WebConfigFiles) -> None:
    check_exposure("127.0.0.1", None, False)
    check_exposure("::1", None, False)
    with pytest.raises(InputError, match="needs TLS"):
        check_exposure("0.0.0.0", None, False)
    check_exposure("0.0.0.0", None, True)
    check_exposure("198.18.0.1", load_web_config(files.web_config), False)
    result = CliRunner().invoke(app, ["monitor", "serve", "--listen", "0.0.0.0:9", "-i", str(DEFAULT_INVENTORY)])
    assert result.exit_code == 2 and "--insecure" in result.output


def test_a_broken_web_config_is_refused_naming_the_key(tmp_path: Path) -> None:
    bad = tmp_path / "web.yml"
    bad.write_text("basic_auth_users:\n  prometheus: plaintext\n")
    with pytest.raises(InputError, match=r"basic_auth_users.prometheus is not a bcrypt hash"):
        load_web_config(bad)
    bad.write_text("tls_server_config:\n  cert_file: nope.crt\n  key_file: nope.key\n")
    with pytest.raises(InputError, match=r"nope\.crt"):
        load_web_config(bad)


@pytest.mark.skipif(not (shutil.which("prometheus") and shutil.which("prometheus-alertmanager")),
                    reason="Debian's prometheus and prometheus-alertmanager are not installed")
def test_prometheus_scrapes_through_tls_and_basic_auth(files: WebConfigFiles, server: MetricsServer,
                                                       tmp_path: Path) -> None:
    prom = f"127.0.0.1:{free_port()}"
    settings = stack.StackSettings(
        prometheus_listen=prom, alertmanager_listen=f"127.0.0.1:{free_port()}",
        exporters=(f"127.0.0.1:{server.address[1]}",), windows=TEST,
        alertmanager=settings_for(TEST, f"http://127.0.0.1:{free_port()}/alerts"),
        exporter_scrape=ExporterScrape(files.ca_file, files.username, files.password_file))
    try:
        stack.up(load_inventory(DEFAULT_INVENTORY), settings, tmp_path)
        generated = yaml.safe_load((tmp_path / "prometheus.yml").read_text())["scrape_configs"][0]
        assert generated["scheme"] == "https" and generated["tls_config"]["ca_file"] == str(files.ca_file)
        assert generated["basic_auth"] == {"username": "prometheus", "password_file": str(files.password_file)}
        assert files.password_file.read_text() not in (tmp_path / "prometheus.yml").read_text()
        deadline, targets = time.monotonic() + 20, []
        while time.monotonic() < deadline:
            data = httpx.get(f"http://{prom}/api/v1/targets", trust_env=False).json()["data"]["activeTargets"]
            targets = [t for t in data if t["labels"]["job"] == "netkit"]
            if targets and all(t["health"] == "up" for t in targets):
                break
            time.sleep(0.5)
        assert targets and all(t["health"] == "up" and t["scrapeUrl"].startswith("https://") for t in targets), targets
        up = httpx.get(f"http://{prom}/api/v1/query", params={"query": 'up{job="netkit"}'}, trust_env=False).json()
        assert [r["value"][1] for r in up["data"]["result"]] == ["1"], up
    finally:
        stack.down(tmp_path)
