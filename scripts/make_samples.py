"""Regenerate the bundled sample sessions in ``voice/samples/`` (videos + ``manifest.json``).

Run from the repository root::

    .venv/bin/python scripts/make_samples.py            # rewrite voice/samples/ (deterministic)
    .venv/bin/python scripts/make_samples.py --check    # also run tiny.en and MediaPipe on the output

Needs the Debian package ``flite`` (speech) and the ``media`` extra (scikit-image, for the photo);
ffmpeg comes from ``imageio-ffmpeg``. Everything is seeded: running it again writes the same bytes.

What a session is: one patient (``maria``), a real photo of a person (``skimage.data.astronaut``)
on a plain background, moved per frame by an affine transform whose motion depends on the emotion
the narrator names, plus a narration track made of flite sentences placed at known offsets.
The motion of an emotion starts ``LEAD_S`` before its emotion word (the pipeline's pose window
opens 1.5 s before the word), so each event's window shows that emotion's motion only.

The manifest records, per event, the expected start time of the emotion word. It comes from
flite's own phone timings (``-psdur``), not from a guess, so it is within a few tens of ms of
what the synthesizer spoke; Whisper's word timestamps land within ~0.3 s of it.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import wave
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests.support.face_media: the changing face and the hands
OUT_DIR = ROOT / "voice" / "samples"
PATIENT = "maria"
FPS = 25
WIDTH, HEIGHT = 480, 360
SAMPLE_RATE = 16_000  # flite's rms, awb and slt voices speak at 16 kHz, Whisper's rate too
LEAD_S = 1.5  # an emotion's motion starts this long before its word
PHOTO_SIDE = 270  # the photo's side in the frame, pixels
CRF = 30
AUDIO_BITRATE = "32k"

EMOTION_OF = {  # keyword -> canonical emotion (the original keyword lists)
    **dict.fromkeys(["happy", "joyful", "excited", "cheerful", "delighted", "glad", "pleased"], "happiness"),
    **dict.fromkeys(["sad", "unhappy", "depressed", "miserable", "crying", "upset"], "sadness"),
    **dict.fromkeys(["angry", "mad", "furious", "annoyed", "irritated", "frustrated"], "anger"),
    **dict.fromkeys(["surprised", "amazed", "astonished", "shocked", "stunned", "startled"], "surprise"),
    **dict.fromkeys(["neutral", "calm", "normal", "composed"], "neutral"),
}


@dataclass(frozen=True)
class Line:
    """One narrated sentence: the voice starts at ``at`` seconds (the WAV, leading pause included)."""

    at: float
    text: str
    keyword: str | None = None  # the emotion word in the sentence, if any
    negated: bool = False


@dataclass(frozen=True)
class Session:
    file: str
    duration: float
    lines: tuple[Line, ...]
    voice: str = "rms"
    held_out: bool = False
    background: tuple[int, int, int] = (214, 208, 196)
    # Seconds (from, to) when a second person (a caregiver: the blue look of tests/support/scenes.py)
    # stands on the right; Maria then stands left of centre.
    companion: tuple[float, float] | None = None


def _l(at: float, text: str, keyword: str | None = None, negated: bool = False) -> Line:
    return Line(at, text, keyword, negated)


SESSIONS: tuple[Session, ...] = (
    # happiness
    Session("garden.mp4", 7.0, (_l(0.2, "We are in the garden."), _l(2.0, "Maria is happy.", "happy"))),
    Session(
        "breakfast.mp4",
        5.6,
        (_l(0.6, "Maria looks very cheerful.", "cheerful"),),
        voice="awb",
        background=(200, 214, 226),
    ),
    Session(
        "swing.mp4",
        5.6,
        (_l(0.6, "Maria is so excited.", "excited"),),
        held_out=True,
        background=(206, 222, 200),
    ),
    # happiness, then surprise
    Session(
        "park.mp4",
        9.0,
        (_l(0.6, "Maria is glad to be here.", "glad"), _l(4.9, "Now she is surprised.", "surprised")),
    ),
    # sadness
    Session("rain.mp4", 5.6, (_l(0.6, "Maria is sad today.", "sad"),)),
    Session(
        "goodbye.mp4",
        7.5,
        (_l(0.2, "It is time to go home."), _l(2.3, "Now she looks very sad.", "sad")),
        background=(200, 214, 226),
    ),
    # the one negated event, then sadness
    Session(
        "lunch.mp4",
        8.5,
        (
            _l(0.2, "It is lunch time."),
            _l(1.9, "Maria is not happy.", "happy", True),
            _l(4.3, "She is upset.", "upset"),
        ),
        background=(226, 214, 200),
    ),
    # anger
    Session("bath.mp4", 5.6, (_l(0.6, "Maria seems really angry.", "angry"),)),
    Session(
        "waiting.mp4",
        5.6,
        (_l(0.6, "Maria is furious.", "furious"),),
        voice="awb",
        background=(226, 214, 200),
    ),
    Session(
        "IMG_0412.MOV", 5.6, (_l(0.6, "Now she is frustrated.", "frustrated"),), background=(206, 222, 200)
    ),
    # neutral, then anger
    Session(
        "music.mp4",
        9.0,
        (_l(0.6, "Maria feels calm.", "calm"), _l(4.9, "Now she is very angry.", "angry")),
        voice="slt",
    ),
    # surprise
    Session("balloon.mp4", 5.6, (_l(0.6, "Maria is surprised.", "surprised"),), background=(200, 214, 226)),
    Session(
        "visit.mkv",
        7.0,
        (_l(0.2, "Her sister is here."), _l(2.0, "Maria looks amazed.", "amazed")),
        voice="awb",
    ),
    # neutral
    Session("story.mp4", 5.6, (_l(0.6, "Maria is calm.", "calm"),), voice="awb", background=(206, 222, 200)),
    Session(
        "tv.mp4",
        7.0,
        (_l(0.2, "We watch the news."), _l(2.0, "Maria looks neutral.", "neutral")),
        background=(226, 214, 200),
    ),
    # two people: her mother is in view for the first 4.5 s; Maria, in view throughout, is the patient
    Session(
        "kitchen.mp4",
        7.5,
        (_l(0.2, "Her mother is here."), _l(2.2, "Maria looks sad.", "sad")),
        background=(206, 222, 200),
        companion=(0.0, 4.5),
    ),
)


# ----------------------------------------------------------------------------------------------
# speech


@dataclass
class Speech:
    samples: np.ndarray  # float32 at SAMPLE_RATE
    phones: list[tuple[str, float, float]] = field(default_factory=list)  # (phone, start, end) seconds


def flite(text: str, voice: str) -> Speech:
    """Synthesize ``text``; also return flite's phone timings (``-psdur``: phone:end-time)."""
    with tempfile.TemporaryDirectory() as tmp:
        wav_path = Path(tmp) / "s.wav"
        out = subprocess.run(
            ["flite", "-voice", voice, "-psdur", "-t", text, "-o", str(wav_path)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        with wave.open(str(wav_path)) as w:
            if w.getframerate() != SAMPLE_RATE or w.getnchannels() != 1:
                raise SystemExit(f"flite voice {voice!r} is not 16 kHz mono; use rms, awb or slt")
            pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    phones, start = [], 0.0
    for tok in out.split():
        name, end = tok.rsplit(":", 1)
        phones.append((name, start, float(end)))
        start = float(end)
    return Speech(pcm.astype(np.float32) / 32768.0, phones)


def phones_of(word: str, voice: str) -> list[str]:
    return [p for p, _, _ in flite(word, voice).phones if p != "pau"]


def word_start(speech: Speech, word: str, voice: str) -> float:
    """Start time of ``word`` inside ``speech``, from flite's own phone timings."""
    target = phones_of(word, voice)
    names = [p for p, _, _ in speech.phones]
    for i in range(len(names) - len(target) + 1):
        if names[i : i + len(target)] == target:
            return speech.phones[i][1]
    raise SystemExit(f"could not find the phones of {word!r} in the sentence")


# ----------------------------------------------------------------------------------------------
# motion: (dx, dy, dscale, rotation_deg) per emotion, t = seconds since the phase began


def _motion(kind: str, t: np.ndarray) -> np.ndarray:
    z = np.zeros_like(t)
    two_pi = 2 * np.pi
    if kind == "idle":
        return np.stack([3 * np.sin(two_pi * 0.2 * t), z, z, z])
    if kind == "neutral":  # nearly still, a slow drift
        return np.stack(
            [7 * np.sin(two_pi * 0.22 * t), 2 * np.sin(two_pi * 0.13 * t), z, 0.6 * np.sin(two_pi * 0.17 * t)]
        )
    if kind == "happiness":  # quick vertical bouncing, a little sway
        b = np.abs(np.sin(two_pi * 1.3 * t))
        return np.stack([4 * np.sin(two_pi * 0.65 * t), -24 * b, 0.025 * b, 3 * np.sin(two_pi * 0.65 * t)])
    if kind == "sadness":  # slow sinking, shrinking a little, tilting down
        k = 1 - np.exp(-t / 1.1)
        return np.stack([2 * np.sin(two_pi * 0.3 * t), 38 * k, -0.07 * k, -8 * k])
    if kind == "anger":  # fast horizontal shaking
        return np.stack(
            [
                15 * np.sin(two_pi * 3.7 * t) + 5 * np.sin(two_pi * 6.1 * t + 1.0),
                3 * np.sin(two_pi * 2.3 * t),
                z,
                2.5 * np.sin(two_pi * 3.7 * t + 0.8),
            ]
        )
    if kind == "surprise":  # a startled jump back and up, the head out of view for ~0.7 s, then hold
        k = 1 - np.exp(-t / 0.12)
        out_of_view = _smoothstep(t / 0.25) * (1 - _smoothstep((t - 0.8) / 0.4))
        return np.stack([z, -14 * k - 150 * out_of_view, -0.2 * k, 2 * k])
    raise ValueError(kind)


def _phases(events: list[dict]) -> list[tuple[float, str]]:
    starts = [(0.0, "idle")]
    for ev in events:
        if not ev["negated"]:
            starts.append((max(0.0, ev["time_s"] - LEAD_S), ev["emotion"]))
    return starts


def _blend(
    fn: Callable[[str, np.ndarray], np.ndarray], starts: list[tuple[float, str]], t: np.ndarray
) -> np.ndarray:
    """Per-frame values of ``fn`` for each phase, each phase fading in from the last one's end."""
    rows = fn("idle", np.zeros(1)).shape[0]
    params = np.zeros((rows, t.size))
    carry = np.zeros(rows)
    for i, (t0, kind) in enumerate(starts):
        t1 = starts[i + 1][0] if i + 1 < len(starts) else np.inf
        sel = (t >= t0) & (t < t1)
        tau = t[sel] - t0
        values = fn(kind, tau)
        offset = carry - fn(kind, np.zeros(1))[:, 0]
        values = values + offset[:, None] * np.exp(-tau / 0.15)[None, :]
        params[:, sel] = values
        if np.isfinite(t1):
            carry = values[:, -1] if values.shape[1] else carry
    return params


def motion_track(events: list[dict], n_frames: int, seed: int) -> np.ndarray:
    """Per-frame (dx, dy, dscale, rot) for the whole session: phases with short cross-fades."""
    t = np.arange(n_frames) / FPS
    params = _blend(_motion, _phases(events), t)
    # Deterministic smooth noise, so no motion is perfectly periodic.
    rng = np.random.default_rng(seed)
    scales = np.array([2.5, 2.0, 0.01, 0.8])
    for row in range(4):
        for _ in range(3):
            f, ph, a = rng.uniform(0.3, 1.7), rng.uniform(0, 2 * np.pi), rng.uniform(0.3, 1.0)
            params[row] += scales[row] * a * np.sin(2 * np.pi * f * t + ph) / 2
    return params


def _smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return np.asarray(x * x * (3 - 2 * x))


# ----------------------------------------------------------------------------------------------
# face and hands: (smile, mouth_open, brows, eyes_closed, rx, ry, r_angle, lx, ly, l_angle, spread)
# per emotion; hand wrists in units of the photo's side, angles in degrees clockwise from up.

MOUTH = (223 / 512, 146 / 512)  # the mouth on the photo, in photo units
HAND_SIDE = 0.2  # a hand's drawn size, in photo units


def _face_hands(kind: str, t: np.ndarray) -> np.ndarray:
    z, one = np.zeros_like(t), np.ones_like(t)
    two_pi = 2 * np.pi
    rest = [0.33 * one, 0.93 * one, -8 * one, 0.62 * one, 0.93 * one, 8 * one]
    if kind in ("idle", "neutral"):  # resting hands, a still face
        drift = 0.01 * np.sin(two_pi * 0.2 * t)
        return np.stack([0.1 * one, 0.1 * one, z, 0.1 * one, *[r + drift for r in rest[:2]], rest[2],
                         *[r - drift for r in rest[3:5]], rest[5], one])  # fmt: skip
    if kind == "happiness":  # a smile forms; clapping in front of the chest
        k = _smoothstep(t / 0.8)
        gap = 0.1 + 0.08 * (1 + np.cos(two_pi * 1.3 * t)) / 2
        return np.stack([k, 0.35 * k, 0.25 * k, -0.2 * k, 0.48 - gap, 0.86 * one, -15 * one,
                         0.48 + gap, 0.86 * one, 15 * one, one])  # fmt: skip
    if kind == "sadness":  # a frown, lids and brows down; the hands sink out of view
        k = _smoothstep(t / 1.0)
        sink = 0.93 + 0.5 * _smoothstep((t - 0.3) / 1.2)
        return np.stack(
            [-k, z, -0.4 * k, 0.6 * k, 0.33 * one, sink, -8 * one, 0.62 * one, sink, 8 * one, one]
        )
    if kind == "anger":  # a tight frown, brows down; fists shaking up and down
        k = _smoothstep(t / 0.5)
        shake = 0.06 * np.sin(two_pi * 3.7 * t)
        return np.stack([-0.7 * k, 0.15 * k, -k, 0.2 * k, 0.30 * one, 0.84 + shake, -20 * one,
                         0.66 * one, 0.84 - shake, 20 * one, 1 - 0.4 * k])  # fmt: skip
    if kind == "surprise":  # mouth and eyes wide, brows up; a hand to the mouth, the other raised
        k = _smoothstep(t / 0.35)
        rx, ry = 0.33 + (MOUTH[0] - 0.04 - 0.33) * k, 0.93 + (MOUTH[1] + 0.15 - 0.93) * k
        return np.stack([z, k, k, -0.5 * k, rx, ry, -25 * k - 8, 0.62 + 0.12 * k, 0.93 - 0.25 * k,
                         8 + 10 * k, 1 + 0.4 * k])  # fmt: skip
    raise ValueError(kind)


def face_hands_track(events: list[dict], n_frames: int, seed: int) -> np.ndarray:
    """Per-frame face and hand parameters (rows of :func:`_face_hands`), with a little jitter."""
    t = np.arange(n_frames) / FPS
    params = _blend(_face_hands, _phases(events), t)
    rng = np.random.default_rng(seed + 1)
    jitter = np.array([0.05, 0.04, 0.05, 0.05, 0.006, 0.006, 2.0, 0.006, 0.006, 2.0, 0.03])
    for row, scale in enumerate(jitter):
        f, ph = rng.uniform(0.4, 1.5), rng.uniform(0, 2 * np.pi)
        params[row] += scale * np.sin(2 * np.pi * f * t + ph)
    return params


def render_frames(session: Session, params: np.ndarray, face_hands: np.ndarray) -> Iterator[np.ndarray]:
    """The photo (its expression changed) on the session's background, moved by each column of
    ``params``, with the hands of ``face_hands`` moving with it."""
    import cv2

    from tests.support.face_media import expressive_face, paste_hand

    cx, cy = WIDTH / 2 - (85 if session.companion else 0), HEIGHT / 2 + 8
    if session.companion is not None and str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))  # the caregiver comes from tests/support/scenes.py
    for i, ((dx, dy, ds, rot), fh) in enumerate(zip(params.T.tolist(), face_hands.T.tolist(), strict=True)):
        smile, mouth, brows, lids, rx, ry, r_angle, lx, ly, l_angle, spread = fh
        face = expressive_face(smile=smile, mouth_open=mouth, brows=brows, eyes_closed=lids)
        photo = cv2.resize(face[:, :, ::-1], (PHOTO_SIDE, PHOTO_SIDE), interpolation=cv2.INTER_AREA)
        m = cv2.getRotationMatrix2D((PHOTO_SIDE / 2, PHOTO_SIDE / 2), float(rot), 1.0 + float(ds))
        m[0, 2] += cx - PHOTO_SIDE / 2 + dx
        m[1, 2] += cy - PHOTO_SIDE / 2 + dy
        frame = _scene(session, photo, m, i / FPS)
        size = round(HAND_SIDE * PHOTO_SIDE * (1.0 + float(ds)))
        for x, y, angle, right in ((rx, ry, r_angle, True), (lx, ly, l_angle, False)):
            wrist = m @ np.array([x * PHOTO_SIDE, y * PHOTO_SIDE, 1.0])
            # frames are RGB here: paste the hand's BGR drawing as RGB
            bgr = paste_hand(
                frame[:, :, ::-1],
                (wrist[0], wrist[1]),
                size=size,
                angle_deg=angle - rot,
                right=right,
                spread=spread,
            )
            frame = bgr[:, :, ::-1]
        yield np.ascontiguousarray(frame)


