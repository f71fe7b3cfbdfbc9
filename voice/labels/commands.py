"""``voice labels list|add|confirm|reject|count|set``: the command group over :mod:`voice.labels.service`.

Every subcommand takes ``--author`` (default: the OS user), ``--data-dir``, ``--store`` and
``--json``. Locally a change writes the samples at once; with ``--store s3`` the stack does (the
reviews file's "Object Created" starts the labels Lambda). Bad input raises a
:class:`~voice.errors.LabelError` (the CLI exits 2) before anything is written.
"""

from __future__ import annotations

import argparse
import getpass
import os
from typing import Any

from voice.config import EMOTIONS, Settings
from voice.labels.service import Change, ReviewRequest, list_sessions, review, session_labels
from voice.records.labels import LabelRecord, ReviewOutcome, SessionLabels, SessionSummary
from voice.storage import Store

__all__ = ["add_labels_parser", "default_author", "run_labels"]


def default_author() -> str:
    """The OS user's name (``--author`` overrides it)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (a container's numeric user)
        return os.environ.get("USER") or "unknown"


def add_labels_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    """The ``labels`` command group on the CLI's subparsers (``common``: --data-dir, --store, --json)."""
    labels = sub.add_parser(
        "labels", help="list and review a session's labels (narration overridden by people)"
    )
    lsub = labels.add_subparsers(dest="labels_command", required=True)
    who = argparse.ArgumentParser(add_help=False, parents=[common])
    who.add_argument("--author", default=None, help="who reviews (default: the OS user)")
    session = argparse.ArgumentParser(add_help=False, parents=[who])
    session.add_argument("patient", metavar="PATIENT")
    session.add_argument("session", metavar="SESSION")

    p = lsub.add_parser("list", parents=[who], help="a session's effective labels, or the patient's sessions")
    p.add_argument("patient", metavar="PATIENT")
    p.add_argument("session", metavar="SESSION", nargs="?", default=None)
    p = lsub.add_parser("add", parents=[session], help="add a label on a time range")
    p.add_argument("--from", dest="start", type=float, required=True, metavar="S", help="start, seconds")
    p.add_argument("--to", dest="end", type=float, required=True, metavar="S", help="end, seconds")
    p.add_argument("--emotion", required=True, metavar="E", help=f"one of {', '.join(EMOTIONS)}")
    p.add_argument("--reason", default=None, metavar="TEXT")
    for action, text in (
        ("confirm", "the label is right"),
        ("reject", "the label is wrong: it does not train"),
        ("count", "an ignored or negated event is a label after all (needs --reason)"),
    ):
        p = lsub.add_parser(action, parents=[session], help=text)
        p.add_argument("event", metavar="EVENT_ID")
        p.add_argument("--reason", default=None, metavar="TEXT")
    p = lsub.add_parser("set", parents=[session], help="set the label's emotion")
    p.add_argument("event", metavar="EVENT_ID")
    p.add_argument("--emotion", required=True, metavar="E", help=f"one of {', '.join(EMOTIONS)}")
    p.add_argument("--reason", default=None, metavar="TEXT")


def _change(args: argparse.Namespace) -> Change:
    action = args.labels_command
    if action == "add":
        return Change("add", emotion=args.emotion, start=args.start, end=args.end, reason=args.reason)
    return Change(action, event=args.event, emotion=getattr(args, "emotion", None), reason=args.reason)


def _label_line(label: LabelRecord) -> str:
    trains = "yes" if label.trains else "no"
    note = f'"{label.keyword}": {label.text}' if label.kind == "narrated" else "added"
    if label.ignored and not label.counts:
        note += f" (ignored: {label.ignored})"
    if label.conflicts:
        note += f" CONFLICT with {', '.join(label.conflicts)}"
    if label.reason:
        note += f" — {label.reason}"
    return (
        f"{label.id}  {label.start:6.2f}–{label.end:6.2f} s  {label.emotion:<10} {label.status:<10}"
        f"{trains:<6} {label.author:<12} {note}"
    )


def describe_labels(view: SessionLabels) -> str:
    when = "unknown" if view.recorded_at is None else f"{view.recorded_at.time} ({view.recorded_at.source})"
    lines = [f"{view.patient} / {view.session}: recorded {when}; {view.duration_s:g} s"]
    if not view.pose_track:
        lines.append(
            "  no pose track: reprocess this session (voice process --force) before changing its labels"
        )
    lines.append(
        f"{'id':<11}  {'window':<16} {'emotion':<10} {'status':<9} {'trains':<6} {'author':<12} note"
    )
    lines += [_label_line(label) for label in view.labels]
    s = view.summary
    lines.append(
        f"{s.narration} narrated, {s.confirmed} confirmed, {s.changed} changed, {s.counted} counted, "
        f"{s.added} added, {s.rejected} rejected, {s.ignored} ignored, {s.conflicts} in conflict"
    )
    if view.orphans:
        lines.append(
            f"{len(view.orphans)} orphaned review(s): their event is gone after a re-run (kept, not applied):"
        )
        lines += [f"  {r.event} {r.action} by {r.author} at {r.at}" for r in view.orphans]
    return "\n".join(lines)


def _describe_sessions(patient: str, sessions: list[SessionSummary]) -> str:
    lines = [f"{patient}: {len(sessions)} session(s), in the order they were recorded"]
    for s in sessions:
        when = "unknown time" if s.recorded_at is None else f"{s.recorded_at.time} ({s.recorded_at.source})"
        track = "" if s.pose_track else "  (no pose track: reprocess to change labels)"
        lines.append(f"  {s.session:<32} {when:<40} {s.samples} samples{track}")
    return "\n".join(lines)


def _describe_outcome(outcome: ReviewOutcome) -> str:
    made = ", ".join(f"{r.action} {r.event}" for r in outcome.reviews)
    d = outcome.derivation
    if d is None:
        samples = "samples: written by the stack from the reviews file"
    else:
        samples = (
            f"samples: {d.samples} ({len(d.written)} written, {len(d.deleted)} deleted, "
            f"{d.unchanged} unchanged)"
        )
        if d.no_patient:
            samples += f"; no patient in view for {', '.join(d.no_patient)}: no sample"
    return f"{made} by {outcome.reviews[0].author}; {samples}\n" + describe_labels(outcome.labels)


def run_labels(args: argparse.Namespace, store: Store, settings: Settings) -> tuple[Any, str]:
    """Run one ``voice labels`` subcommand: (the JSON payload, the text for people)."""
    if args.labels_command == "list":
        if args.session is None:
            sessions = list_sessions(store, args.patient)
            return [s.json_doc() for s in sessions], _describe_sessions(args.patient, sessions)
        view = session_labels(store, args.patient, args.session)
        return view.json_doc(), describe_labels(view)
    request = ReviewRequest(
        args.patient, args.session, (_change(args),), author=args.author or default_author()
    )
    outcome = review(store, request, settings=settings, derive_samples=args.store != "s3")
    return outcome.json_doc(), _describe_outcome(outcome)
