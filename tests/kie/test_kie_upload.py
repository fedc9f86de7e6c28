"""Uploads: refused before any request when wrong, streamed as multipart when right."""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from kiebot.kie import (
    MAX_UPLOAD_BYTES,
    KieFileTooLarge,
    KieServerError,
    KieUnexpectedReply,
    KieUnsupportedFile,
    sniff_image_type,
)
from kiebot.kie.upload import prepare_upload
from tests.kie.conftest import ClientFactory
from tests.kie.fake_kie import UPLOAD, FakeKie, Reply, envelope

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 100
WEBP = b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 100


def _png(size: int = 0) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    body = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
    )
    return body + chunk(b"IEND", b"") + b"\x00" * max(0, size - len(body) - 12)


@pytest.mark.parametrize(
    ("head", "mime"),
    [
        (JPEG, "image/jpeg"),
        (_png(), "image/png"),
        (WEBP, "image/webp"),
        (b"GIF89a....", None),
        (b"RIFF\x00\x00\x00\x00WAVE", None),
        (b"", None),
        (b"\xff\xd8", None),
    ],
)
def test_sniff_image_type(head: bytes, mime: str | None) -> None:
    assert sniff_image_type(head[:12]) == mime


async def test_bytes_are_streamed_as_multipart(fake: FakeKie, make_client: ClientFactory) -> None:
    fake.script(
        UPLOAD,
        Reply(
            json={
                "success": True,
                "code": 200,
                "msg": "ok",
                "data": {
                    "fileName": "in.png",
                    "fileSize": 321,
                    "mimeType": "image/png",
                    "downloadUrl": "https://files.example/in.png",
                    "uploadPath": "kiebot/u1",
                },
            }
        ),
    )
    data = _png(200_000)
    uploaded = await make_client().upload_file(data, file_name="in.png", upload_path="kiebot/u1")
    assert uploaded.url == "https://files.example/in.png"
    assert (uploaded.size, uploaded.mime_type, uploaded.upload_path) == (
        321,
        "image/png",
        "kiebot/u1",
    )
    [call] = fake.calls(UPLOAD)
    assert call.fields["uploadPath"] == "kiebot/u1"
    assert re.fullmatch(r"[0-9a-f]{16}-in\.png", call.fields["fileName"])
    assert call.file == data
    assert (call.file_name, call.file_type) == (call.fields["fileName"], "image/png")
    assert call.headers["Content-Type"].startswith("multipart/form-data")
    assert "Content-Length" in call.headers  # a known size is declared, not chunked


async def test_a_path_is_streamed_from_disk(
    fake: FakeKie, make_client: ClientFactory, tmp_path: Path
) -> None:
    path = tmp_path / "photo.jpg"
    data = JPEG + bytes(range(256)) * 2000
    path.write_bytes(data)
    await make_client().upload_file(path, file_name="photo.jpg")
    [call] = fake.calls(UPLOAD)
    assert call.file == data
    assert call.file_type == "image/jpeg"
    assert call.fields["uploadPath"] == "kiebot"
    assert int(call.headers["Content-Length"]) > len(data)


async def test_an_async_iterator_is_pulled_lazily_and_sent_chunked(
    fake: FakeKie, make_client: ClientFactory
) -> None:
    pulled: list[int] = []
    chunks = [WEBP[:5], WEBP[5:]] + [b"\x01" * 10_000] * 20

    async def source() -> AsyncIterator[bytes]:
        for index, chunk in enumerate(chunks):
            pulled.append(index)
            yield chunk

    stream = source()
    prepared = await prepare_upload(stream)
    assert pulled == [0, 1]  # only enough for the signature before any request
    assert prepared.mime_type == "image/webp"

    await make_client().upload_file(source(), file_name="x.webp")
    [call] = fake.calls(UPLOAD)
    assert call.file == b"".join(chunks)
    assert call.headers.get("Transfer-Encoding") == "chunked"


async def test_file_url_is_used_when_there_is_no_download_url(
    fake: FakeKie, make_client: ClientFactory
) -> None:
    fake.script(UPLOAD, envelope(200, {"fileUrl": "https://files.example/f.jpg"}))
    uploaded = await make_client().upload_file(JPEG, file_name="f.jpg")
    assert uploaded.url == "https://files.example/f.jpg"


