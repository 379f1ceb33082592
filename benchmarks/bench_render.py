"""Render + static validation of the national inventory, and netkit vs an ansible-playbook template task.

1. The generated national inventory (34 ministries x 25 provinces, ~10,000 devices): load time (the
   inventory layer's figure, printed for context), then render + static validation (parse, structural
   rules, golden rules, FRR's own parser over every FRR config) with 2 worker processes.
   Target: under 10 s wall on a 2-core machine.
2. The same templates and the same data for 500 devices, rendered by an `ansible-playbook` template
   task (the way Ansible users render configs) and by netkit, side by side. Target: netkit >= 50x faster.

Run: `.venv/bin/python -m benchmarks bench_render` (or `make bench`). NETKIT_BENCH_ANSIBLE_DEVICES changes 500.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from netkit.config.context import as_dict
from netkit.config.render import Renderer, templates_dir
from netkit.config.validate import validate
from netkit.inventory import Inventory, load_inventory
from netkit.inventory.generate import NationalShape, write_national_inventory
from netkit.platforms import all_specs

TARGET_VALIDATE_S = 10.0
TARGET_RATIO = 50.0
ANSIBLE_DEVICES = int(os.environ.get("NETKIT_BENCH_ANSIBLE_DEVICES", "500"))
PLAYBOOK = """\
- hosts: all
  gather_facts: false
  tasks:
    - name: render the intended configuration with the netkit templates
      ansible.builtin.template:
        src: "{{ netkit_template }}"
        dest: "{{ out_dir }}/{{ inventory_hostname }}"
"""


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def national(work: Path) -> Inventory:
    shape = NationalShape()
    count = write_national_inventory(work / "national", shape)
    t0 = time.perf_counter()
    inv = load_inventory(work / "national")
    print(f"   national inventory: {count} devices, {len(inv.sites)} sites; load + checks {time.perf_counter() - t0:.1f} s "
          "(inventory layer, not part of the target below)", flush=True)
    t0, c0 = time.perf_counter(), _cpu()
    report = validate(inv, jobs=2)
    wall, cpu = time.perf_counter() - t0, _cpu() - c0
    files = sum(len(d.files) for d in report.devices)
    verdict = "ok" if wall < TARGET_VALIDATE_S else "MISSED"
    print(f"   render + static validate: {len(report.devices)} devices, {files} files, {report.errors} errors, "
          f"{wall:.2f} s wall, {cpu:.2f} s CPU (2 workers) -> target < {TARGET_VALIDATE_S:.0f} s: {verdict}", flush=True)
    for note in report.notes:
        print(f"   note: {note}")
    return inv


def _ansible_tree(inv: Inventory, names: list[str], root: Path) -> Path:
    renderer = Renderer(inv)
    host_vars = root / "host_vars"
    host_vars.mkdir(parents=True)
    for name in names:
        dev = inv.devices[name]
        data = as_dict(renderer.context(dev))
        data["netkit_template"] = f"netkit-{dev.platform.value}.j2"
        (host_vars / f"{name}.json").write_text(json.dumps(data))
    (root / "hosts.yml").write_text("all:\n  hosts:\n" + "".join(f"    {n}:\n" for n in names))
    (root / "play.yml").write_text(PLAYBOOK)
    (root / "ansible.cfg").write_text("[defaults]\nhost_key_checking = False\nretry_files_enabled = False\n"
                                      "nocows = True\ninterpreter_python = " + sys.executable + "\n")
    templates = root / "templates"
    templates.mkdir()
    for item in templates_dir().iterdir():
        (templates / item.name).symlink_to(item)
    for spec in (s for s in all_specs() if s.configured):
        # The same Jinja options as netkit's environment (Ansible reads them from this header).
        (templates / f"netkit-{spec.name}.j2").write_text(
            "#jinja2: trim_blocks: True, lstrip_blocks: True, keep_trailing_newline: True\n"
            f'{{% include "{spec.name}/{spec.naming.main_file}.j2" %}}')
    return root


def ansible_vs_netkit(inv: Inventory, work: Path) -> None:
    exe = Path(sys.executable).with_name("ansible-playbook")
    if not exe.exists():
        print("   ansible-playbook is not installed in this virtualenv: comparison skipped")
        return
    names = [d.name for d in inv.devices.values() if d.platform.spec.configured][:ANSIBLE_DEVICES]
    root = _ansible_tree(inv, names, work / "ansible")
    out_ansible, out_netkit = work / "out-ansible", work / "out-netkit"
    out_ansible.mkdir()
    out_netkit.mkdir()
    env = {**os.environ, "ANSIBLE_CONFIG": str(root / "ansible.cfg"), "ANSIBLE_STDOUT_CALLBACK": "default",
           "ANSIBLE_LOCAL_TEMP": str(work / "ansible-tmp"), "ANSIBLE_HOME": str(work / "ansible-home")}
    cmd = [str(exe), "-i", str(root / "hosts.yml"), str(root / "play.yml"), "-c", "local", "-f", "4",
           "-e", f"out_dir={out_ansible}"]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True, check=False)
    ansible_s = time.perf_counter() - t0
    if proc.returncode != 0:
        print(f"   ansible-playbook failed (rc {proc.returncode}): {proc.stdout[-600:]}{proc.stderr[-600:]}")
        return
    t0 = time.perf_counter()
    renderer = Renderer(inv)
    for name in names:
        cfg = renderer.render(name)
        (out_netkit / name).write_text(cfg.text)
    netkit_s = time.perf_counter() - t0
    same = sum((out_ansible / n).read_text() == (out_netkit / n).read_text() for n in names)
    ratio = ansible_s / netkit_s if netkit_s else float("inf")
    verdict = "ok" if ratio >= TARGET_RATIO else "MISSED"
    print(f"   {len(names)} devices, same templates and data: ansible-playbook template task {ansible_s:.2f} s, "
          f"netkit {netkit_s:.3f} s -> netkit {ratio:.0f}x faster (target >= {TARGET_RATIO:.0f}x: {verdict}); "
          f"identical output for {same}/{len(names)} devices", flush=True)


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="netkit-bench-render-"))
    try:
        inv = national(work)
        ansible_vs_netkit(inv, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
