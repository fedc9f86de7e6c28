"""Admin authentication: a bearer token, compared in constant time."""

from __future__ import annotations

import hmac

from aiohttp import web
from loguru import logger

from kiebot.web.keys import SETTINGS


def authorized(request: web.Request) -> bool:
    token = request.app[SETTINGS].admin_token
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    if token is None or scheme.lower() != "bearer" or not given:
        return False
    return hmac.compare_digest(given.encode(), token.get_secret_value().encode())


def require_admin(request: web.Request) -> None:
    """Raise 401 (and log the attempt, without the token) unless the caller is an admin."""
    if not authorized(request):
        logger.warning(
            "admin: unauthorized {} {} from {}", request.method, request.path, request.remote
        )
        raise web.HTTPUnauthorized(
            text='{"error": "unauthorized"}',
            content_type="application/json",
            headers={"WWW-Authenticate": "Bearer"},
        )
