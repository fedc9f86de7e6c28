"""An operator at the admin server: logs in through the form, keeps the cookie, posts
forms with the page's CSRF token. Plain aiohttp, so the tests see every status code and
header the server sends (redirects are not followed unless asked)."""

from __future__ import annotations

import re
from typing import Any

import aiohttp

TOKEN = "e2e-admin-token"  # the harness's admin token
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_OP = re.compile(r'name="op" value="([^"]+)"')


def csrf_of(page: str) -> str:
    found = _CSRF.search(page)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def op_of(page: str) -> str:
    found = _OP.search(page)
    assert found, "the page has no form with an op key"
    return found.group(1)


class Operator:
    def __init__(self, base_url: str) -> None:
        self.base = base_url
        self.http = aiohttp.ClientSession(
            base_url,
            cookie_jar=aiohttp.CookieJar(unsafe=True),  # cookies for 127.0.0.1
        )

    async def close(self) -> None:
        await self.http.close()

    async def login(self, token: str = TOKEN) -> aiohttp.ClientResponse:
        form = await self.http.get("/login")
        page = await form.text()
        return await self.http.post(
            "/login",
            data={"token": token, "csrf_token": csrf_of(page)},
            allow_redirects=False,
        )

    async def page(self, path: str) -> tuple[int, str]:
        reply = await self.http.get(path, allow_redirects=False)
        return reply.status, await reply.text()

    async def submit(self, page_path: str, action: str, **fields: Any) -> aiohttp.ClientResponse:
        """Open the page, then post one of its forms with the page's CSRF token."""
        _, page = await self.page(page_path)
        data = {"csrf_token": csrf_of(page), **{k: str(v) for k, v in fields.items()}}
        return await self.http.post(action, data=data, allow_redirects=False)
