"""Files of the embedded PostgreSQL: the data dir (initialised once, kept across runs), the socket dir,
and the unprivileged account it runs as when the hub runs as root (PostgreSQL refuses to run as root).
"""

from __future__ import annotations

import hashlib
import os
import pwd
import shutil
import signal
import stat
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import structlog

from hub.devstack.process import RunAs, die_with_parent, open_log, read_log_tail
from hub.errors import StackError

log = structlog.get_logger(__name__)

# The account pgserver itself uses as root, so both tools share one data dir owner.
SERVICE_USER = "pgserver"
# sockaddr_un.sun_path is 108 bytes on Linux, including the terminating NUL.
_MAX_SOCKET_PATH = 107


@dataclass(frozen=True)
class PgLayout:
    """Where the embedded PostgreSQL keeps its files."""

    data_dir: Path
    socket_dir: Path
    log_file: Path


def run_as_for_postgres() -> RunAs | None:
    """The account to run PostgreSQL as: None (this user) unless running as root, then ``pgserver``."""
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(SERVICE_USER)
    except KeyError:
        log.info("creating system user for postgres", user=SERVICE_USER)
        cmd = ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SERVICE_USER]
        try:
            subprocess.run(cmd, check=True, capture_output=True, text=True)
        except (OSError, subprocess.CalledProcessError) as exc:
            detail = getattr(exc, "stderr", "") or str(exc)
            raise StackError(
                f"PostgreSQL refuses to run as root and the user {SERVICE_USER!r} could not be created "
                f"({detail.strip()}); create it or run the hub as an unprivileged user"
            ) from exc
        entry = pwd.getpwnam(SERVICE_USER)
    return RunAs(SERVICE_USER, entry.pw_uid, entry.pw_gid)


def grant_traverse(path: Path) -> None:
    """Let other users pass through each directory above ``path`` (o+x, no listing): the service user must."""
    for parent in path.resolve().parents:
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            log.info("granting other users traverse permission", path=str(parent))
            parent.chmod(stat.S_IMODE(mode) | stat.S_IXOTH)


def socket_dir_for(state_dir: Path, port: int) -> Path:
    """The directory for the Unix socket: under ``state_dir`` unless the socket path would be too long."""
    preferred = state_dir.resolve() / "postgres" / "run"
    if len(os.fsencode(preferred / f".s.PGSQL.{port}")) <= _MAX_SOCKET_PATH:
        return preferred
    digest = hashlib.sha256(os.fsencode(state_dir.resolve())).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"hub-pg-{digest}"


def layout_for(state_dir: Path, port: int) -> PgLayout:
    """The files of the embedded PostgreSQL under ``state_dir``."""
    root = state_dir.resolve()
    return PgLayout(
        data_dir=root / "postgres" / "data",
        socket_dir=socket_dir_for(root, port),
        log_file=root / "logs" / "postgres.log",
    )


def make_private_dir(path: Path, run_as: RunAs | None) -> None:
    """Create ``path`` (mode 0700) for the account PostgreSQL runs as."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    st = path.lstat()
    expected = run_as.uid if run_as else os.geteuid()
    # The socket dir may be in /tmp: never follow a planted symlink or adopt another user's directory.
    if not stat.S_ISDIR(st.st_mode) or st.st_uid not in (expected, os.geteuid()):
        raise StackError(f"{path} is not a directory of this user (uid {st.st_uid}); remove it and start again")
    if st.st_uid != expected:
        os.chown(path, expected, run_as.gid if run_as else os.getegid())
    path.chmod(0o700)


def prepare(layout: PgLayout, bin_dir: Path, run_as: RunAs | None, timeout_s: float) -> None:
    """Make the socket dir and, on the first run only, the data dir (initdb)."""
    layout.data_dir.parent.mkdir(parents=True, exist_ok=True)
    if run_as is not None:
        grant_traverse(layout.data_dir)
        grant_traverse(bin_dir)
    make_private_dir(layout.socket_dir, run_as)
    if (layout.data_dir / "PG_VERSION").exists():
        log.info("reusing postgres data dir", data_dir=str(layout.data_dir))
        return
    _initdb(layout, bin_dir, run_as, timeout_s)


def _initdb(layout: PgLayout, bin_dir: Path, run_as: RunAs | None, timeout_s: float) -> None:
    """Run initdb in a scratch dir, then rename it into place: an interrupted initdb never looks finished."""
    scratch = layout.data_dir.with_name(layout.data_dir.name + ".initdb")
    shutil.rmtree(scratch, ignore_errors=True)
    make_private_dir(scratch, run_as)
    # C locale: the same sort order on every machine, and no failure on a machine without the user's locale.
    argv = [str(bin_dir / "initdb"), "-D", str(scratch), "--auth=trust", "--encoding=UTF8", "--no-locale"]
    argv += ["-U", "postgres"]
    log.info("initialising postgres data dir", data_dir=str(layout.data_dir))
    started = time.monotonic()
    fh, start = open_log(layout.log_file, "initdb", argv)
    try:
        subprocess.run(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=fh,
            stderr=subprocess.STDOUT,
            cwd=scratch,
            check=True,
            timeout=timeout_s,
            preexec_fn=die_with_parent(signal.SIGTERM),
            user=run_as.uid if run_as else None,
            group=run_as.gid if run_as else None,
            extra_groups=[] if run_as else None,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        tail = read_log_tail(layout.log_file, start) or "(log is empty)"
        raise StackError(f"initdb failed ({exc}); last lines of {layout.log_file}:\n{tail}") from exc
    finally:
        fh.close()
    try:
        scratch.rename(layout.data_dir)  # replaces an empty dir too
    except OSError as exc:
        raise StackError(
            f"{layout.data_dir} exists but is not a PostgreSQL data dir (no PG_VERSION); move it away"
        ) from exc
    log.info("postgres data dir initialised", seconds=round(time.monotonic() - started, 2))
