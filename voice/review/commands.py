"""``voice review``'s arguments (light: the web stack loads only when the command runs)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

__all__ = ["DEFAULT_PORT", "add_review_parser"]

DEFAULT_PORT = 8765


def add_review_parser(
    sub: Any, common: argparse.ArgumentParser, run: Callable[[argparse.Namespace], int]
) -> None:
    """``voice review [--port N] [--host ADDR]`` (with the common store options), run by ``run``."""
    p = sub.add_parser("review", parents=[common], help="review sessions in the browser (prints its URL)")
    p.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0: any free one)"
    )
    p.add_argument("--host", default="127.0.0.1", help="address to serve on (default 127.0.0.1 only)")
    p.set_defaults(func=run)
