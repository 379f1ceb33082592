"""The peer netkit is measured against: the push a team without netkit would write. Plain
`ansible-playbook` with `template`, `copy` and `frr-reload.py --reload` per router: no backup, no revert
timer, no post-checks, no confirm. Run on the same lab routers as netkit, in the same benchmark run.

The routers' configs are rendered by netkit beforehand (not timed: the team would have its own
templates); the playbook's `template` task renders each file (no variables left), `copy` installs it as
the router's frr.conf, and `frr-reload.py --reload` applies it.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from pathlib import Path

import yaml

PLAYBOOK = """\
- name: plain push (template, copy, frr-reload.py --reload)
  hosts: routers
  gather_facts: false
  tasks:
    - name: template
      ansible.builtin.template: {src: "{{ src_dir }}/{{ inventory_hostname }}.j2", dest: "{{ work_dir }}/{{ inventory_hostname }}.conf", mode: "0600"}
    - name: copy
      ansible.builtin.copy: {src: "{{ work_dir }}/{{ inventory_hostname }}.conf", dest: "/etc/frr/{{ ns }}/frr.conf", mode: "0640", owner: frr, group: frr}
    - name: frr-reload
      ansible.builtin.command: "/usr/lib/frr/frr-reload.py --reload --pathspace {{ ns }} /etc/frr/{{ ns }}/frr.conf"
"""


def cpu_children() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def write(work: Path, configs: dict[str, str], namespaces: dict[str, str]) -> Path:
    """The playbook, its inventory and one source file per router under `work`; returns the playbook."""
    src, out = work / "src", work / "out"
    src.mkdir(parents=True, exist_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    for name, text in configs.items():
        # {% raw %}: a config line may hold '{{' (a banner); the team's template would escape it the same way
        (src / f"{name}.j2").write_text("{% raw %}" + text + "{% endraw %}")
    hosts = {name: {"ns": namespaces[name]} for name in configs}
    inventory = {"routers": {"hosts": hosts, "vars": {
        "ansible_connection": "local", "ansible_python_interpreter": sys.executable,
        "src_dir": str(src), "work_dir": str(out)}}}
    (work / "hosts.yml").write_text(yaml.safe_dump(inventory))
    (work / "push.yml").write_text(PLAYBOOK)
    return work / "push.yml"


def push(playbook: Path, forks: int = 20) -> tuple[float, float]:
    """Run it; (wall seconds, CPU seconds of ansible-playbook and its module processes)."""
    ansible = Path(sys.executable).parent / "ansible-playbook"
    cpu0, t0 = cpu_children(), time.monotonic()
    proc = subprocess.run([str(ansible), "-i", str(playbook.parent / "hosts.yml"), "-f", str(forks), str(playbook)],
                          capture_output=True, text=True, check=False,
                          env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "ANSIBLE_HOST_KEY_CHECKING": "False",
                               "ANSIBLE_NOCOLOR": "1", "HOME": str(playbook.parent)})
    wall, cpu = time.monotonic() - t0, cpu_children() - cpu0
    if proc.returncode != 0:
        raise RuntimeError(f"the plain push failed (exit {proc.returncode}): {proc.stdout[-2000:]}")
    return wall, cpu
