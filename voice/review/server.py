"""``voice review``: serve the review app with uvicorn on a socket bound before the URL is printed.

The URL carries the run's token (a new one every run). Only loopback by default; another address
only when asked for, with a warning. Uvicorn's access log is off: request paths hold patient names
and session ids, which never go to a log.
"""

from __future__ import annotations

import ipaddress
import socket
import sys
from typing import TextIO

from voice.config import Settings
from voice.review.app import create_app
from voice.review.commands import DEFAULT_PORT
from voice.review.security import Secrets
from voice.storage import Store

__all__ = ["DEFAULT_PORT", "bind", "is_loopback", "serve"]


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int) -> socket.socket:
    """A listening socket (``port`` 0: any free one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(64)
    return sock


def serve(
    store: Store,
    settings: Settings,
    *,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    out: TextIO = sys.stdout,
    derive_samples: bool = True,
) -> None:
    """Serve until interrupted; prints the URL with the token first."""
    import uvicorn

    if not is_loopback(host):
        print(
            f"warning: serving on {host}, reachable from other machines; anyone with the URL can "
            "read and change labels. Prefer the default 127.0.0.1.",
            file=sys.stderr,
        )
    secrets_ = Secrets()
    sock = bind(host, port)
    bound = sock.getsockname()[1]
    hosts = ("127.0.0.1", "localhost", "[::1]", host)
    app = create_app(store, settings, secrets_=secrets_, hosts=hosts, derive_samples=derive_samples)
    shown = f"[{host}]" if ":" in host else host
    print(f"VOICE review: open http://{shown}:{bound}/?token={secrets_.token}", file=out, flush=True)
    print("(Ctrl+C stops it; the token changes every run.)", file=out, flush=True)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    uvicorn.Server(config).run(sockets=[sock])
