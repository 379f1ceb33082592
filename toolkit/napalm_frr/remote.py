"""The driver's helper that runs on the router (POSIX sh), one operation per exec channel.

Everything that changes the configuration happens on the router, under a lock file, so that a
revert timer, a confirm from another NAPALM session and a dying controller cannot interleave:

- state lives in `<revert_dir>/<pathspace or hostname>-<netns inode>/` (unique per FRR instance,
  even when several lab routers share one filesystem);
- `commit` saves the running config to `rollback/frr.conf`, starts the revert timer (a detached
  `setsid` process that owns nothing of the SSH session) BEFORE it applies the candidate, then applies
  it (`frr-reload.py --reload`, or `vtysh -f` for a merge). If applying fails it restores at once;
- `frr-reload.py` is always called with `--confdir` = the directory holding the file it loads, so it
  never writes the startup config on its own: only `confirm` (and a commit without timer, and
  `rollback`) run `write memory`. A router rebooting during the confirm window boots the old config.

Exit codes are the contract with the Python side (see `Rc`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import IntEnum

NAME = "napalm-frr"


class Rc(IntEnum):
    OK = 0
    INVALID = 2  # vtysh --dryrun rejected the candidate
    APPLY_FAILED = 3  # the router rejected the change; the previous config was restored
    PENDING = 4  # a commit is already waiting for confirmation
    NO_PENDING = 5  # confirm without a pending commit
    NO_ROLLBACK = 6  # no commit was ever made through this driver
    LOCKED = 7  # another config operation holds the lock
    SETUP = 8  # vtysh/frr-reload.py missing, state dir not writable, running config unreadable
    RESTORE_FAILED = 9  # applying failed AND restoring failed: the router needs a human
    NO_CANDIDATE = 10
    DIFF_FAILED = 11  # frr-reload.py --test failed: its diff must not be trusted
    SAVE_FAILED = 12  # `write memory` failed
    UNREADABLE = 13


SAFE = re.compile(r"^[A-Za-z0-9_./:@+=-]*$")


@dataclass(frozen=True)
class RemoteSettings:
    """Router-side paths (optional_args). Restricted to plain path characters: they are pasted into scripts."""

    revert_dir: str = "/var/tmp/napalm-frr"
    vtysh: str = "vtysh"
    frr_reload: str = ""  # "" = frr-reload.py on PATH, else /usr/lib/frr/frr-reload.py
    pathspace: str = ""
    startup_config: str = ""  # "" = /etc/frr[/<pathspace>]/frr.conf, the pathspace as vtysh resolves it
    snmpd_conf: str = "/etc/snmp/snmpd.conf"
    lock_wait: int = 60

    def __post_init__(self) -> None:
        for key in ("revert_dir", "vtysh", "frr_reload", "pathspace", "startup_config", "snmpd_conf"):
            value = getattr(self, key)
            if not SAFE.match(value):
                raise ValueError(f"optional_args[{key!r}] = {value!r}: only letters, digits and _./:@+=- are allowed")
        if not self.revert_dir.startswith("/"):
            raise ValueError(f"optional_args['revert_dir'] = {self.revert_dir!r}: must be an absolute path")


# Functions shared by the helper and the revert timer (which runs them long after the helper is gone).
LIB = r"""
nf_vtysh() {
    if [ -n "$NF_PATHSPACE" ]; then "$NF_VTYSH" -N "$NF_PATHSPACE" "$@"; else "$NF_VTYSH" "$@"; fi
}
nf_reload_path() {
    if [ -n "$NF_RELOAD" ]; then echo "$NF_RELOAD"; return; fi
    command -v frr-reload.py 2>/dev/null && return
    [ -x /usr/lib/frr/frr-reload.py ] && echo /usr/lib/frr/frr-reload.py
}
# frr-reload.py MODE DIR: loads DIR/frr.conf; --confdir DIR keeps it from writing the startup config.
nf_reload() {
    r=$(nf_reload_path)
    [ -n "$r" ] || { echo "frr-reload.py not found (install frr-pythontools or set optional_args frr_reload)"; return 8; }
    "$r" "--$1" --stdout --confdir "$2" --rundir "$D" ${NF_PATHSPACE:+--pathspace "$NF_PATHSPACE"} "$2/frr.conf"
}
# The running config equals DIR/frr.conf: frr-reload.py finds nothing to change. (It sometimes exits 1
# after a reload that did reach the target, e.g. when it fails one way to remove a block, then another.)
nf_same() {
    nf_out=$(nf_reload test "$1" 2>/dev/null) || return 1
    ! printf '%s\n' "$nf_out" | grep -v -e '^$' -e '^=*$' -e '^Lines To ' -e '^service integrated-vtysh-config$' | grep -q .
}
"""

# The helper's operations; the driver prepends the settings (NF_* variables) and LIB. `$1` is the operation.
OPS = r"""
nf_op=${1:-}; [ $# -gt 0 ] && shift
nf_host=$(hostname 2>/dev/null || cat /proc/sys/kernel/hostname)
nf_netns=$(readlink /proc/self/ns/net 2>/dev/null | tr -cd 0-9)
D="$NF_BASE/${NF_PATHSPACE:-$nf_host}-${nf_netns:-0}"
umask 077

# the running config without vtysh's banner lines, into $1
nf_running() {
    nf_vtysh -c 'show running-config' > "$1.raw" || return 8
    awk 'NR <= 3 && (/^Building configuration/ || /^Current configuration/ || /^$/) { next } { print }' "$1.raw" > "$1"
    rm -f "$1.raw"
    grep -q '[a-z]' "$1" || return 8
}
nf_lock() {
    exec 9>"$D/lock"
    flock -w "$NF_LOCK_WAIT" 9 || { echo "another configuration operation holds $D/lock"; exit 7; }
}
nf_timer_pid() { cat "$D/timer.pid" 2>/dev/null; }
nf_pending_alive() {
    [ -f "$D/pending" ] || return 1
    id=$(cut -d' ' -f1 "$D/pending")
    pid=$(nf_timer_pid)
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q "timer-$id"
}
nf_stop_timer() {
    pid=$(nf_timer_pid)
    # only a process that is one of our timers (a recycled pid is left alone)
    if [ -n "$pid" ] && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q "timer-"; then
        kill -TERM "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
    fi
    rm -f "$D/pending" "$D/timer.pid" "$D"/timer-*.sh
}
nf_status() {
    if nf_pending_alive; then
        set -- $(cat "$D/pending")
        echo "pending=1"; echo "commit_id=$1"; echo "deadline=$2"; echo "remaining=$(( $2 - $(date +%s) ))"
    else
        echo "pending=0"
        [ -f "$D/pending" ] && echo "stale=$(cut -d' ' -f1 "$D/pending")"
    fi
    [ -f "$D/last-revert" ] && echo "last_revert=$(cat "$D/last-revert")"
    [ -f "$D/rollback/frr.conf" ] && echo "rollback=1"
    return 0
}
# The instance's saved config: /etc/frr[/<pathspace>]/frr.conf. When vtysh is a wrapper that adds the
# pathspace itself, vtysh tells it: it names <config_dir>/<pathspace>/vtysh.conf when that is missing.
nf_startup_path() {
    if [ -n "$NF_STARTUP" ]; then echo "$NF_STARTUP"; return; fi
    ps=$NF_PATHSPACE
    if [ -z "$ps" ]; then
        ps=$(nf_vtysh --config_dir /nonexistent-napalm-frr -c 'show version' 2>&1 >/dev/null |
             sed -n 's|.*/nonexistent-napalm-frr/\(.*\)vtysh\.conf.*|\1|p' | head -n 1)
        ps=${ps%/}
    fi
    echo "/etc/frr${ps:+/$ps}/frr.conf"
}
nf_filter() { grep -v "^% Can't open configuration file .*vtysh.conf" "$@"; }

case "$nf_op" in
probe)
    if [ ! -d "$NF_BASE" ]; then mkdir -p "$NF_BASE" && chmod 1777 "$NF_BASE"; fi
    mkdir -p "$D" || { echo "cannot create $D"; exit 8; }
    command -v "$NF_VTYSH" >/dev/null 2>&1 || { echo "$NF_VTYSH not found on PATH"; exit 8; }
    echo "hostname=$nf_host"; echo "state_dir=$D"; echo "vtysh=$(command -v "$NF_VTYSH")"
    echo "frr_reload=$(nf_reload_path)"
    command -v flock >/dev/null 2>&1 && echo "flock=1"
    nf_status ;;
