"""The review web app: a small JSON API and the static page that uses it (``docs/review.md``).

:func:`create_app` takes the store (the CLI builds it: a local folder or S3) and the settings;
nothing here knows which store it is. Errors are typed at the edge: a :class:`~voice.errors.VoiceError`
becomes a 4xx JSON ``{"error": type, "message": text}`` the page shows, and a request that fails
wrote nothing (checks come before writes: :mod:`voice.labels.service`). The log gets the error's
type only — never a name, a word of the transcript or a time.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from pydantic import BaseModel, ValidationError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from voice.config import Settings
from voice.errors import (
    ConflictError,
    InvalidNameError,
    LabelError,
    UnknownEventError,
    UnknownSessionError,
    VoiceError,
)
from voice.labels.service import Change, ReviewRequest, review
from voice.layout import VIDEOS
from voice.people.pin import PersonPin, PersonPinError
from voice.review import providers as _providers  # noqa: F401 - registers this package's kinds
from voice.review.api_models import PinBody, ReviewBody
from voice.review.items import to_review
from voice.review.jobs import Deriver, JobRunner
from voice.review.media import RangeError, video_response
from voice.review.security import Guard, Secrets
from voice.review.views import (
    PatientRow,
    check_time,
    patients,
    people_at,
    person_under,
    session_rows,
    session_view,
    video_key,
)
from voice.storage import Store

__all__ = ["create_app"]

log = logging.getLogger("voice")
STATIC = resources.files("voice.review") / "static"
#: How long the patients list is kept before the store is listed again (seconds).
PATIENTS_KEPT_S = 30.0


def _json(payload: Any, status: int = 200) -> Response:
    if isinstance(payload, BaseModel):
        body = payload.model_dump_json(by_alias=True)
    elif isinstance(payload, list):
        body = "[" + ",".join(p.model_dump_json(by_alias=True) for p in payload) + "]"
    else:
        body = json.dumps(payload)
    return Response(body, status_code=status, media_type="application/json")


def _status(exc: VoiceError) -> int:
    if isinstance(exc, ConflictError):
        return 409
    if isinstance(exc, UnknownSessionError | UnknownEventError):
        return 404
    if isinstance(exc, RangeError):
        return 416
    if isinstance(exc, InvalidNameError | LabelError | PersonPinError):
        return 400
    return 500


async def _voice_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, VoiceError)
    status = _status(exc)
    log.warning("review: %s answered %d (%s)", request.method, status, type(exc).__name__)
    return JSONResponse({"error": type(exc).__name__, "message": str(exc)}, status_code=status)


async def _body(request: Request, model: type[BaseModel]) -> Any:
    raw = await request.body()
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the body"
        raise LabelError(
            f"the request is not valid JSON of the expected shape ({where}: {first['msg']})."
        ) from exc


@dataclass(frozen=True)
class _Api:
    """The endpoints over one store (``docs/review.md`` lists them)."""

    store: Store
    settings: Settings
    secrets: Secrets
    runner: JobRunner
    deriver: Deriver
    derive: bool = True
    known: dict[str, tuple[float, list[PatientRow]]] = field(default_factory=dict)

    async def index(self, request: Request) -> Response:
        return FileResponse(str(STATIC / "index.html"), media_type="text/html")

    async def csrf(self, request: Request) -> Response:
        return _json({"csrf": self.secrets.csrf})

    async def patients(self, request: Request) -> Response:
        # Listing the patients walks the whole patients bucket (every sample): kept a little while.
        now = time.monotonic()
        if self.known.get("at", (-PATIENTS_KEPT_S, []))[0] + PATIENTS_KEPT_S < now:
            self.known["at"] = (now, patients(self.store))
        return _json(self.known["at"][1])

    async def sessions(self, request: Request) -> Response:
        return _json(session_rows(self.store, request.path_params["patient"]))

    async def to_review(self, request: Request) -> Response:
        limit = request.query_params.get("limit", "200")
        count = int(limit) if limit.isdigit() else 200
        return _json(to_review(self.store, request.path_params["patient"], limit=count))

    async def session(self, request: Request) -> Response:
        view = session_view(self.store, *_names(request))
        return _json(view.model_copy(update={"deriving": self.deriver.deriving(view.patient, view.session)}))

    async def people(self, request: Request) -> Response:
        try:
            t = float(request.query_params.get("t", "0"))
        except ValueError as exc:
            raise LabelError("t must be a number of seconds.") from exc
        return _json(people_at(self.store, *_names(request), t))

    async def video(self, request: Request) -> Response:
        key = video_key(self.store, *_names(request))
        info = self.store.stat(VIDEOS, key)
        assert info is not None
        return video_response(self.store, key, info.size, request.headers.get("range"))

    async def post_reviews(self, request: Request) -> Response:
        body: ReviewBody = await _body(request, ReviewBody)
        changes = tuple(Change(c.action, c.event, c.emotion, c.start, c.end, c.reason) for c in body.changes)
        patient, session = _names(request)
        req = ReviewRequest(patient, session, changes, author=body.author, version=body.version)
        # The review is written (checked, conditional) now; its samples follow in the background, as
        # on AWS, so the page's write answers at once. `deriving` in the session says when they are.
        outcome = review(self.store, req, settings=self.settings, derive_samples=False)
        if self.derive:
            self.deriver.submit(patient, session)
        return _json(outcome)

    async def post_patient(self, request: Request) -> Response:
        body: PinBody = await _body(request, PinBody)
        patient, session = _names(request)
        view = session_view(self.store, patient, session)
        check_time(body.t, view.video.duration_s)
        chosen = person_under(people_at(self.store, patient, session, body.t), body.x, body.y)
        if chosen is None:
            raise LabelError("nobody is under that point in this frame; click on a person.")
        pin = PersonPin.from_dict({"x": body.x, "y": body.y, "t": body.t})
        job = self.runner.start(patient, session, pin)
        return _json({"job": job.id, "person": chosen.person}, status=202)

    async def job(self, request: Request) -> Response:
        job = self.runner.jobs.get(request.path_params["job"])
        if job is None:
            raise UnknownSessionError("no such job; it ended before this server started.")
        return _json(job)

    def routes(self) -> list[Route | Mount]:
        one = "/api/patients/{patient}/sessions/{session}"
        return [
            Route("/", self.index),
            Route("/api/csrf", self.csrf),
            Route("/api/patients", self.patients),
            Route("/api/patients/{patient}/sessions", self.sessions),
            Route("/api/patients/{patient}/to-review", self.to_review),
            Route(one, self.session),
            Route(one + "/people", self.people),
            Route(one + "/video", self.video),
            Route(one + "/reviews", self.post_reviews, methods=["POST"]),
            Route(one + "/patient", self.post_patient, methods=["POST"]),
            Route("/api/jobs/{job}", self.job),
            Mount("/static", StaticFiles(directory=str(STATIC)), name="static"),
        ]


def _names(request: Request) -> tuple[str, str]:
    return request.path_params["patient"], request.path_params["session"]


def create_app(
    store: Store,
    settings: Settings,
    *,
    secrets_: Secrets | None = None,
    hosts: tuple[str, ...] = ("127.0.0.1", "localhost"),
    runner: JobRunner | None = None,
    derive_samples: bool = True,
) -> Starlette:
    """The app for ``store``; ``secrets_`` holds the run's token; ``hosts``: the Host headers it
    answers (a DNS-rebinding page cannot reach it under another name); ``derive_samples`` False
    leaves the samples after a review to the stack (``--store s3``: the labels function)."""
    secrets_ = secrets_ or Secrets()
    runner = runner or JobRunner(store, settings)
    deriver = Deriver(store, settings)
    app = Starlette(
        routes=_Api(store, settings, secrets_, runner, deriver, derive_samples).routes(),
        middleware=[
            Middleware(TrustedHostMiddleware, allowed_hosts=list(hosts)),
            Middleware(Guard, secrets_=secrets_),
        ],
        exception_handlers={VoiceError: _voice_error},
    )
    app.state.secrets = secrets_
    app.state.runner = runner
    app.state.deriver = deriver
    return app
