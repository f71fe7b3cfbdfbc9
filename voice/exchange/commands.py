"""``voice export`` and ``voice import``: the command-line adapters over :mod:`voice.exchange`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from voice.config import Settings
from voice.exchange.export import ExportRequest, export_sessions
from voice.exchange.importing import ImportRequest, import_coding, parse_map
from voice.records.exchange import ImportResult
from voice.storage import Store

__all__ = ["add_exchange_parsers", "run_export", "run_import"]


def add_exchange_parsers(sub: Any, common: argparse.ArgumentParser) -> tuple[Any, Any]:
    """The ``export`` and ``import`` commands on the CLI's subparsers; returns both parsers."""
    p = sub.add_parser(
        "export", parents=[common], help="a patient's labels as ELAN (.eaf), BORIS (.boris) or CSV files"
    )
    p.add_argument("patient", metavar="PATIENT")
    p.add_argument("sessions", metavar="SESSION", nargs="*", help="default: every processed session")
    p.add_argument("--format", dest="fmt", choices=("eaf", "boris", "csv"), required=True)
    p.add_argument("--out", default=".", metavar="DIR", help="the folder to write into (default: here)")
    p.add_argument(
        "--transcript", action="store_true", help="ELAN: add the transcript's words (may name people)"
    )
    p.add_argument("--no-media", dest="media", action="store_false", help="do not copy the review copies")
    q = sub.add_parser(
        "import",
        parents=[common],
        help="a researcher's coding (.eaf, .boris, .csv) as labels of source 'import'",
    )
    q.add_argument("patient", metavar="PATIENT")
    q.add_argument("file", metavar="FILE")
    q.add_argument("--tier", default=None, metavar="NAME", help="only this tier (BORIS: observation id)")
    q.add_argument(
        "--map", dest="mapping", default=None, metavar="V=E,...", help='e.g. "joy=happiness,distress=sadness"'
    )
    q.add_argument("--video", default=None, metavar="SESSION", help="the session the file codes")
    return p, q


def run_export(args: argparse.Namespace, store: Store) -> tuple[Any, str]:
    request = ExportRequest(
        args.patient, tuple(args.sessions), args.fmt, Path(args.out), args.transcript, args.media
    )
    paths = export_sessions(store, request)
    return [str(p) for p in paths], "\n".join(f"wrote {p}" for p in paths)


def _describe(result: ImportResult) -> str:
    lines = []
    for t in result.tiers:
        line = f"{t.session}: tier {t.tier!r} by {t.author}: {t.added} label(s) added, "
        line += f"{t.unchanged} already there"
        if t.not_in_file:
            line += f"; no longer in the file (reject them if they are wrong): {', '.join(t.not_in_file)}"
        lines.append(line)
    if result.voice_tiers:
        lines.append(f"VOICE's own tier(s) left alone: {', '.join(result.voice_tiers)}")
    lines.append("written." if result.written else "nothing new: nothing written.")
    return "\n".join(lines)


def run_import(args: argparse.Namespace, store: Store, settings: Settings) -> tuple[Any, str]:
    request = ImportRequest(args.patient, Path(args.file), args.tier, parse_map(args.mapping), args.video)
    result = import_coding(store, request, settings=settings, derive_samples=args.store != "s3")
    return result.json_doc(), _describe(result)
