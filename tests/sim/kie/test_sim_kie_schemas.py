"""The simulator checks inputs as KIE documents them: ranges, image counts, file limits
per field, Veo's own endpoints and its rules across fields."""

from __future__ import annotations

import base64
import json

from kiebot.sim.kie import KieSimulator
from kiebot.sim.media import png_bytes
from tests.sim.kie.kie_sim_helpers import Kie, Receiver

VEO = {"prompt": "a dog surfing at sunset", "model": "veo3_fast"}


async def _upload(kie: Kie, data: bytes) -> str:
    body = {"base64Data": "data:image/png;base64," + base64.b64encode(data).decode()}
    answer = await kie.call(
        "POST", "/api/file-base64-upload", json={**body, "uploadPath": "t", "fileName": "p.png"}
    )
    assert answer.code == 200, answer.body
    return str(answer.data["downloadUrl"])


async def test_flux2_prompt_below_its_minimum_is_422(kie: Kie) -> None:
    answer = await kie.create(
        "flux-2/pro-text-to-image", {"prompt": "ab", "aspect_ratio": "1:1", "resolution": "1K"}
    )
    assert answer.code == 422
    assert "input.prompt" in answer.msg


async def test_seedream_max_images_out_of_range_is_422(kie: Kie) -> None:
    answer = await kie.create(
        "bytedance/seedream-v4-text-to-image", {"prompt": "a cat", "max_images": 7}
    )
    assert answer.code == 422
    assert "input.max_images" in answer.msg


async def test_background_removal_refuses_a_too_small_image(kie: Kie) -> None:
    small = await _upload(kie, png_bytes(64, 64))
    answer = await kie.create("recraft/remove-background", {"image": small})
    assert answer.code == 422
    assert "at least 256 px" in answer.msg
    big_enough = await _upload(kie, png_bytes(300, 300))
    assert (await kie.create("recraft/remove-background", {"image": big_enough})).code == 200


async def test_a_market_model_is_unknown_on_veo_and_veo_on_market(kie: Kie) -> None:
    veo_as_market = await kie.create("veo3_fast", {"prompt": "x"})
    assert veo_as_market.code == 422
    market_as_veo = await kie.call(
        "POST", "/api/v1/veo/generate", json={"prompt": "x", "model": "z-image"}
    )
    assert market_as_veo.code == 422


async def test_veo_generate_and_record_info_use_veo_shapes(
    kie: Kie, sim: KieSimulator, receiver: Receiver
) -> None:
    body = {**VEO, "aspect_ratio": "9:16", "callBackUrl": receiver.url + "/hook"}
    created = await kie.call("POST", "/api/v1/veo/generate", json=body)
    assert created.code == 200, created.body
    task_id = created.data["taskId"]
    waiting = await kie.call("GET", "/api/v1/veo/record-info", params={"taskId": task_id})
    assert waiting.data["successFlag"] == 0
    assert json.loads(waiting.data["paramJson"])["aspect_ratio"] == "9:16"
    sim.advance(60)
    done = await kie.call("GET", "/api/v1/veo/record-info", params={"taskId": task_id})
    assert done.data["successFlag"] == 1
    assert done.data["response"]["resultUrls"][0].endswith(".mp4")
    await receiver.wait()
    callback = json.loads(receiver.calls[0][1])
    assert callback["data"]["info"]["resultUrls"] == done.data["response"]["resultUrls"]
    market = await kie.record(task_id)
    assert market.code == 422  # a Veo task is not in the market's records


async def test_veo_rules_across_fields(kie: Kie) -> None:
    lite_reference = {**VEO, "model": "veo3_lite", "generationType": "REFERENCE_2_VIDEO"}
    answer = await kie.call("POST", "/api/v1/veo/generate", json=lite_reference)
    assert answer.code == 422
    assert "veo3_fast" in answer.msg
    frames = {**VEO, "generationType": "FIRST_AND_LAST_FRAMES_2_VIDEO"}
    assert (await kie.call("POST", "/api/v1/veo/generate", json=frames)).code == 422
    seeds = {**VEO, "seeds": 5}
    assert (await kie.call("POST", "/api/v1/veo/generate", json=seeds)).code == 422


async def test_veo_sees_telegram_file_urls_as_leaks(kie: Kie, sim: KieSimulator) -> None:
    leak = {**VEO, "imageUrls": ["https://api.telegram.org/file/bot1:AAA/photos/x.jpg"]}
    answer = await kie.call("POST", "/api/v1/veo/generate", json=leak)
    assert answer.code == 422
    assert sim.stats.totals.telegram_file_urls_seen == 1
