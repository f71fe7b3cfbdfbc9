"""The ``voice`` command. Exit codes: 0 all ok, 1 some inputs failed (others done), 2 usage error."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from voice.agreement.commands import add_agreement_parser, report_section, run_agreement
from voice.config import Settings, get_settings
from voice.errors import CloudSetupError, InvalidNameError, LabelError, VoiceError
from voice.exchange.commands import add_exchange_parsers, run_export, run_import
from voice.fast_exit import exit_now
from voice.labels.commands import add_labels_parser, run_labels
from voice.model.predict import predict_file
from voice.model.report import write_report
from voice.model.training import train_patient
from voice.people.pin import PersonPin, PersonPinError
from voice.review.commands import add_review_parser
from voice.run.batch import process_files
from voice.run.demo import run_demo
from voice.segments.local_pool import default_workers
from voice.storage import LocalStore, Store

__all__ = ["main", "run"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

log = logging.getLogger("voice")


def _store(args: argparse.Namespace) -> Store:
    """The local folder, or with ``--store s3`` the buckets the settings name."""
    settings = get_settings()
    if args.store == "s3":
        from voice.aws.s3 import S3Store  # the AWS SDK loads only for commands that need AWS

        return S3Store.from_settings(settings)
    return LocalStore(args.data_dir if args.data_dir is not None else settings.data_dir)


def _settings(args: argparse.Namespace) -> Settings:
    base = get_settings()
    if args.data_dir is not None:
        return base.model_copy(update={"data_dir": Path(args.data_dir)})
    return base


def _emit(args: argparse.Namespace, payload: Any, human: str) -> None:
    if getattr(args, "json", False):
        print(json.dumps(payload, indent=2, default=str))
    else:
        print(human)


def cmd_process(args: argparse.Namespace) -> int:
    settings = _settings(args)
    store = _store(args)
    results = process_files(
        [Path(v) for v in args.videos],
        args.patient,
        store=store,
        settings=settings,
        force=args.force,
        progress=not args.json,
        pin=args.person,
        workers=args.workers if args.workers is not None else default_workers(settings),
    )
    failed = [r for r in results if r["status"] != "ok"]
    lines = []
    for r in results:
        if r["status"] == "ok":
            lines.append(
                f"ok      {r['video']}: session {r['session']}, {r['events']} events, {r['samples']} samples "
                f"-> {r['annotated']}"
            )
            lines += [f"        note: {reason}" for reason in r["reasons"]]
        else:
            lines.append(f"FAILED  {r['video']}: {r['error_type']} at {r['stage']}: {r['message']}")
    _emit(args, results, "\n".join(lines))
    return EXIT_FAILED if failed else EXIT_OK


def cmd_train(args: argparse.Namespace) -> int:
    result = train_patient(_store(args), args.patient, settings=_settings(args), force=args.force)
    payload = result.to_dict()
    _emit(args, payload, _describe_training(payload))
    return EXIT_OK


def _describe_training(p: dict[str, Any]) -> str:
    if not p.get("trained"):
        reasons = "\n".join(f"  - {r}" for r in p.get("reasons", []))
        return f"training skipped:\n{reasons}"
    lines = [f"trained run {p.get('run_id')}"]
    for key in ("model", "balanced_accuracy", "baseline", "promoted", "promotion_reason", "artifacts"):
        if key in p:
            lines.append(f"  {key}: {p[key]}")
    return "\n".join(lines)


def cmd_predict(args: argparse.Namespace) -> int:
    payload = predict_file(
        _store(args), Path(args.video), args.patient, settings=_settings(args), pin=args.person
    )
    lines = [f"model {payload['model']}; windows of {payload['window_s']}s:"]
    for w in payload["windows"]:
        probs = " ".join(f"{k}={v:.2f}" for k, v in w["probabilities"].items())
        label = "unsure" if w["unsure"] else w["label"]
        signals = ", ".join(s["words"] for s in w["signals"])
        lines.append(f"  {w['start']:7.2f}-{w['end']:7.2f}s  {label:<10} {probs}  {signals}".rstrip())
    _emit(args, payload, "\n".join(lines))
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    store, settings = _store(args), _settings(args)
    extra = [report_section(store, args.patient, settings)]
    key = write_report(store, args.patient, settings=settings, extra_sections=extra)
    _emit(args, {"report": key}, str(key))
    return EXIT_OK


def cmd_passport(args: argparse.Namespace) -> int:
    from voice.passport.write import write_passport

    key = write_passport(_store(args), args.patient, settings=_settings(args))
    _emit(args, {"passport": key}, str(key))
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    settings = _settings(args)
    payload = run_demo(_store(args), settings=settings, progress=not args.json)
    _emit(args, payload, payload["summary"])
    return EXIT_OK if payload["ok"] else EXIT_FAILED


def cmd_labels(args: argparse.Namespace) -> int:
    payload, human = run_labels(args, _store(args), _settings(args))
    _emit(args, payload, human)
    return EXIT_OK


def cmd_review(args: argparse.Namespace) -> int:
    import voice.agreement.disagreements  # noqa: F401  (registers the people_disagree kind of To review)
    from voice.review.server import serve  # the web stack loads only for `voice review`

    # On S3 the stack's labels function derives the samples after a review; locally the app does.
    serve(_store(args), _settings(args), host=args.host, port=args.port, derive_samples=args.store != "s3")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    payload, human = run_export(args, _store(args))
    _emit(args, payload, human)
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    payload, human = run_import(args, _store(args), _settings(args))
    _emit(args, payload, human)
    return EXIT_OK


def cmd_agreement(args: argparse.Namespace) -> int:
    payload, human = run_agreement(args, _store(args), _settings(args))
    _emit(args, payload, human)
    return EXIT_OK


def cmd_cloud(args: argparse.Namespace) -> int:
    from voice.aws.commands import run_cli

    result = run_cli(args)
    _emit(args, result, json.dumps(result, indent=2, default=str))
    return EXIT_OK


_PERSON_HELP = (
    "the patient is the person under this point (pixels of the upright frame) at T seconds "
    "(default 0); stored with the upload as <file>.person.json"
)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number ≥ 1, not {text!r}")
    return value


def _pin(text: str) -> PersonPin:
    try:
        return PersonPin.parse(text)
    except PersonPinError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _patient_command(sub: Any, common: argparse.ArgumentParser, name: str, what: str, func: Any) -> None:
    p = sub.add_parser(name, parents=[common], help=what)
    p.add_argument("patient", metavar="PATIENT")
    p.set_defaults(func=func)


def _add_research_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """``voice export``, ``voice import``, ``voice agreement`` (docs/researchers.md)."""
    exported, imported = add_exchange_parsers(sub, common)
    exported.set_defaults(func=cmd_export)
    imported.set_defaults(func=cmd_import)
    add_agreement_parser(sub, common).set_defaults(func=cmd_agreement)


def _add_cloud_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """``voice cloud upload|reprocess|train|status|download-model`` (docs/cloud.md)."""
    cloud = sub.add_parser("cloud", help="work with the deployed stack (S3, Step Functions, DynamoDB)")
    csub = cloud.add_subparsers(dest="cloud_command", required=True)
    c = csub.add_parser("upload", parents=[common], help="upload videos to videos/<patient>/ (multipart)")
    c.add_argument("videos", nargs="+", metavar="VIDEO")
    c.add_argument("--patient", required=True)
    c.add_argument("--person", type=_pin, default=None, metavar="X,Y[@T]", help=_PERSON_HELP)
    c = csub.add_parser(
        "reprocess",
        parents=[common],
        help="a new attempt at an upload: a new version of it that is processed even if done",
    )
    c.add_argument("patient", metavar="PATIENT")
    c.add_argument("file", metavar="FILE", help="the upload's file name, as stored under the patient")
    c = csub.add_parser("train", parents=[common], help="start a training execution for a patient")
    c.add_argument("patient", metavar="PATIENT")
    c.add_argument("--force", action="store_true", help="the gate skips its minimums and cooldown")
    c = csub.add_parser("status", parents=[common], help="training history, last executions")
    c.add_argument("patient", metavar="PATIENT")
    c = csub.add_parser("download-model", parents=[common], help="download the promoted model's artifacts")
    c.add_argument("patient", metavar="PATIENT")
    c.add_argument("dest", metavar="DIR")
    cloud.set_defaults(func=cmd_cloud)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="voice",
        description="VOICE: narrated videos become emotion events, BODY_25 poses and per-patient models.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir", default=None, help="local store root (default: $VOICE_DATA_DIR or ./voice-data)"
    )
    common.add_argument("--store", choices=("local", "s3"), default=os.environ.get("VOICE_STORE", "local"))
    common.add_argument("--json", action="store_true", help="print machine-readable results")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("process", parents=[common], help="process videos as if uploaded to videos/<patient>/")
    p.add_argument("videos", nargs="+", metavar="VIDEO")
    p.add_argument("--patient", required=True)
    p.add_argument("--force", action="store_true", help="re-process sessions that are already complete")
    p.add_argument("--person", type=_pin, default=None, metavar="X,Y[@T]", help=_PERSON_HELP)
    p.add_argument(
        "--workers",
        type=_positive,
        default=None,
        metavar="N",
        help="worker processes for a long video's segments (default: $VOICE_WORKERS, else the cores "
        "as memory permits); videos up to $VOICE_SEGMENT_ABOVE_S seconds run in one pass",
    )
    p.set_defaults(func=cmd_process)

    p = sub.add_parser("train", parents=[common], help="gate, then train the patient's model")
    p.add_argument("patient", metavar="PATIENT")
    p.add_argument("--force", action="store_true", help="train even if the gate says no")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("predict", parents=[common], help="emotion timeline of a video from the latest model")
    p.add_argument("video", metavar="VIDEO")
    p.add_argument("--patient", required=True)
    p.add_argument("--person", type=_pin, default=None, metavar="X,Y[@T]", help=_PERSON_HELP)
    p.set_defaults(func=cmd_predict)

    p = sub.add_parser("report", parents=[common], help="write the patient's HTML report; prints its path")
    p.add_argument("patient", metavar="PATIENT")
    p.set_defaults(func=cmd_report)

    _patient_command(
        sub, common, "passport", "write the signal passport (HTML); prints its path", cmd_passport
    )

    p = sub.add_parser(
        "demo", parents=[common], help="bundled samples: process -> train -> predict -> report"
    )
    p.set_defaults(func=cmd_demo)

    add_labels_parser(sub, common)
    sub.choices["labels"].set_defaults(func=cmd_labels)
    add_review_parser(sub, common, cmd_review)
    _add_research_commands(sub, common)

    _add_cloud_commands(sub, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args.func(args))
    except (InvalidNameError, CloudSetupError, LabelError) as exc:
        print(f"voice: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except VoiceError as exc:
        print(f"voice: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_FAILED


def run() -> NoReturn:
    """The ``voice`` command: :func:`main`, then :func:`exit_now` with its exit code."""
    exit_now(main())


if __name__ == "__main__":  # pragma: no cover
    run()
