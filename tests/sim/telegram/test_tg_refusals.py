"""Every refusal the simulator gives, with the real Bot API's status and wording."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest

from kiebot.sim.telegram import SimUser, TelegramSimulator

from .conftest import FileHost, api, png

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
KEYBOARD = {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}


async def refused(
    http: aiohttp.ClientSession, sim: TelegramSimulator, method: str, **params: Any
) -> tuple[int, str]:
    status, body = await api(http, sim, method, **params)
    assert body["ok"] is False, body
    assert body["error_code"] == status
    return status, body["description"]


async def send(
    http: aiohttp.ClientSession, sim: TelegramSimulator, **params: Any
) -> dict[str, Any]:
    status, body = await api(http, sim, "sendMessage", **params)
    assert status == 200, body
    return body["result"]  # type: ignore[no-any-return]


async def upload(
    http: aiohttp.ClientSession,
    sim: TelegramSimulator,
    method: str,
    field: str,
    data: bytes,
    **params: Any,
) -> tuple[int, dict[str, Any]]:
    """A multipart upload shaped like aiogram's: fields, then `attach://` file parts."""
    form = aiohttp.FormData()
    for key, value in params.items():
        form.add_field(key, value if isinstance(value, str) else json.dumps(value))
    form.add_field(field, "attach://part1")
    form.add_field("part1", data, filename="file.bin")
    async with http.post(f"{sim.url}/bot{sim.token}/{method}", data=form) as response:
        return response.status, await response.json()


@pytest.fixture
def chat(sim: TelegramSimulator, user: SimUser) -> int:
    return sim.open_chat(user)


async def test_edit_with_the_same_content_is_not_modified(
    http: aiohttp.ClientSession, sim: TelegramSimulator, chat: int
) -> None:
    sent = await send(http, sim, chat_id=chat, text="Queued", reply_markup=KEYBOARD)
    same = {"chat_id": chat, "message_id": sent["message_id"], "reply_markup": KEYBOARD}
    assert await refused(http, sim, "editMessageText", text="Queued", **same) == (400, NOT_MODIFIED)
    assert await refused(http, sim, "editMessageReplyMarkup", **same) == (400, NOT_MODIFIED)
    status, _ = await api(
        http, sim, "editMessageText", text="Queued", chat_id=chat, message_id=sent["message_id"]
    )
    assert status == 200  # dropping the keyboard is a change


async def test_edit_and_delete_of_missing_messages(
    http: aiohttp.ClientSession, sim: TelegramSimulator, chat: int, user: SimUser
) -> None:
    edit_missing = await refused(
        http, sim, "editMessageText", chat_id=chat, message_id=99, text="x"
    )
    assert edit_missing == (400, "Bad Request: message to edit not found")
    sent = await send(http, sim, chat_id=chat, text="bye")
    target = {"chat_id": chat, "message_id": sent["message_id"]}
    assert (await api(http, sim, "deleteMessage", **target))[1]["result"] is True
    again = await refused(http, sim, "deleteMessage", **target)
    assert again == (400, "Bad Request: message to delete not found")
    assert (await refused(http, sim, "editMessageText", text="x", **target))[1] == (
        "Bad Request: message to edit not found"
    )
    theirs = sim.send_text(user, "user's words")
    cant = await refused(
        http, sim, "editMessageText", chat_id=chat, message_id=theirs.message_id, text="x"
    )
    assert cant == (400, "Bad Request: message can't be edited")
    no_id = await refused(http, sim, "deleteMessage", chat_id=chat)
    assert no_id == (400, "Bad Request: message identifier is not specified")


async def test_edit_text_of_a_photo(
    http: aiohttp.ClientSession, sim: TelegramSimulator, chat: int
) -> None:
    status, body = await upload(http, sim, "sendPhoto", "photo", png(50, 50), chat_id=str(chat))
    assert status == 200, body
    message_id = body["result"]["message_id"]
    no_text = await refused(
        http, sim, "editMessageText", chat_id=chat, message_id=message_id, text="x"
    )
    assert no_text == (400, "Bad Request: there is no text in the message to edit")
    status, body = await api(
        http,
        sim,
        "editMessageCaption",
        chat_id=chat,
        message_id=message_id,
        caption="<i>new</i>",
        parse_mode="HTML",
    )
    assert body["result"]["caption"] == "new"


