"""Benchmark: the review page on a 10-minute session, and its API's latency (issue 21).

    .venv/bin/python benchmarks/bench_review.py [--seconds 600] [--inputs-dir DIR] [--data-dir DIR]
        [--repeats 20] [--loads 5] [--out JSON]

1. **The session.** A ``--seconds``-long narrated 640×480 video (the bundled samples back to back,
   ``tests.support.media.long_narrated_video``, built once into ``--inputs-dir``) processed as
   ``voice process`` does it into ``--data-dir`` (kept: a second run measures without processing).
2. **API latency** (target: ≤ 100 ms locally). The app served by uvicorn on 127.0.0.1 as
   ``voice review`` serves it; each call ``--repeats`` times over HTTP (median and worst): the
   patients, the patient's sessions, the session (words, events, labels, reviews, predictions,
   people's tracks), the "To review" list, the people at a time, 1 MiB of the video by Range, a
   review (a confirm written and the samples derived) and, for scale, the page itself.
3. **Interactive time** (target: ≤ 1 s for a 10-minute session). Debian's chromium (Playwright)
   opens the session page ``--loads`` times in a fresh tab: milliseconds from the navigation's
   start until the timeline is drawn with the session's data and the video's metadata is loaded
   (the player can seek).
4. **A 60-minute timeline.** In the same page, a 60-minute session's tiers (a word every 0.4 s,
   an event every 20 s, a prediction window every 2 s for 5 emotions, two people) drawn 120 times
   with the playhead moving: mean and worst milliseconds per frame (smooth: well under 16 ms).

The last line: ``REVIEW interactive_ms=… api_median_ms=… api_worst_ms=… draw60_mean_ms=… …``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PATIENT = "maria"
CHROMIUM = "/usr/bin/chromium"

DRAW_60 = """() => {
  const words = [], events = [], predictions = [], people = [];
  for (let t = 0; t < 3600; t += 0.4) words.push({word: "word", start: t, end: t + 0.3, probability: 1});
  const E = ["happiness", "sadness", "anger", "surprise", "neutral"];
  for (let t = 5; t < 3600; t += 20) events.push({emotion: E[(t / 20 | 0) % 5], keyword: "happy",
    window: [t - 1.5, t + 2.5], negated: false, ignored: null});
  for (let t = 0; t < 3596; t += 2) { const p = {}; E.forEach((e, i) => p[e] = ((t + i) % 7) / 7);
    predictions.push({start: t, end: t + 4, label: "happiness", probabilities: p}); }
  people.push({person: 0, start: 0, end: 3600}, {person: 1, start: 100, end: 3000});
  const labels = events.map((e, i) => ({id: "e" + i, start: e.window[0], end: e.window[1], emotion: e.emotion,
    status: "narrated", counts: true, conflicts: []}));
  const data = {video: {duration_s: 3600, width: 640, height: 480, fps: 25}, words, events, predictions,
    people, reviews: [], emotions: E, labels: {labels, version: null}, patient_track: {id: 0}};
  const canvas = document.createElement("canvas");
  canvas.style.width = "1200px";
  document.body.append(canvas);
  const video = {currentTime: 0};
  const tl = new window.VoiceTimeline.Timeline(canvas, video, data, {onSelect() {}});
  tl.destroy();
  const times = [];
  for (let i = 0; i < 120; i++) { video.currentTime = i * 29.9; const t0 = performance.now(); tl.draw();
    times.push(performance.now() - t0); }
  canvas.remove();
  return times;
}"""


def _serve(data: Path) -> tuple[Any, threading.Thread, str, str]:
    import uvicorn

    from voice.config import Settings
    from voice.review.app import create_app
    from voice.review.security import Secrets
    from voice.review.server import bind
    from voice.storage import LocalStore

    secrets_ = Secrets()
    sock = bind("127.0.0.1", 0)
    app = create_app(LocalStore(data), Settings(data_dir=data), secrets_=secrets_)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    time.sleep(0.5)
    return server, thread, f"http://127.0.0.1:{sock.getsockname()[1]}", secrets_.token


def _api(base: str, token: str, session: str, repeats: int) -> dict[str, dict[str, float]]:
    import httpx

    from voice.review.security import CSRF_HEADER

    one = f"/api/patients/{PATIENT}/sessions/{session}"
    with httpx.Client(base_url=base) as client:
        client.get(f"/?token={token}")
        client.headers[CSRF_HEADER] = client.get("/api/csrf").json()["csrf"]
        t0 = time.perf_counter()
        cold = client.get(one)  # the first session read decodes the pose track (kept for later ones)
        cold_ms = round((time.perf_counter() - t0) * 1000, 1)
        label = next(lbl["id"] for lbl in cold.json()["labels"]["labels"] if lbl["counts"])
        calls: dict[str, Any] = {
            "page": lambda: client.get("/"),
            "patients": lambda: client.get("/api/patients"),
            "sessions": lambda: client.get(f"/api/patients/{PATIENT}/sessions"),
            "session": lambda: client.get(one),
            "to_review": lambda: client.get(f"/api/patients/{PATIENT}/to-review"),
            "people_at": lambda: client.get(one + "/people?t=300"),
            "video_1mib": lambda: client.get(one + "/video", headers={"Range": "bytes=1048576-2097151"}),
            "review_confirm": None,  # below: each confirm against the version it read
        }
        out = {"session_cold": {"first_ms": cold_ms, "median_ms": cold_ms, "worst_ms": cold_ms}}
        for name, call in calls.items():
            times = []
            for _ in range(repeats):
                if call is None:
                    version = client.get(one).json()["labels"]["version"]
                    t0 = time.perf_counter()
                    answer = client.post(
                        one + "/reviews",
                        json={
                            "author": "bench",
                            "version": version,
                            "changes": [{"action": "confirm", "event": label}],
                        },
                    )
                else:
                    t0 = time.perf_counter()
                    answer = call()
                times.append((time.perf_counter() - t0) * 1000)
                assert answer.status_code < 300, (name, answer.status_code, answer.text[:200])
            out[name] = {
                "first_ms": round(times[0], 1),
                "median_ms": round(statistics.median(times), 1),
                "worst_ms": round(max(times), 1),
            }
    return out


def _browser(base: str, token: str, session: str, loads: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    ready = (
        "window.voiceReview && window.voiceReview.timeline.lastDrawn && "
        "document.getElementById('player').readyState >= 1"
    )
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 1300, "height": 900})
        tab = context.new_page()
        tab.goto(f"{base}/?token={token}")
        times = []
        for _ in range(loads):
            fresh = context.new_page()
            fresh.goto(f"{base}/#/p/{PATIENT}/s/{session}")
            fresh.wait_for_function(f"() => ({ready})", timeout=30000)  # the CSP forbids eval
            times.append(float(fresh.evaluate("performance.now()")))
            fresh.close()
        draws = tab.evaluate(DRAW_60)
        browser.close()
    return {
        "interactive_ms": [round(t) for t in times],
        "interactive_median_ms": round(statistics.median(times)),
        "draw60_mean_ms": round(statistics.mean(draws), 2),
        "draw60_worst_ms": round(max(draws), 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--inputs-dir", type=Path, default=Path("bench-inputs"))
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--loads", type=int, default=5)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    from tests.support.media import long_narrated_video

    video = args.inputs_dir / f"review_{int(args.seconds)}s.mp4"
    if not video.exists():
        long_narrated_video(video, args.seconds)
    data = args.data_dir or args.inputs_dir / f"review_{int(args.seconds)}s-data"
    marker = data / "session.txt"
    if not marker.exists():
        shutil.rmtree(data, ignore_errors=True)
        from benchmarks.bench_labels import process_once

        session = process_once(video, data)
        marker.write_text(session)
    session = marker.read_text().strip()
    server, thread, base, token = _serve(data)
    try:
        api = _api(base, token, session, args.repeats)
        page = _browser(base, token, session, args.loads)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    result = {"seconds": args.seconds, "load_1min": os.getloadavg()[0], "api": api, **page}
    for name, figures in api.items():
        print(
            f"{name:<16} first {figures['first_ms']:7.1f} ms   median {figures['median_ms']:7.1f} ms   "
            f"worst {figures['worst_ms']:7.1f} ms"
        )
    print(json.dumps(page))
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    if args.out:
        args.out.write_text(json.dumps(result, indent=2))
    api_calls = [v for k, v in api.items() if k not in ("page", "session_cold")]
    print(
        f"REVIEW interactive_ms={page['interactive_median_ms']} "
        f"api_median_ms={max(v['median_ms'] for v in api_calls)} "
        f"api_worst_ms={max(v['worst_ms'] for v in api_calls)} "
        f"session_cold_ms={api['session_cold']['first_ms']} static_page_median_ms={api['page']['median_ms']} "
        f"draw60_mean_ms={page['draw60_mean_ms']} draw60_worst_ms={page['draw60_worst_ms']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
