"""Who gets into the admin console: the token (bearer or login form), the session cookie,
CSRF tokens on every state-changing form, the throttle on failed attempts, logout."""

from __future__ import annotations

from collections.abc import AsyncIterator
from http.cookies import SimpleCookie

import aiohttp
import pytest
from loguru import logger
from pydantic import SecretStr

from tests.e2e.harness import Harness
from tests.web.console_client import TOKEN, Operator, csrf_of

USER = 2**33 + 55


@pytest.fixture
async def operator(harness: Harness) -> AsyncIterator[Operator]:
    process = await harness.start()
    op = Operator(process.admin_url)
    yield op
    await op.close()


@pytest.fixture
def log_lines() -> list[str]:
    lines: list[str] = []
    logger.add(lambda message: lines.append(str(message)), level="INFO")
    return lines


def _session_cookie(reply: aiohttp.ClientResponse) -> SimpleCookie:
    cookie = SimpleCookie()
    for header in reply.headers.getall("Set-Cookie"):
        cookie.load(header)
    assert "kiebot_admin" in cookie, reply.headers
    return cookie


async def test_no_or_a_wrong_token_is_401_and_the_attempt_is_logged_without_it(
    operator: Operator, log_lines: list[str]
) -> None:
    assert (await operator.http.get("/api/overview")).status == 401
    wrong = {"Authorization": "Bearer not-the-token-but-a-guess"}
    assert (await operator.http.get("/api/jobs", headers=wrong)).status == 401
    assert (await operator.http.get("/api/jobs", headers={"Authorization": f"Bearer {TOKEN}"})).ok
    attempts = [line for line in log_lines if "admin: unauthorized" in line]
    assert len(attempts) == 2
    assert "GET /api/jobs from 127.0.0.1" in attempts[1]
    assert not any("not-the-token-but-a-guess" in line for line in log_lines)


async def test_a_page_without_a_session_sends_the_browser_to_the_login_form(
    operator: Operator,
) -> None:
    reply = await operator.http.get("/users", allow_redirects=False)
    assert (reply.status, reply.headers["Location"]) == (303, "/login")


async def test_login_sets_a_strict_http_only_cookie_and_a_wrong_token_is_401(
    operator: Operator, log_lines: list[str]
) -> None:
    wrong = await operator.login("wrong-token")
    assert wrong.status == 401
    assert "Wrong token." in await wrong.text()
    assert any("admin: failed login from 127.0.0.1" in line for line in log_lines)

    reply = await operator.login()
    assert (reply.status, reply.headers["Location"]) == (303, "/")
    morsel = _session_cookie(reply)["kiebot_admin"]
    assert morsel["httponly"] is True
    assert morsel["samesite"] == "Strict"
    assert morsel["path"] == "/"
    assert not morsel["secure"], "plain http on loopback: a Secure cookie would never be sent"
    status, page = await operator.page("/")
    assert status == 200
    assert "Overview" in page


async def test_the_cookies_are_secure_behind_an_https_public_url(harness: Harness) -> None:
    process = await harness.start(
        public_url="https://bot.example.org", webhook_secret=SecretStr("hook_secret")
    )
    # The proxy speaks https to the browser; here we talk to the listener directly, so the
    # Secure cookie is sent back by hand.
    async with aiohttp.ClientSession(process.admin_url) as http:
        form = await http.get("/login")
        login_cookie = SimpleCookie(form.headers["Set-Cookie"])["kiebot_login"]
        assert login_cookie["secure"] is True
        reply = await http.post(
            "/login",
            data={"token": TOKEN, "csrf_token": csrf_of(await form.text())},
            headers={"Cookie": f"kiebot_login={login_cookie.value}"},
            allow_redirects=False,
        )
        assert reply.status == 303
        assert _session_cookie(reply)["kiebot_admin"]["secure"] is True


async def test_a_form_without_or_with_a_wrong_csrf_token_is_403_and_changes_nothing(
    operator: Operator, harness: Harness, log_lines: list[str]
) -> None:
    await operator.login()
    await operator.http.post(
        f"/api/users/{USER}/credits",
        json={"amount": 5, "reason": "set-up"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    action = f"/users/{USER}/credits"
    missing = await operator.http.post(action, data={"amount": "7", "reason": "x"})
    wrong = await operator.http.post(
        action, data={"amount": "7", "reason": "x", "csrf_token": "forged"}
    )
    json_missing = await operator.http.post(f"/api/users/{USER}/ban", json={"banned": True})
    assert (missing.status, wrong.status, json_missing.status) == (403, 403, 403)
    assert any("admin: missing CSRF token on POST" in line for line in log_lines)
    assert any("admin: wrong CSRF token on POST" in line for line in log_lines)
    account = await harness.running.billing.account(USER)
    assert account is not None
    assert (account.balance, account.banned) == (5, False)

    _, page = await operator.page(f"/users/{USER}")
    with_header = await operator.http.post(
        f"/api/users/{USER}/ban", json={"banned": False}, headers={"X-CSRF-Token": csrf_of(page)}
    )
    assert with_header.status == 200  # the cookie with the header: a script in the browser

    done = await operator.submit(f"/users/{USER}", action, amount=7, reason="support")
    assert (done.status, done.headers["Location"]) == (303, f"/users/{USER}?done=credits")
    account = await harness.running.billing.account(USER)
    assert account is not None
    assert account.balance == 12


async def test_failed_attempts_are_throttled_per_address_with_retry_after(
    operator: Operator,
) -> None:
    for _ in range(5):
        assert (await operator.login("guess")).status == 401
    blocked = await operator.login(TOKEN)  # even the right token waits out the window
    assert blocked.status == 429
    assert 1 <= int(blocked.headers["Retry-After"]) <= 60
    bearer = await operator.http.get("/api/overview", headers={"Authorization": f"Bearer {TOKEN}"})
    assert bearer.status == 429
    assert "Retry-After" in bearer.headers


async def test_logout_ends_the_session_on_the_server(operator: Operator) -> None:
    reply = await operator.login()
    cookie = _session_cookie(reply)["kiebot_admin"].value
    _, page = await operator.page("/")
    out = await operator.http.post(
        "/logout", data={"csrf_token": csrf_of(page)}, allow_redirects=False
    )
    assert (out.status, out.headers["Location"]) == (303, "/login")
    # The old cookie, replayed by hand, no longer opens anything.
    async with aiohttp.ClientSession(operator.base) as stranger:
        again = await stranger.get(
            "/", headers={"Cookie": f"kiebot_admin={cookie}"}, allow_redirects=False
        )
        assert (again.status, again.headers["Location"]) == (303, "/login")
        assert (
            await stranger.get("/api/overview", headers={"Cookie": f"kiebot_admin={cookie}"})
        ).status == 401
