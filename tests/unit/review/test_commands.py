from __future__ import annotations

import argparse

from voice.review.commands import DEFAULT_PORT, add_review_parser


def _run(args: argparse.Namespace) -> int:
    return 0


def test_loopback_and_the_default_port_unless_told_otherwise() -> None:
    parser = argparse.ArgumentParser()
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--store", default="local")
    add_review_parser(parser.add_subparsers(dest="command"), common, _run)
    args = parser.parse_args(["review"])
    assert (args.host, args.port, args.func) == ("127.0.0.1", DEFAULT_PORT, _run)
    args = parser.parse_args(["review", "--port", "0", "--host", "::1", "--store", "s3"])
    assert (args.host, args.port, args.store) == ("::1", 0, "s3")
