"""Results reach the chat: streamed uploads, photo → document → link, file ids, refusals."""

from __future__ import annotations

import aiohttp
import pytest
from aiogram import Bot
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from kiebot.delivery import (
    Delivery,
    DeliveryFailed,
    Pacer,
    RecipientUnavailable,
    ResultUnavailable,
)
from kiebot.delivery.session import ONE_BODY_MAX
from kiebot.sim.kie import KieSimulator
from kiebot.sim.media import mp4_bytes, png_bytes
from kiebot.sim.telegram import SimUser, TelegramSimulator
from tests.delivery.conftest import ANNA
from tests.delivery.helpers import FAST_PACING, MediaHost, kie_result

MB = 1024 * 1024
Z_IMAGE = {"prompt": "a red fox", "aspect_ratio": "1:1"}
KLING = {"prompt": "a fox runs", "sound": False, "aspect_ratio": "16:9", "duration": "5"}


def again_button() -> InlineKeyboardMarkup:
    button = InlineKeyboardButton(text="Again", callback_data="again:1")
    return InlineKeyboardMarkup(inline_keyboard=[[button]])


async def test_photo_from_kie_is_delivered_with_its_file_id(
    delivery: Delivery,
    tg: TelegramSimulator,
    kie: KieSimulator,
    media: aiohttp.ClientSession,
    chat_id: int,
) -> None:
    url = await kie_result(media, kie, "z-image", Z_IMAGE)

    done = await delivery.send_result(
        chat_id, url, kind="image", caption="<b>Done</b>", reply_markup=again_button()
    )

    [message] = tg.chat(chat_id)
    assert (done.method, message.kind, message.caption) == ("photo", "photo", "Done")
    assert done.message_id == message.message_id
    assert done.file_id is not None
    assert done.file_id == message.media[-1]["file_id"]
    assert [b["callback_data"] for b in message.buttons()] == ["again:1"]
    async with media.get(url) as response:
        original = await response.read()
    assert tg.file_bytes(done.file_id) == original
    assert done.size == len(original)


async def test_a_photo_larger_than_one_body_arrives_whole(
    delivery: Delivery, tg: TelegramSimulator, host: MediaHost, chat_id: int
) -> None:
    """Past `ONE_BODY_MAX` the upload streams on after the part read ahead: the bytes
    Telegram stores are the result's, none lost or repeated at the seam."""
    data = png_bytes(700, 700, noise_seed="seam")  # incompressible, about 1.4 MB
    assert len(data) > ONE_BODY_MAX
    url = host.add("/r/large.png", data, "image/png")

    done = await delivery.send_result(chat_id, url, kind="image", caption="Done")

    assert done.method == "photo"
    assert done.file_id is not None
    assert tg.file_bytes(done.file_id) == data


async def test_resend_by_file_id_downloads_nothing(
    delivery: Delivery,
    tg: TelegramSimulator,
    kie: KieSimulator,
    media: aiohttp.ClientSession,
    chat_id: int,
) -> None:
    url = await kie_result(media, kie, "z-image", Z_IMAGE)
    first = await delivery.send_result(chat_id, url, kind="image")
    assert first.file_id is not None
    served = kie.stats.media_served

    again = await delivery.resend(chat_id, first.file_id, method="photo", caption="again")

    assert kie.stats.media_served == served
    assert (again.method, again.file_id) == ("photo", first.file_id)
    assert [m.kind for m in tg.chat(chat_id)] == ["photo", "photo"]


async def test_video_goes_by_send_video(
    delivery: Delivery,
    tg: TelegramSimulator,
    kie: KieSimulator,
    media: aiohttp.ClientSession,
    chat_id: int,
) -> None:
    url = await kie_result(media, kie, "kling-2.6/text-to-video", KLING)

    done = await delivery.send_result(chat_id, url, kind="video", caption="clip")

    [message] = tg.chat(chat_id)
    assert (done.method, message.kind) == ("video", "video")
    assert tg.stats.calls["sendVideo"] == 1
    assert message.file is not None
    assert done.file_id == message.file.file_id
    assert done.size == kie.config.result_video_bytes


