"""Safe by default: a token on every request, a CSRF header on every write, a strict CSP.

The URL ``voice review`` prints carries the run's token (``?token=``); the first request with it
gets an HttpOnly, SameSite=Strict cookie holding it and is redirected to the same page without it
(so the token leaves the address bar and the history). Every later request must carry that cookie:
none is 401, a wrong one 403 — pages, assets and the API alike. A request that changes anything
(any method but GET/HEAD) must also carry ``X-Voice-CSRF`` with the value ``GET /api/csrf`` gives
the page (a cross-site form can neither read it nor set a header).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import urlencode

from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp

__all__ = ["COOKIE", "CSP", "CSRF_HEADER", "Guard", "Secrets"]

COOKIE = "voice_review"
CSRF_HEADER = "X-Voice-CSRF"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self'; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
_SAFE = {"GET", "HEAD"}


class Secrets:
    """The run's token (printed once) and the CSRF value derived from it."""

    def __init__(self, token: str | None = None) -> None:
        self.token = token or secrets.token_urlsafe(32)
        self.csrf = hmac.new(self.token.encode(), b"csrf", hashlib.sha256).hexdigest()

    def is_token(self, value: str | None) -> bool:
        return value is not None and hmac.compare_digest(value.encode(), self.token.encode())

    def is_csrf(self, value: str | None) -> bool:
        return value is not None and hmac.compare_digest(value.encode(), self.csrf.encode())


def _error(status: int, kind: str, message: str) -> JSONResponse:
    return JSONResponse({"error": kind, "message": message}, status_code=status)


class Guard(BaseHTTPMiddleware):
    """Token → cookie, cookie on every request, CSRF on writes, security headers on every answer."""

    def __init__(self, app: ASGIApp, secrets_: Secrets) -> None:
        super().__init__(app)
        self.secrets = secrets_

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await self._checked(request, call_next)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    async def _checked(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        offered = request.query_params.get("token")
        if offered is not None:
            if not self.secrets.is_token(offered):
                return _error(403, "Forbidden", "this token is not the one `voice review` printed.")
            query = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "token"])
            target = request.url.path + (f"?{query}" if query else "")
            redirect = RedirectResponse(target, status_code=303)
            redirect.set_cookie(COOKIE, self.secrets.token, httponly=True, samesite="strict", path="/")
            return redirect
        cookie = request.cookies.get(COOKIE)
        if cookie is None:
            return _error(401, "Unauthorized", "open the URL `voice review` printed (it carries the token).")
        if not self.secrets.is_token(cookie):
            return _error(403, "Forbidden", "this token is not the running server's; open its URL again.")
        if request.method not in _SAFE and not self.secrets.is_csrf(request.headers.get(CSRF_HEADER)):
            return _error(403, "Forbidden", f"a change needs the {CSRF_HEADER} header the page sends.")
        return await call_next(request)
