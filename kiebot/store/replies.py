"""Narrowing Redis replies to `str`.

The client is built with `decode_responses=True`, so replies are `str` at run time, but
redis-py types them `bytes | str` whatever the setting. These helpers make the types say
what the client does, decoding bytes should a client without decoding ever be passed in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence


def text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def optional_text(value: bytes | str | None) -> str | None:
    return None if value is None else text(value)


def texts(values: Iterable[bytes | str]) -> list[str]:
    return [text(value) for value in values]


def text_map(data: Mapping[bytes | str, bytes | str]) -> dict[str, str]:
    return {text(key): text(value) for key, value in data.items()}


def pairs_map(flat: Sequence[bytes | str]) -> dict[str, str]:
    """A flat {field, value, ...} list (HGETALL or a stream entry, as a script returns
    them) as a dict."""
    return {text(name): text(value) for name, value in zip(flat[::2], flat[1::2], strict=True)}
