"""`netkit monitor regions`: regional Prometheus configs (promtool-checked), and samples of a regional
Prometheus arriving, with its region label, in Debian's VictoriaMetrics through the generated remote_write."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest
import yaml
from netkit.errors import InputError
from netkit.inventory.models import Inventory
from netkit.monitor.as_code.regions import RegionSettings, plan_regions, write_regions
from netkit.monitor.as_code.rules_windows import TEST
from ports import free_port
from processes import stop_all


def test_shards_are_spread_over_regions() -> None:
    regions = plan_regions(RegionSettings(shards=5, regions=2))
    assert [[sh.index for sh in r.shards] for r in regions] == [[1, 3, 5], [2, 4]]
    assert [r.prometheus for r in regions] == ["127.0.0.1:9090", "127.0.0.1:9091"]
    with pytest.raises(InputError, match="--regions 3"):
        plan_regions(RegionSettings(shards=2, regions=3))


def test_each_region_scrapes_its_shards_and_writes_to_the_global_store(lab: Inventory, tmp_path: Path) -> None:
    write_regions(lab, RegionSettings(shards=4, regions=2, global_store="127.0.0.1:18428"), tmp_path)
    conf = yaml.safe_load((tmp_path / "region-2" / "prometheus.yml").read_text())
    assert conf["global"]["external_labels"]["netkit_region"] == "region-2"
    assert conf["scrape_configs"][0]["file_sd_configs"][0]["files"] == [
        "targets/netkit-shard-2-of-4.json", "targets/netkit-shard-4-of-4.json"]
    assert conf["remote_write"][0]["url"] == "http://127.0.0.1:18428/api/v1/write"
    assert sorted(p.name for p in (tmp_path / "region-2" / "targets").iterdir()) == [
        "netkit-shard-2-of-4.json", "netkit-shard-4-of-4.json"]


@pytest.mark.skipif(not (shutil.which("victoria-metrics") and shutil.which("prometheus")),
                    reason="needs Debian's victoria-metrics and prometheus (make deps)")
def test_regional_samples_arrive_in_victoria_metrics(lab: Inventory, tmp_path: Path) -> None:
    vm_port, prom_port = free_port(), free_port()
    write_regions(lab, RegionSettings(shards=2, regions=2, global_store=f"127.0.0.1:{vm_port}",
                                      prometheus=(f"127.0.0.1:{prom_port}", "127.0.0.1:1"), windows=TEST), tmp_path)
    region = tmp_path / "region-1"
    procs = [subprocess.Popen(["victoria-metrics", f"-storageDataPath={tmp_path / 'vm'}",
                               f"-httpListenAddr=127.0.0.1:{vm_port}", "-search.latencyOffset=0s"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL),
             subprocess.Popen(["prometheus", f"--config.file={region / 'prometheus.yml'}",
                               f"--storage.tsdb.path={region / 'data'}", f"--web.listen-address=127.0.0.1:{prom_port}"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=region)]
    try:
        deadline, series = time.monotonic() + 60, []
        while time.monotonic() < deadline and not series:
            time.sleep(1)
            try:
                r = httpx.get(f"http://127.0.0.1:{vm_port}/api/v1/query", params={"query": 'up{job="prometheus"}'},
                              timeout=5, trust_env=False)
                series = r.json()["data"]["result"]
            except (httpx.HTTPError, ValueError, KeyError):
                continue
        assert series, "no sample of region-1's Prometheus reached VictoriaMetrics within 60 s"
        assert series[0]["metric"]["netkit_region"] == "region-1" and series[0]["value"][1] == "1"
    finally:
        stop_all(procs)
