"""/help in both languages, from the catalog, and the command menu Telegram shows."""

from __future__ import annotations

from kiebot.bot.account.guide import COMMANDS
from tests.e2e.harness import Harness


async def test_help_has_an_example_per_kind_and_the_commands_in_english(
    harness: Harness,
) -> None:
    await harness.start()
    user = harness.new_user()
    reply = (await harness.say(user, "/help")).text or ""
    assert reply.startswith("What I can do")
    for heading in (
        "Text → image, from 1",
        "Edit a photo",
        "Merge photos",
        "Upscale",
        "Remove the background",
        "Text → video",
        "Photo → video",
    ):
        assert heading in reply, heading
    assert "a lighthouse on a cliff at dawn" in reply
    for command in COMMANDS:
        assert f"/{command} — " in reply, command


async def test_help_in_russian(harness: Harness) -> None:
    await harness.start()
    user = harness.new_user("Иван", language_code="ru")
    reply = (await harness.say(user, "/help")).text or ""
    assert reply.startswith("Что я умею")
    assert "Текст → картинка, от 1" in reply
    assert "Фото → видео" in reply
    assert "/settings — Язык, формат кадра, лимит трат, ваши данные" in reply


async def test_the_command_menu_is_set_in_both_languages(harness: Harness) -> None:
    process = await harness.start()
    default = await process.bot.get_my_commands()
    russian = await process.bot.get_my_commands(language_code="ru")
    assert [c.command for c in default] == list(COMMANDS)
    assert [c.command for c in russian] == list(COMMANDS)
    assert default[COMMANDS.index("history")].description == "Your recent generations"
    assert russian[COMMANDS.index("history")].description == "Последние генерации"