async def test_unknown_chats_and_empty_chat_ids(
    http: aiohttp.ClientSession, sim: TelegramSimulator
) -> None:
    assert await refused(http, sim, "sendMessage", chat_id=424242, text="hi") == (
        400,
        "Bad Request: chat not found",
    )
    assert await refused(http, sim, "sendMessage", chat_id="@somebody", text="hi") == (
        400,
        "Bad Request: chat not found",
    )
    assert await refused(http, sim, "sendMessage", text="hi") == (
        400,
        "Bad Request: chat_id is empty",
    )


async def test_blocked_user_forbids_sending(
    http: aiohttp.ClientSession, sim: TelegramSimulator, chat: int, user: SimUser
) -> None:
    sim.block_user(user.id)
    forbidden = (403, "Forbidden: bot was blocked by the user")
    assert await refused(http, sim, "sendMessage", chat_id=chat, text="hi") == forbidden
    assert await refused(http, sim, "sendChatAction", chat_id=chat, action="typing") == forbidden
    sim.block_user(user.id, blocked=False)
    await send(http, sim, chat_id=chat, text="welcome back")


async def test_length_limits_count_after_entity_parsing(
    http: aiohttp.ClientSession, sim: TelegramSimulator, chat: int
) -> None:
    too_long = await refused(http, sim, "sendMessage", chat_id=chat, text="a" * 4097)
    assert too_long == (400, "Bad Request: message is too long")
    fits = "<b>" + "a" * 4096 + "</b>"  # 4103 characters of HTML, 4096 of text
    message = await send(http, sim, chat_id=chat, text=fits, parse_mode="HTML")
    assert len(message["text"]) == 4096
    status, body = await upload(
        http, sim, "sendPhoto", "photo", png(20, 20), chat_id=str(chat), caption="c" * 1025
    )
    assert (status, body["description"]) == (400, "Bad Request: message caption is too long")


async def test_empty_texts(http: aiohttp.ClientSession, sim: TelegramSimulator, chat: int) -> None:
    assert await refused(http, sim, "sendMessage", chat_id=chat) == (
        400,
        "Bad Request: message text is empty",
    )
    assert await refused(http, sim, "sendMessage", chat_id=chat, text="  \n ") == (
        400,
        "Bad Request: message must be non-empty",
    )