status) nf_status ;;
facts)
    echo "uptime=$(cut -d' ' -f1 /proc/uptime)"; echo "machine=$(uname -m)"; echo "kernel=$(uname -r)"
    echo "model=$(cat /sys/class/dmi/id/product_name 2>/dev/null)"
    echo "serial=$(cat /sys/class/dmi/id/product_serial 2>/dev/null)" ;;
load)  # load SESSION < candidate
    C="$D/cand-$1"; rm -rf "$C"; mkdir -p "$C" || exit 8
    cat > "$C/frr.conf" || exit 8
    out=$(nf_vtysh --dryrun -f "$C/frr.conf" 2>&1); rc=$?
    if [ "$rc" -ne 0 ]; then printf '%s\n' "$out" | nf_filter; rm -rf "$C"; exit 2; fi ;;
diff)  # diff SESSION replace|merge
    C="$D/cand-$1"; [ -f "$C/frr.conf" ] || exit 10
    T="$C"
    if [ "$2" = merge ]; then
        T="$C/merged"; mkdir -p "$T"
        nf_running "$T/frr.conf" || { echo "cannot read the running config"; exit 8; }
        cat "$C/frr.conf" >> "$T/frr.conf"
    fi
    nf_reload test "$T" 2> "$C/diff.err"; rc=$?
    if [ "$rc" -ne 0 ]; then nf_filter "$C/diff.err" >&2; exit 11; fi ;;