async def test_an_upload_reply_without_a_url_is_unexpected(
    fake: FakeKie, make_client: ClientFactory
) -> None:
    fake.script(UPLOAD, envelope(200, {"fileName": "f.jpg"}))
    with pytest.raises(KieUnexpectedReply):
        await make_client().upload_file(JPEG, file_name="f.jpg")


# -- refused before any request ------------------------------------------------------------


async def test_too_big_bytes_are_refused_without_a_request(
    fake: FakeKie, make_client: ClientFactory
) -> None:
    with pytest.raises(KieFileTooLarge) as caught:
        await make_client().upload_file(JPEG + b"\x00" * MAX_UPLOAD_BYTES, file_name="big.jpg")
    assert caught.value.blame == "user"
    assert not caught.value.retryable
    assert fake.seen == []


async def test_a_too_big_file_on_disk_is_refused_without_reading_it(
    fake: FakeKie, make_client: ClientFactory, tmp_path: Path
) -> None:
    path = tmp_path / "big.png"
    with path.open("wb") as file:
        file.write(_png())
        file.truncate(MAX_UPLOAD_BYTES + 1)  # sparse: costs no disk
    with pytest.raises(KieFileTooLarge):
        await make_client().upload_file(path, file_name="big.png")
    assert fake.seen == []


async def test_a_declared_size_over_the_limit_is_refused_before_reading(
    fake: FakeKie, make_client: ClientFactory
) -> None:
    pulled: list[bytes] = []

    async def source() -> AsyncIterator[bytes]:
        pulled.append(JPEG)
        yield JPEG

    with pytest.raises(KieFileTooLarge):
        await make_client().upload_file(source(), file_name="x.jpg", size=MAX_UPLOAD_BYTES + 1)
    assert pulled == []
    assert fake.seen == []


@pytest.mark.parametrize(
    "data", [b"GIF89a" + b"\x00" * 100, b"%PDF-1.7 ...", b"", b"<html>not an image</html>"]
)
async def test_wrong_magic_bytes_are_refused_without_a_request(
    fake: FakeKie, make_client: ClientFactory, data: bytes
) -> None:
    with pytest.raises(KieUnsupportedFile) as caught:
        await make_client().upload_file(data, file_name="cat.png")  # the name does not matter
    assert caught.value.user_message_key == "kie.file_type"
    assert fake.seen == []


async def test_a_stream_that_outgrows_the_limit_is_cut_off(
    fake: FakeKie, make_client: ClientFactory
) -> None:
    async def source() -> AsyncIterator[bytes]:
        yield JPEG
        for _ in range(MAX_UPLOAD_BYTES // 65536 + 2):
            yield b"\x00" * 65536

    with pytest.raises(KieFileTooLarge):
        await make_client().upload_file(source(), file_name="endless.jpg")


# -- retries -------------------------------------------------------------------------------


async def test_a_replayable_upload_is_retried(fake: FakeKie, make_client: ClientFactory) -> None:
    fake.script(UPLOAD, envelope(500))
    uploaded = await make_client().upload_file(WEBP, file_name="w.webp")
    assert uploaded.url.startswith("https://")
    first, second = fake.calls(UPLOAD)
    assert first.file == second.file == WEBP


async def test_an_iterator_upload_is_not_retried(fake: FakeKie, make_client: ClientFactory) -> None:
    async def source() -> AsyncIterator[bytes]:
        yield WEBP

    fake.script(UPLOAD, envelope(500))
    with pytest.raises(KieServerError):
        await make_client().upload_file(source(), file_name="w.webp")
    assert len(fake.calls(UPLOAD)) == 1


async def test_a_413_from_the_upload_server_means_too_large(
    fake: FakeKie, make_client: ClientFactory
) -> None:
    fake.script(UPLOAD, Reply(status=413, body=b"<html>Request Entity Too Large</html>"))
    with pytest.raises(KieFileTooLarge):
        await make_client().upload_file(JPEG, file_name="f.jpg")
    assert len(fake.calls(UPLOAD)) == 1
