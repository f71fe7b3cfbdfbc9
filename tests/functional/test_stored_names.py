"""Names already stored stay readable under their keys (issue 25 §5): a patient whose name holds a
character new uploads may no longer use (a soft hyphen, stored before the rule) can still be
reported and trained, with a clear warning that holds no name; a new upload under it is refused."""

from __future__ import annotations

import contextlib
import io
import json
import logging
from pathlib import Path

import numpy as np
import pytest

from tests.support.media import sample
from voice import layout
from voice.cli import main
from voice.pose.body25 import PoseFrame, pose_to_json
from voice.storage import LocalStore

LEGACY = "Ma\u00adria"  # a soft hyphen: refused for new uploads since issue 25


def _stored_samples(data: Path) -> None:
    store = LocalStore(data)
    pose = PoseFrame(0, 0.0, 480, 360, np.ones((25, 3)))
    for k, emotion in enumerate(["happiness", "happiness", "sadness"]):
        session = f"old-session-000000000{k}"
        prefix = layout.sample_prefix(LEGACY, emotion, session, 0)
        store.write(layout.PATIENTS, layout.sample_pose_key(prefix, 0), pose_to_json(pose, session))
        store.write(layout.PATIENTS, layout.session_index_key(LEGACY, session), b"{}")  # written last


def _run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main([*args, "--json"])
    return code, out.getvalue()


@pytest.mark.parametrize("command", ["report", "train"])
def test_a_stored_patient_with_a_name_new_uploads_may_not_use_stays_readable(
    tmp_path: Path, command: str, caplog: pytest.LogCaptureFixture
) -> None:
    data = tmp_path / "data"
    _stored_samples(data)
    with caplog.at_level(logging.WARNING, logger="voice"):
        code, out = _run(command, LEGACY, "--data-dir", str(data))
    assert code == 0, out
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("U+00AD" in w and "stays readable" in w for w in warnings), warnings
    assert not any(LEGACY in w for w in warnings), "logs hold no names"
    if command == "report":
        report = Path(json.loads(out)["report"])
        assert report.is_relative_to(data / "videos" / "annotated" / LEGACY)
        coverage = report.read_text().split('id="coverage"')[1].split("</table>")[0]
        assert "<td>happiness</td><td>2</td>" in coverage, "the stored samples are found under their keys"
    else:
        result = json.loads(out)
        assert result["counts"] == {"happiness": 2, "sadness": 1}, result


def test_a_new_upload_under_that_name_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _stored_samples(data)
    code, out = _run("process", str(sample("rain.mp4")), "--patient", LEGACY, "--data-dir", str(data))
    (result,) = json.loads(out)
    assert code == 1
    assert result["error_type"] == "InvalidNameError"
    assert "U+00AD" in result["message"]
    assert not (data / "videos" / LEGACY).exists(), "nothing stored under the refused name"