def _scene(session: Session, photo: np.ndarray, m: np.ndarray, t: float) -> np.ndarray:
    """Maria's photo on the session's background, in front of the caregiver (cut out, on the
    right) while the caregiver is in view."""
    import cv2

    if session.companion is None:
        return cv2.warpAffine(
            photo,
            m,
            (WIDTH, HEIGHT),
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=session.background,
        )
    # The composited people of the tests: a cut-out astronaut with a blue suit.
    from tests.support.scenes import paste

    canvas = np.empty((HEIGHT, WIDTH, 3), np.uint8)
    canvas[:] = session.background
    start, end = session.companion
    if start <= t < end:
        paste(canvas, "blue", WIDTH - 100 + 4 * np.sin(1.3 * t), HEIGHT / 2 + 22, 230)
    cv2.warpAffine(
        photo, m, (WIDTH, HEIGHT), dst=canvas, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_TRANSPARENT
    )
    return canvas


# ----------------------------------------------------------------------------------------------
# one session


def _round(x: float) -> float:
    return round(float(x), 3)


def build_session(session: Session, out_dir: Path) -> dict:
    from imageio_ffmpeg import get_ffmpeg_exe

    n_frames = round(session.duration * FPS)
    n = n_frames * SAMPLE_RATE // FPS  # audio exactly as long as the video
    audio = np.zeros(n, dtype=np.float32)
    sentences, events = [], []
    for line in session.lines:
        speech = flite(line.text, session.voice)
        seg = speech.samples / max(1e-6, float(np.abs(speech.samples).max())) * 0.6
        i0 = round(line.at * SAMPLE_RATE)
        if i0 + len(seg) > n:
            raise SystemExit(f"{session.file}: {line.text!r} runs past the end; lengthen the session")
        audio[i0 : i0 + len(seg)] += seg
        spoken = [(p, s, e) for p, s, e in speech.phones if p != "pau"]
        sentences.append(
            {
                "text": line.text,
                "start_s": _round(line.at + spoken[0][1]),
                "end_s": _round(line.at + spoken[-1][2]),
            }
        )
        if line.keyword:
            events.append(
                {
                    "emotion": EMOTION_OF[line.keyword],
                    "keyword": line.keyword,
                    "time_s": _round(line.at + word_start(speech, line.keyword, session.voice)),
                    "negated": line.negated,
                    "sentence": line.text,
                }
            )
    seed = zlib.crc32(session.file.encode())
    audio += np.random.default_rng(seed).normal(0, 0.0015, n).astype(np.float32)  # faint room noise
    pcm = (np.clip(audio, -1, 1) * 32767).astype("<i2")

    params = motion_track(events, n_frames, seed)
    face_hands = face_hands_track(events, n_frames, seed)
    target = out_dir / session.file
    with tempfile.TemporaryDirectory() as tmp:
        wav_path = Path(tmp) / "narration.wav"
        with wave.open(str(wav_path), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(SAMPLE_RATE)
            w.writeframes(pcm.tobytes())
        container = ["-movflags", "+faststart"] if target.suffix.lower() in {".mp4", ".mov"} else []
        # One x264 thread and bitexact muxing: the same bytes on every run.
        cmd = [
            get_ffmpeg_exe(),
            *f"-y -loglevel error -f rawvideo -pix_fmt rgb24 -s {WIDTH}x{HEIGHT} -r {FPS} -i -".split(),
            *["-i", str(wav_path), "-map", "0:v", "-map", "1:a"],
            *f"-c:v libx264 -preset slow -crf {CRF} -pix_fmt yuv420p -g 50 -threads 1".split(),
            *f"-c:a aac -b:a {AUDIO_BITRATE} -ac 1 -ar {SAMPLE_RATE}".split(),
            *["-map_metadata", "-1", "-fflags", "+bitexact"],
            *["-flags:v", "+bitexact", "-flags:a", "+bitexact"],
            *container,
            str(target),
        ]
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE)
        assert proc.stdin is not None
        for frame in render_frames(session, params, face_hands):
            proc.stdin.write(frame.tobytes())
        proc.stdin.close()
        if proc.wait() != 0:
            raise SystemExit(f"ffmpeg failed for {session.file}")
    return {
        "file": session.file,
        "patient": PATIENT,
        "duration_s": _round(n_frames / FPS),
        "held_out": session.held_out,
        "voice": f"flite/{session.voice}",
        "events": events,
        "sentences": sentences,
        **({"companion_s": list(session.companion)} if session.companion else {}),
    }


