"""Narrowing Redis replies to `str`.

The client is built with `decode_responses=True`, so replies are `str` at run time, but
redis-py types them `bytes | str` whatever the setting. These helpers make the types say
what the client does, decoding bytes should a client without decoding ever be passed in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def optional_text(value: bytes | str | None) -> str | None:
    return None if value is None else text(value)


def texts(values: Iterable[bytes | str]) -> list[str]:
    return [text(value) for value in values]


def text_map(data: Mapping[bytes | str, bytes | str]) -> dict[str, str]:
    return {text(key): text(value) for key, value in data.items()}