@pytest.mark.parametrize(
    ("mode", "text", "description"),
    [
        ("HTML", "Hello<br>world", 'Unsupported start tag "br" at byte offset 5'),
        ("HTML", "<b>bold", "Can't find end tag corresponding to start tag b"),
        ("HTML", "<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("HTML", "Цена <5$", "Unclosed start tag at byte offset 9"),
        (
            "MarkdownV2",
            "Done.",
            "Character '.' is reserved and must be escaped with the preceding '\\'",
        ),
        ("MarkdownV2", "*bold", "Can't find end of Bold entity at byte offset 0"),
        ("Markdown", "_oops", "Can't find end of the entity starting at byte offset 0"),
    ],
)
async def test_unparsable_entities(
    http: aiohttp.ClientSession,
    sim: TelegramSimulator,
    chat: int,
    mode: str,
    text: str,
    description: str,
) -> None:
    status, got = await refused(http, sim, "sendMessage", chat_id=chat, text=text, parse_mode=mode)
    assert (status, got) == (400, f"Bad Request: can't parse entities: {description}")


async def test_unsupported_parse_mode(
    http: aiohttp.ClientSession, sim: TelegramSimulator, chat: int
) -> None:
    got = await refused(http, sim, "sendMessage", chat_id=chat, text="x", parse_mode="BBCode")
    assert got == (400, "Bad Request: unsupported parse_mode")


async def test_reply_markup_refusals(
    http: aiohttp.ClientSession, sim: TelegramSimulator, chat: int
) -> None:
    long_data = {"inline_keyboard": [[{"text": "x", "callback_data": "я" * 33}]]}  # 66 bytes
    assert await refused(
        http, sim, "sendMessage", chat_id=chat, text="x", reply_markup=long_data
    ) == (
        400,
        "Bad Request: BUTTON_DATA_INVALID",
    )
    text_only = {"inline_keyboard": [[{"text": "x"}]]}
    assert await refused(
        http, sim, "sendMessage", chat_id=chat, text="x", reply_markup=text_only
    ) == (
        400,
        "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the "
        "inline keyboard",
    )
    broken = await refused(http, sim, "sendMessage", chat_id=chat, text="x", reply_markup="{oops")
    assert broken == (400, "Bad Request: can't parse reply keyboard markup JSON object")
    exactly_64 = {"inline_keyboard": [[{"text": "x", "callback_data": "d" * 64}]]}
    await send(http, sim, chat_id=chat, text="x", reply_markup=exactly_64)


async def test_callback_query_answers(
    http: aiohttp.ClientSession, sim: TelegramSimulator, chat: int, user: SimUser
) -> None:
    message = await send(http, sim, chat_id=chat, text="pick", reply_markup=KEYBOARD)
    assert await refused(http, sim, "answerCallbackQuery", callback_query_id="123") == (
        400,
        QUERY_TOO_OLD,
    )
    query_id = sim.press_button(user, message["message_id"], "go")
    assert (await api(http, sim, "answerCallbackQuery", callback_query_id=query_id))[0] == 200
    assert await refused(http, sim, "answerCallbackQuery", callback_query_id=query_id) == (
        400,
        QUERY_TOO_OLD,
    )
    sim.config.callback_query_ttl = 0.0
    late = sim.press_button(user, message["message_id"], text="Go")
    assert await refused(http, sim, "answerCallbackQuery", callback_query_id=late) == (
        400,
        QUERY_TOO_OLD,
    )
    with pytest.raises(ValueError, match="shows no button"):
        sim.press_button(user, message["message_id"], "not-there")


async def test_photo_refusals(
    http: aiohttp.ClientSession, sim: TelegramSimulator, chat: int
) -> None:
    too_thin = await upload(http, sim, "sendPhoto", "photo", png(21, 1), chat_id=str(chat))
    assert too_thin[1]["description"] == "Bad Request: PHOTO_INVALID_DIMENSIONS"
    not_image = await upload(http, sim, "sendPhoto", "photo", b"hello, world", chat_id=str(chat))
    assert not_image[1]["description"] == "Bad Request: IMAGE_PROCESS_FAILED"
    sim.config.photo_upload_max = 100
    too_big = await upload(
        http, sim, "sendPhoto", "photo", png(64, 64, (1, 2, 3)) + bytes(200), chat_id=str(chat)
    )
    assert too_big[1]["description"] == "Bad Request: PHOTO_SAVE_FILE_INVALID"
    missing = await refused(http, sim, "sendPhoto", chat_id=chat)
    assert missing == (400, "Bad Request: there is no photo in the request")


async def test_upload_over_the_request_limit_is_413(
    http: aiohttp.ClientSession, sim: TelegramSimulator, chat: int
) -> None:
    sim.config.file_upload_max = 1000
    status, body = await upload(
        http, sim, "sendDocument", "document", bytes(5000), chat_id=str(chat)
    )
    assert (status, body["description"]) == (413, "Request Entity Too Large")


async def test_by_url_refusals(
    http: aiohttp.ClientSession, sim: TelegramSimulator, chat: int, file_host: FileHost
) -> None:
    missing = file_host.add("/gone.png", b"", "image/png", status=404)
    page = file_host.add("/page.png", b"<html></html>", "text/html")
    big = file_host.add("/big.png", png(300, 300) + bytes(6 * 1024 * 1024), "image/png")
    image = file_host.add("/ok.png", png(30, 30), "image/png")
    cases = [
        ("sendPhoto", "photo", missing, "Bad Request: failed to get HTTP URL content"),
        ("sendPhoto", "photo", page, "Bad Request: wrong type of the web page content"),
        ("sendPhoto", "photo", big, "Bad Request: failed to get HTTP URL content"),
        ("sendDocument", "document", image, "Bad Request: wrong type of the web page content"),
        ("sendVideo", "video", image, "Bad Request: wrong type of the web page content"),
    ]
    for method, field, url, description in cases:
        assert (await refused(http, sim, method, chat_id=chat, **{field: url}))[1] == description
    pdf = file_host.add("/doc.pdf", b"%PDF-1.4 fake", "application/pdf")
    status, body = await api(http, sim, "sendDocument", chat_id=chat, document=pdf)
    assert status == 200
    assert body["result"]["document"]["file_name"] == "doc.pdf"


async def test_file_id_refusals(
    http: aiohttp.ClientSession, sim: TelegramSimulator, chat: int
) -> None:
    assert await refused(http, sim, "sendPhoto", chat_id=chat, photo="AgACnope") == (
        400,
        "Bad Request: wrong file identifier/HTTP URL specified",
    )
    _, body = await upload(http, sim, "sendDocument", "document", b"%PDF-1.4", chat_id=str(chat))
    document_id = body["result"]["document"]["file_id"]
    assert await refused(http, sim, "sendPhoto", chat_id=chat, photo=document_id) == (
        400,
        "Bad Request: type of file mismatch",
    )
    assert await refused(http, sim, "getFile", file_id="nope") == (
        400,
        "Bad Request: invalid file_id",
    )
    sim.config.download_max = 4
    assert await refused(http, sim, "getFile", file_id=document_id) == (
        400,
        "Bad Request: file is too big",
    )


async def test_reply_to_a_missing_message(
    http: aiohttp.ClientSession, sim: TelegramSimulator, chat: int, user: SimUser
) -> None:
    assert await refused(
        http, sim, "sendMessage", chat_id=chat, text="x", reply_to_message_id=77
    ) == (
        400,
        "Bad Request: message to be replied not found",
    )
    params = {"message_id": 77, "allow_sending_without_reply": True}
    await send(http, sim, chat_id=chat, text="x", reply_parameters=params)
    theirs = sim.send_text(user, "question")
    answer = await send(
        http, sim, chat_id=chat, text="answer", reply_parameters={"message_id": theirs.message_id}
    )
    assert answer["reply_to_message"]["text"] == "question"


async def test_chat_action_must_be_known(
    http: aiohttp.ClientSession, sim: TelegramSimulator, chat: int
) -> None:
    assert await refused(http, sim, "sendChatAction", chat_id=chat, action="dancing") == (
        400,
        "Bad Request: wrong parameter action in request",
    )
    assert (await api(http, sim, "sendChatAction", chat_id=chat, action="upload_photo"))[0] == 200
    assert [a.action for a in sim.chat_actions(chat)] == ["upload_photo"]


async def test_unknown_token_and_method(
    http: aiohttp.ClientSession, sim: TelegramSimulator
) -> None:
    status, body = await api(http, sim, "getMe", token="999:not-a-real-token-at-all-xxxxxxxxx")
    assert (status, body) == (401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
    status, body = await api(http, sim, "getMeh")
    assert (status, body) == (404, {"ok": False, "error_code": 404, "description": "Not Found"})
    assert (await api(http, sim, "GETME"))[0] == 200  # method names are case-insensitive


async def test_every_parameter_encoding_is_accepted(
    http: aiohttp.ClientSession, sim: TelegramSimulator, chat: int
) -> None:
    base = f"{sim.url}/bot{sim.token}/sendMessage"
    async with http.get(base, params={"chat_id": str(chat), "text": "by query"}) as r:
        assert (await r.json())["result"]["text"] == "by query"
    form = {"chat_id": str(chat), "text": "by form", "reply_markup": json.dumps(KEYBOARD)}
    async with http.post(base, data=form) as r:
        body = await r.json()
        assert body["result"]["reply_markup"] == KEYBOARD
    multipart = aiohttp.FormData()
    multipart.add_field("chat_id", str(chat))
    multipart.add_field("text", "by multipart")
    multipart.add_field("doc", b"unused", filename="x.bin")  # forces multipart
    async with http.post(base, data=multipart) as r:
        assert (await r.json())["result"]["text"] == "by multipart"