# ----------------------------------------------------------------------------------------------
# checks (--check): what tiny.en hears and how often MediaPipe finds the person


def check(manifest: dict, out_dir: Path) -> bool:
    import cv2
    import mediapipe as mp

    from voice.media.audio import decode_audio
    from voice.transcription.backends import FasterWhisperTranscriber

    transcriber = FasterWhisperTranscriber("tiny.en")
    ok = True
    for entry in manifest["sessions"]:
        path = out_dir / entry["file"]
        transcript = transcriber.transcribe(decode_audio(path))
        words = [(re.sub(r"[^a-z']", "", w.word.lower()), w.start) for w in transcript.words]
        notes = []
        for ev in entry["events"]:
            heard = [s for w, s in words if w == ev["keyword"]]
            if not heard:
                ok = False
                notes.append(f"MISSING {ev['keyword']!r}")
            else:
                delta = min(heard, key=lambda s: abs(s - ev["time_s"])) - ev["time_s"]
                ok &= abs(delta) <= 1.0
                notes.append(f"{ev['keyword']} {delta:+.2f}s")
        cap = cv2.VideoCapture(str(path))
        detected = frames = 0
        with mp.solutions.pose.Pose(static_image_mode=False, model_complexity=1) as pose:
            while True:
                good, bgr = cap.read()
                if not good:
                    break
                frames += 1
                result = pose.process(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
                detected += result.pose_landmarks is not None
        cap.release()
        rate = detected / max(1, frames)
        ok &= rate >= 0.95
        print(f"{entry['file']:>16}  pose {rate:6.1%}  {', '.join(notes):<28}  heard: {transcript.text}")
    return ok


def main(argv: list[str] | None = None) -> int:
    fmt = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=fmt)
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    parser.add_argument("--check", action="store_true", help="transcribe and pose-check the output")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    sessions = [build_session(s, args.out) for s in SESSIONS]
    manifest = {
        "schema": "voice.samples/1",
        "patient": PATIENT,
        "generator": "scripts/make_samples.py",
        "fps": FPS,
        "width": WIDTH,
        "height": HEIGHT,
        "lead_s": LEAD_S,
        "sessions": sessions,
    }
    (args.out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    total = sum((args.out / s["file"]).stat().st_size for s in sessions)
    print(f"wrote {len(sessions)} sessions, {total / 1e6:.2f} MB, to {args.out}")
    if args.check and not check(manifest, args.out):
        print("check FAILED: some keyword was not heard, or the person was not found", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
