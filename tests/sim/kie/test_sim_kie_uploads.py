"""The file upload API: stream, URL and Base64 uploads, their limits, serving the files back,
and uploaded files as task inputs."""

from __future__ import annotations

import base64
import io

import aiohttp
import pytest

from kiebot.sim.kie import KieSimulator
from kiebot.sim.media import png_bytes
from tests.sim.kie.kie_sim_helpers import KEY, Kie, Receiver

PNG = png_bytes(32, 32)
GIF = b"GIF89a" + b"\x00" * 64


def form(
    data: bytes, upload_path: str | None = "images/user-uploads", name: str | None = None
) -> aiohttp.FormData:
    fd = aiohttp.FormData()
    fd.add_field(
        "file", io.BytesIO(data), filename="photo.bin", content_type="application/octet-stream"
    )
    if upload_path is not None:
        fd.add_field("uploadPath", upload_path)
    if name is not None:
        fd.add_field("fileName", name)
    return fd


async def stream_upload(kie: Kie, data: bytes, **kw: str | None) -> tuple[int, dict]:  # type: ignore[type-arg]
    answer = await kie.call("POST", "/api/file-stream-upload", data=form(data, **kw))
    return answer.status, answer.body


async def test_stream_upload_reply_and_download(kie: Kie, sim: KieSimulator) -> None:
    status, body = await stream_upload(kie, PNG, name="cat.png")
    assert status == 200
    assert body["success"] is True
    assert body["code"] == 200
    data = body["data"]
    assert data["fileName"] == "cat.png"
    assert data["filePath"] == "images/user-uploads/cat.png"
    assert data["uploadPath"] == "images/user-uploads"
    assert data["fileSize"] == len(PNG)
    assert data["mimeType"] == "image/png"
    assert data["downloadUrl"] == data["fileUrl"] == f"{sim.url}/files/images/user-uploads/cat.png"
    async with kie.session.get(data["downloadUrl"]) as resp:
        assert resp.status == 200
        assert resp.content_type == "image/png"
        assert await resp.read() == PNG
    assert sim.stats.key(KEY).uploads == 1
    assert sim.stats.key(KEY).upload_bytes == len(PNG)


async def test_upload_without_name_gets_a_generated_one(kie: Kie) -> None:
    _, first = await stream_upload(kie, PNG)
    _, second = await stream_upload(kie, PNG)
    names = {first["data"]["fileName"], second["data"]["fileName"]}
    assert len(names) == 2  # random, not the multipart part's "photo.bin"
    assert all(name.endswith(".png") for name in names)


async def test_same_name_overwrites(kie: Kie, sim: KieSimulator) -> None:
    await stream_upload(kie, PNG, name="same.png")
    _, body = await stream_upload(kie, b"\xff\xd8\xff\xe0 now a jpeg", name="same.png")
    async with kie.session.get(body["data"]["downloadUrl"]) as resp:
        assert resp.content_type == "image/jpeg"
    assert len(sim.uploads) == 1


async def test_stream_upload_too_big(kie: Kie, sim: KieSimulator) -> None:
    sim.config.upload_max_bytes = 1000
    big = png_bytes(64, 64, noise_seed="big")
    assert len(big) > 1000
    status, body = await stream_upload(kie, big)
    assert (status, body["success"], body["code"]) == (200, False, 400)
    assert "exceeds" in body["msg"]
    assert len(sim.uploads) == 0


async def test_documented_default_is_10_mb(kie: Kie, sim: KieSimulator) -> None:
    assert sim.config.upload_max_bytes == 10 * 1024 * 1024
    just_over = PNG + b"\x00" * (10 * 1024 * 1024 + 1 - len(PNG))
    _, body = await stream_upload(kie, just_over)
    assert body["code"] == 400


@pytest.mark.parametrize("data", [GIF, b"%PDF-1.4 not an image", b"\xff\xd8\xff\xe0jpeg"])
async def test_upload_type_is_sniffed(kie: Kie, data: bytes) -> None:
    _, body = await stream_upload(kie, data, name="looks-like.png")
    if data.startswith(b"\xff\xd8"):
        assert body["data"]["mimeType"] == "image/jpeg"
    else:
        assert body["code"] == 400
        assert "Unsupported file type" in body["msg"]


async def test_allowed_types_knob(kie: Kie, sim: KieSimulator) -> None:
    sim.config.upload_allowed_types = None
    _, body = await stream_upload(kie, GIF)
    assert body["data"]["mimeType"] == "image/gif"


async def test_missing_fields_and_auth(kie: Kie) -> None:
    _, body = await stream_upload(kie, PNG, upload_path=None)
    assert body["code"] == 400
    assert "uploadPath" in body["msg"]
    _, body = await stream_upload(kie, PNG, upload_path="../etc")
    assert body["code"] == 400
    answer = await kie.call("POST", "/api/file-stream-upload", key=None, data=form(PNG))
    assert (answer.body["success"], answer.code) == (False, 401)
    answer = await kie.call("POST", "/api/file-stream-upload", json={"file": "x"})
    assert answer.code == 400


async def test_url_upload(kie: Kie, sim: KieSimulator, receiver: Receiver) -> None:
    receiver.files["source.png"] = (PNG, "image/png")
    answer = await kie.call(
        "POST",
        "/api/file-url-upload",
        json={"fileUrl": f"{receiver.url}/files/source.png", "uploadPath": "images/downloaded"},
    )
    assert answer.code == 200
    assert answer.data["fileName"] == "source.png"
    assert answer.data["fileSize"] == len(PNG)
    async with kie.session.get(answer.data["downloadUrl"]) as resp:
        assert await resp.read() == PNG


