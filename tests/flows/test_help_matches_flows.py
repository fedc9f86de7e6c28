"""/help describes the flows as they are: the buttons it tells a user to press are the
ones the bot shows under a photo sent without a caption, in both languages."""

from __future__ import annotations

import pytest

from tests.e2e.harness import Harness
from tests.flows.support import PHOTO, labels, reply_after


@pytest.mark.parametrize(
    ("language", "question"),
    [("en", "What should I do with this photo?"), ("ru", "Что сделать с этим фото?")],
)
async def test_help_names_the_buttons_a_photo_gets(
    harness: Harness, language: str, question: str
) -> None:
    await harness.start()
    user = harness.new_user(language_code=language)
    help_text = (await harness.say(user, "/help")).text or ""
    after = harness.last_id(user)
    harness.telegram.send_photo(user, PHOTO)
    choices = await reply_after(harness, user, after, question)
    buttons = [label.split(" · ")[0] for label in labels(choices)]
    assert len(buttons) == 4
    for button in buttons[1:]:  # the first, an edit, needs no button: just write
        assert f"press {button}" in help_text or f"нажмите {button}" in help_text, button
