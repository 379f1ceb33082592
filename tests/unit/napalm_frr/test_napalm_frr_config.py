"""Candidate, diff, commit, confirm and rollback against the router-side helper's recorded answers
(recorded on FRR 8.4 by record_mocked_data.py), plus the pure pieces: diff rendering, the helper
script's syntax, option checks."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from napalm.base.exceptions import CommitError, MergeConfigException, ReplaceConfigException
from napalm_frr import FrrDriver
from napalm_frr.diff import diff_text
from napalm_frr.frr import Candidate
from napalm_frr.remote import RemoteSettings, script, timer_script
from napalm_frr_replay import MOCKED_DATA, PatchedFrrDriver

Replay = Callable[..., PatchedFrrDriver]
CANDIDATE = "hostname r1\n"


def test_invalid_replace_candidate_is_refused_before_anything_changes(replay: Replay) -> None:
    dev = replay("test_load_invalid", "replace")
    with pytest.raises(ReplaceConfigException, match=r"nothing was changed:\nline 46: % Unknown command\[41\]:  bogus-command 42"):
        dev.load_replace_candidate(config=CANDIDATE)
    assert dev.fake.ops() == ["load"]
    assert dev.compare_config() == ""  # no candidate kept, no further call
    with pytest.raises(CommitError, match="no candidate loaded"):
        dev.commit_config()
    assert dev.fake.ops() == ["load"]


def test_invalid_merge_candidate(replay: Replay) -> None:
    dev = replay("test_load_invalid", "merge")
    with pytest.raises(MergeConfigException, match="ip adress"):
        dev.load_merge_candidate(config=CANDIDATE)


def test_replace_diff_groups_changes_under_their_context(replay: Replay) -> None:
    dev = replay("test_compare_config", "replace")
    dev.load_replace_candidate(config=CANDIDATE)
    assert dev.compare_config() == (
        " interface eth1\n"
        "- description p2p to nkdrv-r2\n"
        "+ description core link\n"
        " router bgp 65101\n"
        "- neighbor 198.18.254.3 shutdown\n"
    )
    assert dev.fake.calls[-1][5:] == [dev.fake.calls[0][5], "replace"]  # the same session, replace mode


def test_merge_diff_shows_what_the_merge_adds(replay: Replay) -> None:
    dev = replay("test_compare_config", "merge")
    dev.load_merge_candidate(config=CANDIDATE)
    assert dev.compare_config() == " interface eth2\n+ description merged\n+ip route 198.18.254.96/29 blackhole\n"


def test_no_change_is_an_empty_diff(replay: Replay) -> None:
    """frr-reload always lists `service integrated-vtysh-config` to add; that is not a change."""
    dev = replay("test_compare_config", "no_change")
    dev.load_replace_candidate(config=CANDIDATE)
    assert dev.compare_config() == ""


def test_a_failed_frr_reload_test_never_yields_its_wipe_everything_diff(replay: Replay) -> None:
    recorded = (MOCKED_DATA / "test_compare_config/invalid_candidate/napalm_frr_diff.txt").read_text()
    assert "no router bgp 65101" in recorded  # what frr-reload printed while exiting 1
    dev = replay("test_compare_config", "invalid_candidate")
    dev._candidate = Candidate("replace", "s1", CANDIDATE)  # loaded before the recording began
    with pytest.raises(ReplaceConfigException, match=r"(?s)no trustworthy diff: .*ERROR.*Unknown command: Building configuration"):
        dev.compare_config()


def test_frr_reload_missing_or_failing(replay: Replay) -> None:
    dev = replay("test_compare_config", "reload_failed")
    dev.load_replace_candidate(config=CANDIDATE)
    with pytest.raises(ReplaceConfigException, match="rc 11"):
        dev.compare_config()


def test_rejected_change_is_restored_and_reported_once(replay: Replay) -> None:
    dev = replay("test_commit_config", "rejected")
    dev.load_replace_candidate(config=CANDIDATE)
    with pytest.raises(CommitError) as err:
        dev.commit_config(revert_in=60)
    message = str(err.value)
    assert "previous configuration was restored" in message
    assert message.count("Please remove all network commands first.") == 1
    assert "INFO" not in message and "['interface" not in message


def test_second_commit_while_one_is_pending(replay: Replay) -> None:
    dev = replay("test_commit_config", "pending")
    dev.load_replace_candidate(config=CANDIDATE)
    with pytest.raises(CommitError, match="Pending commit confirm already in process"):
        dev.commit_config(revert_in=120)


def test_commit_then_confirm(replay: Replay) -> None:
    dev = replay("test_commit_config", "confirmed")
    dev.load_replace_candidate(config=CANDIDATE)
    dev.commit_config(revert_in=120)
    commit = dev.fake.calls[-1]
    assert commit[4:7] == ["commit", commit[5], "replace"] and commit[7] == "120"
    timer = dev.fake.stdins[-1] or ""  # the timer travels with the commit
    assert timer.startswith("# napalm-frr revert timer") and 'nf_reload reload "$D/rollback"' in timer
    assert dev.has_pending_commit() is True
    dev.confirm_commit()
    assert dev.fake.ops() == ["load", "commit", "status", "confirm"]
    with pytest.raises(CommitError, match="no candidate loaded"):
        dev.commit_config()  # the candidate is gone once committed


def test_confirm_without_pending_commit(replay: Replay) -> None:
    with pytest.raises(CommitError, match="No pending commit-confirm found"):
        replay("test_confirm_commit", "no_pending").confirm_commit()


def test_rollback_without_any_commit(replay: Replay) -> None:
    with pytest.raises(CommitError, match="nothing to roll back to"):
        replay("test_rollback", "no_rollback").rollback()


def test_nothing_pending(replay: Replay) -> None:
    assert replay("test_has_pending_commit", "none").has_pending_commit() is False


def test_load_from_file_sends_the_file(replay: Replay, tmp_path: Path) -> None:
    dev = replay("test_compare_config", "replace")
    path = tmp_path / "frr.conf"
    path.write_text("hostname from-file")
    dev.load_replace_candidate(filename=str(path))
    assert dev.fake.stdins[-1] == "hostname from-file\n"


@pytest.mark.parametrize("config", ["", "  \n"])
def test_empty_candidate_is_refused_without_asking_the_router(replay: Replay, config: str) -> None:
    dev = replay("test_compare_config", "replace")
    with pytest.raises(ReplaceConfigException, match="empty"):
        dev.load_replace_candidate(config=config)
    assert dev.fake.calls == []


def test_revert_in_must_be_positive(replay: Replay) -> None:
    dev = replay("test_compare_config", "replace")
    dev.load_replace_candidate(config=CANDIDATE)
    with pytest.raises(CommitError, match="positive"):
        dev.commit_config(revert_in=0)
    assert dev.fake.ops() == ["load"]


@pytest.mark.parametrize("key", ["revert_dir", "pathspace", "vtysh", "frr_reload", "snmpd_conf"])
def test_router_paths_cannot_inject_shell(key: str) -> None:
    with pytest.raises(ValueError, match=key):
        FrrDriver("r1", "u", "p", optional_args={key: "/tmp/x'; rm -rf / #"})


def test_helper_script_is_valid_posix_sh() -> None:
    for settings in (RemoteSettings(), RemoteSettings(pathspace="nk-r1", frr_reload="/usr/lib/frr/frr-reload.py")):
        for text in (script(settings), timer_script(settings)):
            proc = subprocess.run(["sh", "-n"], input=text, capture_output=True, text=True)
            assert proc.returncode == 0, proc.stderr


# ---------------------------------------------------------------- the diff renderer alone
def test_diff_nested_contexts_and_no_lines() -> None:
    out = diff_text(
        "\nLines To Delete\n===============\nip forwarding\nno router ospf\n"
        "router bgp 1\n address-family ipv4 unicast\n  no network 198.18.0.0/24\n"
        "\nLines To Add\n============\n"
        "router bgp 1\n address-family ipv4 unicast\n  network 198.18.1.0/24 \n"
        "router bgp 1\n bgp router-id 198.18.0.1\nservice integrated-vtysh-config\n"
    )
    assert out == (
        "-no ip forwarding\n"
        "-router ospf\n"
        " router bgp 1\n"
        "  address-family ipv4 unicast\n"
        "-  network 198.18.0.0/24\n"
        "+  network 198.18.1.0/24\n"
        "+ bgp router-id 198.18.0.1\n"
    )


def test_diff_new_block_shows_once_with_its_lines() -> None:
    out = diff_text("\nLines To Add\n============\ninterface lo\n ip ospf area 0\nrouter ospf\n"
                    "router ospf\n network 198.18.250.0/24 area 0\n")
    assert out == " interface lo\n+ ip ospf area 0\n+router ospf\n+ network 198.18.250.0/24 area 0\n"