commit)  # commit SESSION replace|merge REVERT_IN COMMIT_ID [MESSAGE]
    C="$D/cand-$1"; [ -f "$C/frr.conf" ] || exit 10
    kind=$2; revert_in=$3; cid=$4; msg=${5:-}
    if [ "$kind" = replace ] || [ "$revert_in" -gt 0 ]; then
        [ -n "$(nf_reload_path)" ] || { echo "frr-reload.py not found (install frr-pythontools or set optional_args frr_reload)"; exit 8; }
    fi
    nf_lock
    if nf_pending_alive; then echo "commit $(cut -d' ' -f1 "$D/pending") is waiting for confirmation"; exit 4; fi
    [ -f "$D/pending" ] && echo "stale pending commit $(cut -d' ' -f1 "$D/pending") dropped (its timer is gone)" >&2
    nf_stop_timer
    rm -rf "$D/rollback.new"; mkdir -p "$D/rollback.new"
    nf_running "$D/rollback.new/frr.conf" || { echo "cannot read the running config"; exit 8; }
    rm -rf "$D/rollback.old"; [ -d "$D/rollback" ] && mv "$D/rollback" "$D/rollback.old"
    mv "$D/rollback.new" "$D/rollback"
    if [ "$revert_in" -gt 0 ]; then
        echo "$cid $(( $(date +%s) + revert_in ))" > "$D/pending"
        # the timer's text (settings, LIB, TIMER) comes on stdin from the driver
        { printf "D='%s'\ncid='%s'\nrevert_in='%s'\n" "$D" "$cid" "$revert_in"; cat; } > "$D/timer-$cid.sh"
        setsid nohup sh "$D/timer-$cid.sh" </dev/null >>"$D/timer.log" 2>&1 9>&- &
        n=0
        while [ ! -s "$D/timer.pid" ] && [ "$n" -lt 100 ]; do sleep 0.05; n=$((n + 1)); done
        nf_pending_alive || { echo "the revert timer did not start"; nf_stop_timer; exit 8; }
    fi
    if [ "$kind" = merge ]; then nf_vtysh -f "$C/frr.conf" > "$C/apply.log" 2>&1; rc=$?
    else
        nf_reload reload "$C" > "$C/apply.log" 2>&1; rc=$?
        [ "$rc" -ne 0 ] && nf_same "$C" && rc=0  # it did reach the candidate
    fi
    if [ "$rc" -ne 0 ]; then
        nf_filter "$C/apply.log" | grep -v ' INFO: '
        nf_reload reload "$D/rollback" > "$C/restore.log" 2>&1 || nf_same "$D/rollback"; rrc=$?
        if [ "$rrc" -ne 0 ]; then
            # the timer (if any) stays: it will try the restore again
            nf_filter "$C/restore.log" | grep -v ' INFO: '; exit 9
        fi
        nf_stop_timer
        # nothing changed: "the config before the last commit" is still the previous one
        if [ -d "$D/rollback.old" ]; then rm -rf "$D/rollback"; mv "$D/rollback.old" "$D/rollback"; fi
        exit 3
    fi
    printf '%s %s %s revert_in=%s user=%s %s\n' "$cid" "$(date +%s)" "$kind" "$revert_in" "$(id -un)" \
        "$(printf '%s' "$msg" | tr '\n' ' ')" >> "$D/commits.log"
    rm -rf "$C"
    if [ "$revert_in" -eq 0 ]; then nf_vtysh -c 'write memory' > "$D/write.log" 2>&1 || { cat "$D/write.log"; exit 12; }; fi
    echo "committed=$cid" ;;
