"""The admin console in a real browser: Debian's headless Chromium driven by Playwright.

The operator logs in with the token, reads the overview after a real job went through
the bot, finds the user, grants credits and reads the new ledger entry on the page. A
screenshot of the overview is saved in the test's directory (and, with
KIEBOT_SCREENSHOT_TO set, copied there: that is how docs/admin-overview.png was made).

Chromium comes from apt (`scripts/lib/setup.sh` installs it when run as root); Playwright
is told to use it, so nothing is downloaded. Without the browser or the package the test
is skipped with the reason, never passed.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.harness import STARTING_CREDITS, Harness
from tests.web.console_client import TOKEN

CHROMIUM = Path("/usr/bin/chromium")
PRICE = 1  # z-image in the bundled catalog

playwright_api = pytest.importorskip(
    "playwright.async_api", reason="playwright is not installed (pip install -e .[dev])"
)
if not CHROMIUM.exists():
    pytest.skip(
        f"{CHROMIUM} is missing: apt-get install chromium (scripts/test does it as root)",
        allow_module_level=True,
    )


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    async with playwright_api.async_playwright() as pw:
        launched = await pw.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield launched
        await launched.close()


async def test_an_operator_logs_in_reads_the_overview_and_grants_credits(
    harness: Harness, browser: Any, tmp_path: Path
) -> None:
    process = await harness.start()
    user = harness.new_user("Vera")
    status = await harness.say(user, "a lighthouse at dawn")
    await harness.wait_final(user, status)

    page = await browser.new_page(viewport={"width": 1100, "height": 900})
    await page.goto(f"{process.admin_url}/")
    assert page.url.endswith("/login")
    await page.fill("input[name=token]", TOKEN)
    await page.click("button:has-text('Log in')")
    await page.wait_for_url(f"{process.admin_url}/")

    assert (await page.inner_text("h1")).startswith("Overview")
    assert await page.inner_text("[data-figure=new-users-today] b") == "1"
    assert await page.inner_text("[data-figure=success-rate] b") == "100.0 %"
    shot = tmp_path / "admin-overview.png"
    await page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    target = os.environ.get("KIEBOT_SCREENSHOT_TO")
    if target:
        shutil.copyfile(shot, target)

    await page.click("a:has-text('Users')")
    await page.fill("input[name=q]", str(user.id))
    await page.click("button:has-text('Find')")
    await page.wait_for_url(f"{process.admin_url}/users/{user.id}")
    balance = STARTING_CREDITS - PRICE
    assert await page.inner_text("[data-field=balance]") == str(balance)

    await page.fill("input[name=amount]", "25")
    await page.fill("input[name=reason]", "sorry for the wait")
    await page.click("button:has-text('Apply')")
    await page.wait_for_url(f"{process.admin_url}/users/{user.id}?done=credits")
    assert await page.inner_text("[data-field=balance]") == str(balance + 25)
    newest = await page.inner_text("#ledger tr:nth-child(2)")
    assert "adjustment" in newest
    assert "25" in newest
    assert "sorry for the wait" in newest
    # The page and the money agree.
    money = await harness.settled(user)
    assert money.balance == balance + 25
    assert money.ledger[-1].reason == "sorry for the wait"
