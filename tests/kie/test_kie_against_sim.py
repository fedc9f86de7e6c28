"""The client against the KIE simulator: the calls a job makes, end to end over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from kiebot.kie import KeyPool, KieClient, TaskState, create_kie_session
from kiebot.sim.kie import KieSimulator
from kiebot.sim.media import png_bytes


@pytest.fixture
async def client(kie: KieSimulator) -> AsyncIterator[KieClient]:
    session = create_kie_session(timeout_s=5.0)
    yield KieClient(session, KeyPool(kie.config.keys), api_url=kie.url, upload_url=kie.url)
    await session.close()


async def test_two_uploads_of_the_same_name_do_not_overwrite_each_other(
    client: KieClient, kie: KieSimulator
) -> None:
    """KIE overwrites a file uploaded twice under one path and name."""
    first = await client.upload_file(png_bytes(64, 64, noise_seed="s1"), file_name="photo.png")
    second = await client.upload_file(png_bytes(64, 64, noise_seed="s2"), file_name="photo.png")
    assert first.url != second.url
    async with create_kie_session() as session, session.get(first.url) as reply:
        assert await reply.read() == png_bytes(64, 64, noise_seed="s1")


async def test_an_edit_task_runs_on_an_uploaded_photo(client: KieClient, kie: KieSimulator) -> None:
    uploaded = await client.upload_file(png_bytes(64, 64, noise_seed="s3"), file_name="in.png")
    created = await client.create_task(
        "google/nano-banana-edit", {"prompt": "make it blue", "image_urls": [uploaded.url]}
    )
    kie.advance(600)
    record = await client.get_task(created.task_id, created.key_id)
    assert record.state is TaskState.SUCCESS
    assert record.param["input"]["image_urls"] == [uploaded.url]
    assert record.result_urls