confirm)
    nf_lock
    nf_pending_alive || exit 5
    cid=$(cut -d' ' -f1 "$D/pending")
    nf_stop_timer
    nf_vtysh -c 'write memory' > "$D/write.log" 2>&1 || { cat "$D/write.log"; exit 12; }
    echo "confirmed=$cid" ;;
rollback)
    nf_lock
    [ -f "$D/rollback/frr.conf" ] || exit 6
    nf_pending_alive && echo "cancelled=$(cut -d' ' -f1 "$D/pending")"
    nf_stop_timer
    nf_reload reload "$D/rollback" > "$D/rollback.log" 2>&1 || nf_same "$D/rollback" ||
        { nf_filter "$D/rollback.log" | grep -v ' INFO: '; exit 3; }
    nf_vtysh -c 'write memory' > "$D/write.log" 2>&1 || { cat "$D/write.log"; exit 12; }
    echo "rolled_back=1" ;;
discard) rm -rf "$D/cand-$1" ;;
startup) f=$(nf_startup_path); cat "$f" 2>/dev/null || exit 13 ;;
snmpd) cat "$NF_SNMPD_CONF" 2>/dev/null || exit 13 ;;
*) echo "unknown operation $nf_op"; exit 64 ;;
esac
"""


# The revert timer: `sh <state>/timer-<commit id>.sh`, detached with setsid, after D, cid and revert_in.
TIMER = r"""
echo $$ > "$D/timer.pid"
sleep "$revert_in"
exec 9>"$D/lock"
flock -w 600 9 || exit 1
if [ "$(cut -d' ' -f1 "$D/pending" 2>/dev/null)" = "$cid" ]; then
    nf_reload reload "$D/rollback" > "$D/revert.log" 2>&1; rc=$?
    same=0; nf_same "$D/rollback" && same=1
    echo "$cid $(date +%s) rc=$rc restored=$same" > "$D/last-revert"
    rm -f "$D/pending" "$D/timer.pid"
fi
rm -f "$0"
"""


def settings_head(settings: RemoteSettings) -> str:
    return (
        f"NF_NAME={NAME}\nNF_BASE='{settings.revert_dir.rstrip('/') or '/'}'\nNF_VTYSH='{settings.vtysh}'\n"
        f"NF_RELOAD='{settings.frr_reload}'\nNF_PATHSPACE='{settings.pathspace}'\n"
        f"NF_STARTUP='{settings.startup_config}'\nNF_SNMPD_CONF='{settings.snmpd_conf}'\n"
        f"NF_LOCK_WAIT={int(settings.lock_wait)}\n"
    )


def script(settings: RemoteSettings) -> str:
    return settings_head(settings) + LIB + OPS


def timer_script(settings: RemoteSettings) -> str:
    """What `commit` writes (after D, cid, revert_in) as the timer: sent on the commit's stdin."""
    return f"# {NAME} revert timer\n" + settings_head(settings) + LIB + TIMER


def argv(settings: RemoteSettings, op: str, *args: str) -> list[str]:
    """`sh -c SCRIPT napalm-frr OP ARGS...`: the helper travels with each call (nothing installed on the router)."""
    return ["sh", "-c", script(settings), NAME, op, *args]

