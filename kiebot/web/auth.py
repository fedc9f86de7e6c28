"""Admin authentication: a bearer token (scripts) or a session cookie (the browser).

`auth_middleware` runs before every handler and only looks; handlers decide. It
- refuses with 429 a client that failed too often (`LoginThrottle`) before even reading
  its token, and counts each 401 given to a request that carried a token;
- finds the session of a `kiebot_admin` cookie (one Redis read, only when the cookie is
  sent, so Telegram's webhook and KIE's callbacks cost nothing);
- checks the CSRF token of every state-changing request authorised by that cookie (form
  field `csrf_token` or header `X-CSRF-Token`): missing or wrong is 403 and logged.
  A bearer token needs no CSRF token: a browser never adds one by itself.

`require_admin` stays synchronous (the middleware did the I/O), so every handler guards
itself with one call. Tokens are compared in constant time and never logged.
"""

from __future__ import annotations

import hmac
import ipaddress

from aiohttp import web
from aiohttp.typedefs import Handler
from loguru import logger

from kiebot.web.keys import CONSOLE, SETTINGS
from kiebot.web.sessions import Session

SESSION_COOKIE = "kiebot_admin"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SESSION = web.RequestKey("admin_session", Session)
BEARER_OK = web.RequestKey("admin_bearer", bool)
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")
LOGIN_PATH = "/login"


def token_matches(request: web.Request, given: str) -> bool:
    token = request.app[SETTINGS].admin_token
    if token is None or not given:
        return False
    return hmac.compare_digest(given.encode(), token.get_secret_value().encode())


def _bearer(request: web.Request) -> str | None:
    """The token of an `Authorization: Bearer ...` header; "" for any other header."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, given = header.partition(" ")
    return given.strip() if scheme.lower() == "bearer" else ""


def authorized(request: web.Request) -> bool:
    if request.get(SESSION) is not None or request.get(BEARER_OK):
        return True
    given = _bearer(request)
    return given is not None and token_matches(request, given)


def require_admin(request: web.Request) -> None:
    """Raise 401 (and log the attempt, without the token) unless the caller is an admin."""
    if not authorized(request):
        logger.warning(
            "admin: unauthorized {} {} from {}",
            request.method,
            request.path,
            client_address(request),
        )
        raise web.HTTPUnauthorized(
            text='{"error": "unauthorized"}',
            content_type="application/json",
            headers={"WWW-Authenticate": "Bearer"},
        )


def require_page_admin(request: web.Request) -> Session | None:
    """For HTML pages: a browser without a session is sent to the login form."""
    if not authorized(request):
        raise web.HTTPSeeOther(LOGIN_PATH)
    return request.get(SESSION)


def client_address(request: web.Request) -> str:
    """The client's address. Behind the reverse proxy (a public URL, a loopback peer) it
    is the last `X-Forwarded-For` hop, the one our proxy appended, so clients are
    throttled one by one rather than all together as the proxy's address."""
    remote = request.remote or "unknown"
    forwarded = request.headers.get("X-Forwarded-For")
    if forwarded and request.app[SETTINGS].public_url and _is_loopback(remote):
        return forwarded.rsplit(",", 1)[-1].strip() or remote
    return remote


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def too_many(retry_after: int) -> web.HTTPTooManyRequests:
    return web.HTTPTooManyRequests(
        text='{"error": "too many failed attempts; try again later"}',
        content_type="application/json",
        headers={"Retry-After": str(retry_after)},
    )


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    console = request.app.get(CONSOLE)
    given = _bearer(request)
    if console is None:
        return await handler(request)
    address = client_address(request)
    if given is not None:
        retry_after = await console.throttle.retry_after(address)
        if retry_after is not None:
            raise too_many(retry_after)
        request[BEARER_OK] = token_matches(request, given)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        session = await console.sessions.find(cookie)
        if session is not None:
            request[SESSION] = session
            if not request.get(BEARER_OK):
                await _check_csrf(request, session)
    try:
        return await handler(request)
    except web.HTTPUnauthorized:
        if given is not None:
            await console.throttle.failed(address)
        raise


async def _check_csrf(request: web.Request, session: Session) -> None:
    if request.method in _SAFE_METHODS or request.path == LOGIN_PATH:
        return
    given = request.headers.get(CSRF_HEADER, "")
    if not given and request.content_type in _FORMS:
        given = str((await request.post()).get(CSRF_FIELD, ""))
    if not hmac.compare_digest(given.encode(), session.csrf.encode()):
        logger.warning(
            "admin: {} CSRF token on {} {} from {}",
            "wrong" if given else "missing",
            request.method,
            request.path,
            client_address(request),
        )
        raise web.HTTPForbidden(
            text='{"error": "missing or wrong CSRF token"}', content_type="application/json"
        )