async def test_photo_with_invalid_dimensions_falls_back_to_document(
    delivery: Delivery, tg: TelegramSimulator, host: MediaHost, chat_id: int
) -> None:
    url = host.add("/r/strip.png", png_bytes(20000, 10), "image/png")

    done = await delivery.send_result(chat_id, url, kind="image", caption="wide")

    [message] = tg.chat(chat_id)
    assert (done.method, message.kind, message.caption) == ("document", "document", "wide")
    assert tg.stats.errors["Bad Request: PHOTO_INVALID_DIMENSIONS"] == 1
    assert host.hits["/r/strip.png"] == 2  # a stream is read once: the document re-opens it
    assert message.file is not None
    assert message.file.file_name == "strip.png"


async def test_declared_size_over_the_upload_limit_goes_as_a_link(
    delivery: Delivery, tg: TelegramSimulator, host: MediaHost, chat_id: int
) -> None:
    url = host.add_stream("/r/huge.mp4", 60 * MB, "video/mp4", head=mp4_bytes(1024))

    done = await delivery.send_result(chat_id, url, kind="video", caption="<i>big</i>")

    [message] = tg.chat(chat_id)
    assert (done.method, done.file_id, done.size) == ("link", None, 60 * MB)
    assert message.kind == "text"
    assert message.text == f"big\n\n{url}"
    assert tg.stats.calls["sendVideo"] == tg.stats.calls["sendDocument"] == 0
    assert host.bytes_sent["/r/huge.mp4"] < 8 * MB  # never downloaded, only opened


async def test_photo_over_the_photo_limit_goes_straight_to_document(
    bot: Bot, media: aiohttp.ClientSession, tg: TelegramSimulator, host: MediaHost, chat_id: int
) -> None:
    small_photo_limit = Delivery(bot, media, Pacer(FAST_PACING), max_photo_bytes=100_000)
    data = png_bytes(300, 300, noise_seed="x")  # incompressible, about 270 KB
    url = host.add("/r/big.png", data, "image/png")

    done = await small_photo_limit.send_result(chat_id, url, kind="image")

    assert done.method == "document"
    assert tg.stats.calls["sendPhoto"] == 0
    assert host.hits["/r/big.png"] == 1


async def test_undeclared_size_found_too_big_while_streaming(
    bot: Bot, media: aiohttp.ClientSession, tg: TelegramSimulator, host: MediaHost, chat_id: int
) -> None:
    small_photo_limit = Delivery(bot, media, Pacer(FAST_PACING), max_photo_bytes=200_000)
    head = png_bytes(64, 64)
    url = host.add_stream("/r/chunked.png", 1 * MB, "image/png", head=head, declare=False)

    done = await small_photo_limit.send_result(chat_id, url, kind="image")

    # The photo upload stopped at the limit; the document went through whole.
    assert done.method == "document"
    assert done.size == 1 * MB
    assert tg.stats.messages_sent == 1
    assert host.hits["/r/chunked.png"] == 2


async def test_undeclared_video_over_every_limit_is_downloaded_once_then_linked(
    bot: Bot, media: aiohttp.ClientSession, tg: TelegramSimulator, host: MediaHost, chat_id: int
) -> None:
    small_uploads = Delivery(bot, media, Pacer(FAST_PACING), max_upload_bytes=300_000)
    head = mp4_bytes(1024)
    url = host.add_stream("/r/long.mp4", 1 * MB, "video/mp4", head=head, declare=False)

    done = await small_uploads.send_result(chat_id, url, kind="video")

    assert (done.method, tg.chat(chat_id)[-1].text) == ("link", url)
    assert host.hits["/r/long.mp4"] == 1  # the document was not tried: it could not fit


