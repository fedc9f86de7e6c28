"""HTML rendering for the admin console: Jinja2 templates, escaped by default.

Jinja2 (not f-strings) because every value on these pages comes from users or providers
(usernames, prompts, KIE's error texts): with autoescape on, forgetting to escape one is
impossible, and the pages share one layout by inheritance. aiohttp-jinja2 was not needed:
it adds a decorator and a string-keyed app slot; the environment lives under a typed
`AppKey` here like every other dependency. No JavaScript, no build step: pages are
plain forms and one inline SVG chart.

The environment is built when the first page is asked for: jinja2 and the compiled
templates take about 2 MB that a bot whose console is never opened (most of its life on
a small VPS) would carry for nothing.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

from kiebot.web.auth import CSRF_FIELD, SESSION

if TYPE_CHECKING:
    import jinja2

_HEADERS = {
    # Nothing but our own page: no scripts at all, inline styles and the inline SVG only.
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def when(unix: float | None) -> str:
    if not unix:
        return "—"
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(unix))


def seconds(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.1f} s" if value < 120 else f"{value / 60:.1f} min"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


def number(value: float | None) -> str:
    if value is None:
        return "—"
    shown = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
    return shown.replace(",", " ")  # thin grouping, no locale's comma-or-point question


class Templates:
    """The console's templates, loaded with jinja2 on the first page."""

    def __init__(self) -> None:
        self._environment: jinja2.Environment | None = None

    def get_template(self, name: str) -> jinja2.Template:
        if self._environment is None:
            self._environment = create_environment()
        return self._environment.get_template(name)


TEMPLATES = web.AppKey("templates", Templates)


def create_environment() -> jinja2.Environment:
    import jinja2  # on first use: see the module docstring

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("kiebot.web", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,  # a typo in a template fails the test, not silently
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(when=when, seconds=seconds, percent=percent, number=number)
    env.globals["csrf_field"] = CSRF_FIELD
    return env


def render(
    request: web.Request, template: str, *, status: int = 200, **context: Any
) -> web.Response:
    session = request.get(SESSION)
    context.setdefault("flash", None)  # what the last action did, when there is news
    page = (
        request.app[TEMPLATES]
        .get_template(template)
        .render(csrf=session.csrf if session else "", path=request.path, **context)
    )
    return web.Response(
        text=page, status=status, content_type="text/html", charset="utf-8", headers=_HEADERS
    )
