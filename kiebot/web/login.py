"""The login form and logout.

The login form carries its own CSRF token (double submit: the same random value in a
short-lived SameSite cookie and in the form), so another site cannot log a browser in
under its own session. A wrong token is 401, logged with the client's address (never the
token given) and counted by the `LoginThrottle`; past the limit the form answers 429 with
`Retry-After`. A right one opens a server-side session (`AdminSessions`) whose cookie is
HttpOnly, SameSite=Strict, and Secure when the public URL is https.
"""

from __future__ import annotations

import hmac
import secrets

from aiohttp import web
from loguru import logger

from kiebot.web.auth import (
    CSRF_FIELD,
    SESSION,
    SESSION_COOKIE,
    authorized,
    client_address,
    token_matches,
)
from kiebot.web.keys import CONSOLE, SETTINGS
from kiebot.web.render import render

LOGIN_COOKIE = "kiebot_login"
LOGIN_COOKIE_TTL_S = 3600


def _secure(request: web.Request) -> bool:
    public = request.app[SETTINGS].public_url
    return public is not None and public.startswith("https://")


def _login_page(request: web.Request, status: int = 200, flash: str = "") -> web.Response:
    login_csrf = secrets.token_urlsafe(24)
    response = render(
        request,
        "login.html",
        status=status,
        login_csrf=login_csrf,
        flash={"text": flash, "kind": "bad"},
    )
    response.set_cookie(
        LOGIN_COOKIE,
        login_csrf,
        max_age=LOGIN_COOKIE_TTL_S,
        httponly=True,
        samesite="Strict",
        secure=_secure(request),
        path="/login",
    )
    return response


async def login_form(request: web.Request) -> web.Response:
    if authorized(request):
        raise web.HTTPSeeOther("/")
    return _login_page(request)


async def login(request: web.Request) -> web.Response:
    console = request.app[CONSOLE]
    address = client_address(request)
    retry_after = await console.throttle.retry_after(address)
    if retry_after is not None:
        response = _login_page(request, 429, f"Too many failed logins. Wait {retry_after} s.")
        response.headers["Retry-After"] = str(retry_after)
        return response
    form = await request.post()
    given_csrf = str(form.get(CSRF_FIELD, ""))
    cookie_csrf = request.cookies.get(LOGIN_COOKIE, "")
    if not cookie_csrf or not hmac.compare_digest(given_csrf.encode(), cookie_csrf.encode()):
        logger.warning("admin: login form without its CSRF token from {}", address)
        return _login_page(request, 403, "The form expired; please try again.")
    if not token_matches(request, str(form.get("token", ""))):
        await console.throttle.failed(address)
        logger.warning("admin: failed login from {}", address)
        return _login_page(request, 401, "Wrong token.")
    session = await console.sessions.open()
    logger.info("admin: logged in from {}", address)
    response = web.HTTPSeeOther("/")
    response.set_cookie(
        SESSION_COOKIE,
        session.cookie,
        max_age=console.sessions.ttl_s,
        httponly=True,
        samesite="Strict",
        secure=_secure(request),
        path="/",
    )
    response.del_cookie(LOGIN_COOKIE, path="/login")
    raise response


async def logout(request: web.Request) -> web.Response:
    """POST only, with the session's CSRF token (checked by the auth middleware)."""
    session = request.get(SESSION)
    if session is not None:
        await request.app[CONSOLE].sessions.close(session.cookie)
    response = web.HTTPSeeOther("/login")
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response
