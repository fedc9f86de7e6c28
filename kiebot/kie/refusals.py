"""Why KIE refused or failed a generation, in words a user can act on.

KIE reports the end of a failed task as a free-text `failMsg` with a `failCode` ("400"
for a content-policy refusal on image models, "500" or "GENERATION_FAILED" otherwise;
Veo: `errorCode` 400 with "flagged ... content policies", or a 422 "rejected by Flow").
A create can also be refused outright with a 422 whose message says why. The table below
reads those texts once, here, and names the user text and whose fault it was:

- content moderation: the user's prompt or photo; the credits come back, and the model
  is not to blame (it does not count towards the model's failures);
- an input the model cannot use (a photo too small, unreadable, of the wrong kind): the
  user's too;
- anything else: the provider's; it counts towards the model's failures, which is what
  offers users a fallback when a model keeps failing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kiebot.kie.errors import Blame

# Checked in order; the first match wins. Lower-case patterns against code + message.
_CONTENT = re.compile(
    r"content[ _-]?polic|moderat|nsfw|sensitive|flagged|violat|unsafe|prohibited|"
    r"inappropriate|not allowed|safety"
)
_INPUT = re.compile(
    r"image|photo|picture|file|fetch|download|resolution|dimension|too small|too large|"
    r"format|aspect|unsupported|invalid|prompt"
)


@dataclass(frozen=True, slots=True)
class Refusal:
    """The user text for a failed generation and whose fault it was."""

    user_message_key: str
    blame: Blame


CONTENT = Refusal("kie.refused_content", "user")
INPUT = Refusal("kie.refused_input", "user")
PROVIDER = Refusal("kie.generation_failed", "provider")


def classify(fail_code: str | None, fail_msg: str | None) -> Refusal:
    """The refusal a task's failCode / failMsg (or a create's 422 message) amounts to."""
    code = (fail_code or "").strip().lower()
    text = (fail_msg or "").lower()
    if _CONTENT.search(text):
        return CONTENT
    if code == "400":  # image models document 400 as "invalid parameters or policy"
        return INPUT if _INPUT.search(text) else CONTENT
    if _INPUT.search(text) and code not in ("500", "501", "generation_failed"):
        return INPUT
    return PROVIDER
