"""What the simulator answers, separated from how it goes over HTTP.

Domain code returns a `Reply` (a body code, a message, data); `render` turns it into an
HTTP response according to the knobs: the HTTP status either stays 200 with the code in
the body (what KIE usually does), mirrors the code, or mixes both, and the message goes
under "msg", "message" or both (KIE's pages show both spellings). A reply may also be a
raw HTML 502, which is what a proxy in front of KIE gives when the backend is down.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from aiohttp import web

# Messages as KIE words them where known (docs and observed replies), else plausible.
MESSAGES: dict[int, str] = {
    200: "success",
    400: "Bad Request",
    401: "You do not have access permissions",
    402: "The current credits are insufficient. Please top up.",
    404: "Not Found",
    405: "Method Not Allowed",
    422: "Validation Error",
    429: "Rate limit exceeded",
    433: "Sub-key usage limit exceeded",
    455: "Service Unavailable - System is currently undergoing maintenance",
    500: "Server Error - An unexpected error occurred while processing the request",
    501: "Generation Failed",
    502: "Bad Gateway",
    505: "Feature Disabled - The requested feature is currently disabled",
}

PROXY_502_HTML = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)


@dataclass(frozen=True)
class Reply:
    """One answer: body `code`, `msg`, `data`; `http_status` forces the status line."""

    code: int
    msg: str | None = None
    data: Any = None
    http_status: int | None = None
    html: bool = False

    @property
    def message(self) -> str:
        return self.msg if self.msg is not None else MESSAGES.get(self.code, "error")


def ok(data: Any, msg: str = "success") -> Reply:
    return Reply(200, msg, data)


def error(code: int, msg: str | None = None) -> Reply:
    return Reply(code, msg, None)


def http_status_for(code: int, style: str, rng: random.Random) -> int:
    """The status line for a body code under the `error_http_status` knob."""
    if code == 200 or style == "body":
        return 200
    mirrored = code if 400 <= code <= 599 else 500
    if style == "mirror":
        return mirrored
    return rng.choice((200, mirrored))


def render(
    reply: Reply,
    *,
    style: str,
    message_key: str,
    rng: random.Random,
    upload: bool = False,
) -> web.Response:
    """The HTTP response for `reply`; upload endpoints add KIE's `success` flag."""
    if reply.html:
        return web.Response(
            status=reply.http_status or 502, text=PROXY_502_HTML, content_type="text/html"
        )
    body: dict[str, Any] = {}
    if upload:
        body["success"] = reply.code == 200
    body["code"] = reply.code
    if message_key in ("msg", "both"):
        body["msg"] = reply.message
    if message_key in ("message", "both"):
        body["message"] = reply.message
    body["data"] = reply.data
    status = reply.http_status or http_status_for(reply.code, style, rng)
    return web.json_response(body, status=status)
