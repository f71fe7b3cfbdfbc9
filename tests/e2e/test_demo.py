"""``voice demo`` on a fresh data dir: samples → model → prediction → report, opened in Chromium."""

from __future__ import annotations

import contextlib
import functools
import http.server
import io
import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from voice.cli import main

pytestmark = pytest.mark.slow

HARNESS = """<!doctype html><html><body><iframe id="r" src="report.html" width="1200" height="900"></iframe>
<script>
document.getElementById("r").addEventListener("load", () => {
  const doc = document.getElementById("r").contentDocument;
  const imgs = [...doc.images].map(
    i => ({alt: i.alt, w: i.naturalWidth, h: i.naturalHeight, done: i.complete}));
  const metrics = doc.getElementById("metrics");
  const out = document.createElement("pre");
  out.id = "result";
  out.textContent = JSON.stringify({imgs, metrics: metrics ? metrics.innerText : null, title: doc.title});
  document.body.appendChild(out);
});
</script></body></html>"""


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    data = tmp_path_factory.mktemp("demo-data")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["demo", "--data-dir", str(data), "--json"])
    return {"code": code, "data": data, "result": json.loads(out.getvalue())}


def test_demo_ends_with_a_promoted_model_a_prediction_and_a_report(demo: dict[str, Any]) -> None:
    assert demo["code"] == 0, demo["result"]["summary"]
    result = demo["result"]
    assert result["ok"]
    assert all(r["status"] == "ok" for r in result["processed"])
    training = result["training"]
    assert training["trained"], training
    assert training["promoted"], training
    assert training["balanced_accuracy"]["mean"] > training["baseline"]
    latest = json.loads((demo["data"] / "patients" / "models" / "maria" / "latest.json").read_text())
    assert latest["run_id"] == training["run_id"]
    # The held-out video was never used for training, and gets a timeline from the model.
    sessions = json.loads(
        (
            demo["data"] / "patients" / "models" / "maria" / training["run_id"] / "training_sessions.json"
        ).read_text()
    )
    assert "swing" not in json.dumps(sessions)
    windows = result["prediction"]["windows"]
    assert windows
    assert all(abs(sum(w["probabilities"].values()) - 1) < 1e-3 for w in windows)
    held = [r for r in result["processed"] if r["video"].endswith("swing.mp4")]
    meta = json.loads(
        (demo["data"] / "videos" / "annotated" / "maria" / f"{held[0]['session']}_metadata.json").read_text()
    )
    assert meta["predictions"], "process_video predicts automatically once the patient has a model"
    assert meta["models"]["patient"] == training["run_id"]


def test_demo_trains_with_every_feature_group_and_the_report_shows_what_each_adds(
    demo: dict[str, Any],
) -> None:
    training = demo["result"]["training"]
    run = demo["data"] / "patients" / "models" / "maria" / training["run_id"]
    metrics = json.loads((run / "metrics.json").read_text())
    groups = metrics["feature_groups"]["groups"]
    assert set(groups) == {"body", "face", "hands"}
    assert all(g["has_data"] and g["importance"] > 0 for g in groups.values()), groups
    assert metrics["features"]["groups"] == {g: v["features"] for g, v in groups.items()}
    for name, g in groups.items():
        # Both sides are the chosen configuration's grouped CV on the same folds (no search), so
        # "with every group" is feature_groups' own score, not the nested CV's headline.
        assert g["adds"] == pytest.approx(
            metrics["feature_groups"]["balanced_accuracy_all"] - g["balanced_accuracy_without"]
        )
        assert training["feature_groups_add"][name] == pytest.approx(g["adds"], abs=1e-4)
    report = Path(demo["result"]["report"]).read_text()
    assert 'id="feature-groups"' in report
    assert "What each feature group adds" in report


@contextlib.contextmanager
def _serve(root: Path) -> Iterator[int]:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a, **k: None  # type: ignore[assignment]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    pytest.fail("Chromium is not installed; scripts/test.sh installs the Debian package 'chromium'.")


def test_report_opens_in_headless_chromium_with_every_image_loaded(
    demo: dict[str, Any], tmp_path: Path
) -> None:
    report = Path(demo["result"]["report"])
    assert report.is_file(), report
    assert f"report: {report}" in demo["result"]["summary"]
    site = tmp_path / "site"
    site.mkdir()
    shutil.copyfile(report, site / "report.html")
    (site / "index.html").write_text(HARNESS)
    with _serve(site) as port:
        proc = subprocess.run(
            [
                _chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=10000", "--dump-dom",
                f"http://127.0.0.1:{port}/index.html",
            ],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    start = proc.stdout.index('<pre id="result">') + len('<pre id="result">')
    raw = proc.stdout[start : proc.stdout.index("</pre>", start)]
    import html

    page = json.loads(html.unescape(raw))
    assert len(page["imgs"]) >= 3, page  # confusion matrix, feature importance, timelines
    for img in page["imgs"]:
        assert img["done"], img
        assert img["w"] > 0, img
        assert img["h"] > 0, img
    assert page["metrics"], page["metrics"]
    assert "baseline" in page["metrics"].lower(), page["metrics"]