async def test_refused_document_falls_back_to_the_link(
    delivery: Delivery, tg: TelegramSimulator, host: MediaHost, chat_id: int
) -> None:
    tg.config.file_upload_max = 500_000  # this "Telegram" takes smaller uploads than we think
    url = host.add_stream("/r/clip.mp4", 1 * MB, "video/mp4", head=mp4_bytes(2048))

    done = await delivery.send_result(chat_id, url, kind="video")

    assert done.method == "link"
    assert tg.stats.errors["Request Entity Too Large"] == 2  # as video, then as document
    assert host.hits["/r/clip.mp4"] == 2
    assert tg.chat(chat_id)[-1].text == url


async def test_expired_result_is_result_unavailable_without_touching_telegram(
    delivery: Delivery, tg: TelegramSimulator, host: MediaHost, chat_id: int
) -> None:
    with pytest.raises(ResultUnavailable) as caught:
        await delivery.send_result(chat_id, f"{host.url}/r/expired.png", kind="image")

    assert caught.value.retryable is False
    assert caught.value.user_message_key == "delivery.result_unavailable"
    assert host.hits["/r/expired.png"] == 1
    assert sum(tg.stats.calls.values()) == 0


async def test_a_flaky_download_is_retried(
    delivery: Delivery, tg: TelegramSimulator, host: MediaHost, chat_id: int
) -> None:
    url = host.add("/r/flaky.png", png_bytes(32, 32), "image/png")
    host.fail_first("/r/flaky.png", 503, 502)

    done = await delivery.send_result(chat_id, url, kind="image")

    assert done.method == "photo"
    assert host.hits["/r/flaky.png"] == 3


async def test_a_download_that_keeps_failing_is_retryable_result_unavailable(
    delivery: Delivery, tg: TelegramSimulator, host: MediaHost, chat_id: int
) -> None:
    url = host.add("/r/down.png", png_bytes(32, 32), "image/png")
    host.fail_first("/r/down.png", 503, 503, 503, 503)

    with pytest.raises(ResultUnavailable) as caught:
        await delivery.send_result(chat_id, url, kind="image")

    assert caught.value.retryable is True
    assert host.hits["/r/down.png"] == 3  # `attempts`, not more
    assert tg.chat(chat_id) == []


async def test_a_telegram_file_url_is_never_used_as_a_result(
    delivery: Delivery, tg: TelegramSimulator, host: MediaHost, chat_id: int
) -> None:
    url = f"{tg.url}/file/bot{tg.token}/photos/file_1.png"

    with pytest.raises(DeliveryFailed) as caught:
        await delivery.send_result(chat_id, url, kind="image")

    assert tg.token not in str(caught.value)
    assert "/file/bot" not in str(caught.value)
    assert sum(tg.stats.calls.values()) == 0


async def test_blocked_user_is_recipient_unavailable_without_retries(
    delivery: Delivery, tg: TelegramSimulator, host: MediaHost, chat_id: int
) -> None:
    tg.block_user(ANNA, notify=False)
    url = host.add("/r/photo.png", png_bytes(32, 32), "image/png")

    with pytest.raises(RecipientUnavailable) as caught:
        await delivery.send_result(chat_id, url, kind="image")
    with pytest.raises(RecipientUnavailable):
        await delivery.send_text(chat_id, "hello?")

    assert caught.value.user_message_key == "delivery.recipient_unavailable"
    assert tg.stats.calls["sendPhoto"] == 1
    assert tg.stats.calls["sendDocument"] == 0
    assert tg.stats.calls["sendMessage"] == 1
    assert host.hits["/r/photo.png"] == 1


async def test_unknown_chat_is_recipient_unavailable(
    delivery: Delivery, tg: TelegramSimulator
) -> None:
    stranger = SimUser(id=4242, first_name="Nobody")

    with pytest.raises(RecipientUnavailable):
        await delivery.send_text(stranger.id, "hi")

    assert tg.stats.errors["Bad Request: chat not found"] == 1