async def test_url_upload_failures(kie: Kie, sim: KieSimulator, receiver: Receiver) -> None:
    missing = await kie.call(
        "POST",
        "/api/file-url-upload",
        json={"fileUrl": f"{receiver.url}/files/none.png", "uploadPath": "images"},
    )
    assert (missing.code, missing.body["success"]) == (400, False)
    assert "HTTP 404" in missing.msg

    sim.config.upload_url_timeout_s = 0.2
    receiver.delay_s = 1.0
    receiver.files["slow.png"] = (PNG, "image/png")
    slow = await kie.call(
        "POST",
        "/api/file-url-upload",
        json={"fileUrl": f"{receiver.url}/files/slow.png", "uploadPath": "images"},
    )
    assert slow.code == 400
    assert "timed out" in slow.msg

    bad = await kie.call("POST", "/api/file-url-upload", json={"uploadPath": "images"})
    assert bad.code == 400
    assert "fileUrl" in bad.msg


async def test_url_upload_of_a_telegram_url_is_counted(kie: Kie, sim: KieSimulator) -> None:
    answer = await kie.call(
        "POST",
        "/api/file-url-upload",
        json={"fileUrl": "https://api.telegram.org/file/bot1:T/x.jpg", "uploadPath": "images"},
    )
    assert answer.code == 400
    assert answer.msg.startswith("fileUrl:")
    assert sim.stats.telegram_file_urls_seen == 1


async def test_base64_upload(kie: Kie, sim: KieSimulator) -> None:
    encoded = base64.b64encode(PNG).decode()
    for payload in (encoded, f"data:image/png;base64,{encoded}"):
        answer = await kie.call(
            "POST",
            "/api/file-base64-upload",
            json={"base64Data": payload, "uploadPath": "images/base64", "fileName": "b.png"},
        )
        assert answer.code == 200
        assert answer.data["mimeType"] == "image/png"
    broken = await kie.call(
        "POST", "/api/file-base64-upload", json={"base64Data": "@@@", "uploadPath": "x"}
    )
    assert broken.code == 400
    assert "Base64" in broken.msg
    sim.config.upload_max_bytes = 10
    too_big = await kie.call(
        "POST", "/api/file-base64-upload", json={"base64Data": encoded, "uploadPath": "x"}
    )
    assert too_big.code == 400


async def test_files_support_range_requests(kie: Kie) -> None:
    _, body = await stream_upload(kie, PNG, name="r.png")
    url = body["data"]["downloadUrl"]
    async with kie.session.get(url, headers={"Range": "bytes=0-7"}) as resp:
        assert resp.status == 206
        assert resp.headers["Content-Range"] == f"bytes 0-7/{len(PNG)}"
        assert await resp.read() == PNG[:8]
    async with kie.session.get(url, headers={"Range": "bytes=-4"}) as resp:
        assert await resp.read() == PNG[-4:]
    async with kie.session.get(url, headers={"Range": f"bytes={len(PNG)}-"}) as resp:
        assert resp.status == 416
    async with kie.session.get(url + "-missing") as resp:
        assert resp.status == 404


async def test_uploaded_image_is_a_valid_task_input(kie: Kie, sim: KieSimulator) -> None:
    _, body = await stream_upload(kie, PNG, name="in.png")
    edit = {"prompt": "make it blue", "image_urls": [body["data"]["downloadUrl"]]}
    assert (await kie.create("google/nano-banana-edit", edit)).code == 200


async def test_unusable_input_urls_are_422(kie: Kie, sim: KieSimulator, receiver: Receiver) -> None:
    gone = {"prompt": "x", "image_urls": [f"{sim.url}/files/images/none.png"]}
    answer = await kie.create("google/nano-banana-edit", gone)
    assert answer.code == 422
    assert "input.image_urls[0]" in answer.msg

    sim.config.upload_allowed_types = None
    _, body = await stream_upload(kie, GIF, name="a.gif")
    gif = {"prompt": "x", "image_urls": [body["data"]["downloadUrl"]]}
    answer = await kie.create("google/nano-banana-edit", gif)
    assert answer.code == 422
    assert "image/gif" in answer.msg

    remote = {"prompt": "x", "image_urls": [f"{receiver.url}/files/absent.png"]}
    answer = await kie.create("google/nano-banana-edit", remote)
    assert answer.code == 422
    assert "not fetchable" in answer.msg

    receiver.files["ok.png"] = (PNG, "image/png")
    fine = {"prompt": "x", "image_urls": [f"{receiver.url}/files/ok.png"]}
    assert (await kie.create("google/nano-banana-edit", fine)).code == 200
    assert len(sim.tasks) == 1


async def test_oversized_remote_files_are_refused(
    kie: Kie, sim: KieSimulator, receiver: Receiver
) -> None:
    receiver.files["big.png"] = (png_bytes(64, 64, noise_seed="big"), "image/png")
    sim.config.upload_max_bytes = 1000
    upload = await kie.call(
        "POST",
        "/api/file-url-upload",
        json={"fileUrl": f"{receiver.url}/files/big.png", "uploadPath": "images"},
    )
    assert upload.code == 400
    assert "exceeds" in upload.msg
    sim.config.input_max_bytes = 1000
    edit = {"prompt": "x", "image_urls": [f"{receiver.url}/files/big.png"]}
    answer = await kie.create("google/nano-banana-edit", edit)
    assert answer.code == 422
    assert "larger than 1000 bytes" in answer.msg
