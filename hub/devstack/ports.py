"""Port checks for the embedded stack.

A part starts only when its port can be bound on 127.0.0.1, so a clash is named before anything runs.
"""

from __future__ import annotations

import errno
import socket

from hub.errors import PortInUseError

HOST = "127.0.0.1"


def ensure_port_free(port: int, part: str, setting: str) -> None:
    """Raise PortInUseError naming ``port``, ``part`` and ``setting`` unless 127.0.0.1:``port`` binds."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # The servers set SO_REUSEADDR too; without it a port with connections in TIME_WAIT would look taken.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError as exc:
            reason = "is already in use" if exc.errno == errno.EADDRINUSE else f"cannot be bound ({exc.strerror})"
            raise PortInUseError(
                f"port {port} on {HOST} {reason}, so the embedded {part} cannot start; "
                f"stop whatever holds it (another `hub dev up`?) or choose another port with {setting}=<port>"
            ) from exc
