"""The formatting parsers, offset by offset (UTF-16, as the Bot API counts)."""

from __future__ import annotations

import pytest

from kiebot.sim.telegram.entities import (
    EntityParseError,
    auto_entities,
    format_text,
    parse_html,
    parse_markdown_v2,
    utf16_len,
)
from kiebot.sim.telegram.errors import ApiError


def test_utf16_counts_astral_characters_twice() -> None:
    assert utf16_len("a😀б") == 4


def test_html_entities_and_references() -> None:
    text, entities = parse_html(
        '<b>Готово</b> &lt;3 &#128512; <a href="https://kie.ai">link</a> '
        '<pre><code class="language-python">x = 1</code></pre> <tg-spoiler>s</tg-spoiler>'
    )
    assert text == "Готово <3 😀 link x = 1 s"
    assert entities == [
        {"type": "bold", "offset": 0, "length": 6},
        {"type": "text_link", "offset": 13, "length": 4, "url": "https://kie.ai"},
        {"type": "pre", "offset": 18, "length": 5, "language": "python"},
        {"type": "spoiler", "offset": 24, "length": 1},
    ]


def test_html_unknown_reference_is_kept_literally() -> None:
    assert parse_html("AT&T &nbsp;")[0] == "AT&T &nbsp;"


def test_html_nested_and_case_insensitive_tags() -> None:
    text, entities = parse_html("<B>bold <I>both</I></B>")
    assert text == "bold both"
    assert {e["type"] for e in entities} == {"bold", "italic"}


@pytest.mark.parametrize(
    ("html", "error"),
    [
        ("a </b>", "Unexpected end tag at byte offset 2"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("<a href>x</a>", 'Expected equal sign in declaration of an attribute of the tag "a"'),
        ("<b", "Unclosed start tag at byte offset 0"),
    ],
)
def test_html_errors(html: str, error: str) -> None:
    with pytest.raises(EntityParseError, match=error.replace("(", r"\(")):
        parse_html(html)


def test_markdown_v2_entities_and_escapes() -> None:
    text, entities = parse_markdown_v2(r"*b* _i_ __u__ ~s~ ||sp|| `c` [l](https://x.io/a\)b) 1\.5")
    assert text == "b i u s sp c l 1.5"
    assert [e["type"] for e in entities] == [
        "bold",
        "italic",
        "underline",
        "strikethrough",
        "spoiler",
        "code",
        "text_link",
    ]
    assert entities[-1]["url"] == "https://x.io/a)b"


def test_markdown_v2_code_block_with_language() -> None:
    text, entities = parse_markdown_v2("```python\nprint(1)\n```")
    assert text == "print(1)\n"
    assert entities == [{"type": "pre", "offset": 0, "length": 9, "language": "python"}]


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("1.5", "Character '.' is reserved"),
        ("wow!", "Character '!' is reserved"),
        ("a-b", "Character '-' is reserved"),
        ("_x", "Can't find end of Italic entity at byte offset 0"),
        ("[x](http://a", "Can't find end of a URL at byte offset 4"),
    ],
)
def test_markdown_v2_errors(source: str, error: str) -> None:
    with pytest.raises(EntityParseError, match=error):
        parse_markdown_v2(source)


def test_offsets_are_utf16() -> None:
    _, entities = parse_html("😀 <b>x</b>")
    assert entities == [{"type": "bold", "offset": 3, "length": 1}]


def test_format_text_trims_and_detects_commands() -> None:
    text, entities = format_text("  /start now  ", "", None)
    assert text == "/start now"
    assert entities == [{"type": "bot_command", "offset": 0, "length": 6}]


def test_format_text_refuses_unknown_mode() -> None:
    with pytest.raises(ApiError, match="unsupported parse_mode"):
        format_text("x", "rtf", None)


def test_auto_entities() -> None:
    found = auto_entities("/help@kiebot_sim_bot see https://kie.ai and @someone #art a/b")
    assert [(e["type"], e["offset"], e["length"]) for e in found] == [
        ("bot_command", 0, 20),
        ("url", 25, 14),
        ("mention", 44, 8),
        ("hashtag", 53, 4),
    ]
