"""Message formatting: the Bot API's HTML, MarkdownV2 and legacy Markdown parsers.

HTML and MarkdownV2 follow TDLib's `parse_html` / `parse_markdown_v2` (the code the Bot API
server runs) step for step, including their error texts and the UTF-8 byte offsets those
texts quote, because "can't parse entities: Unsupported start tag "br" at byte offset 12"
is exactly what a bot author needs to see in a test. Entity offsets and lengths are in
UTF-16 code units, as in the real API. Legacy Markdown is a simpler approximation.

Besides parsing, `auto_entities` finds what Telegram highlights by itself (bot commands,
mentions, hashtags, links), which incoming messages carry and aiogram's filters rely on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from kiebot.sim.telegram.errors import UNSUPPORTED_PARSE_MODE, ApiError, bad_request

Entity = dict[str, Any]

_HTML_TAGS = frozenset(
    {"a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins"}
    | {"tg-spoiler", "tg-emoji", "span", "pre", "code", "blockquote"}
)
_HTML_SIMPLE = {
    "i": "italic",
    "em": "italic",
    "b": "bold",
    "strong": "bold",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "u": "underline",
    "ins": "underline",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}
_NAMED_REFS = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SPACES = " \t\r\n\0\v\f"
_MD2_RESERVED = "_*[]()~`>#+-=|{}.!\n"
_TYPE_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
    "blockquote": "BlockQuote",
}


class EntityParseError(Exception):
    """A formatting error, worded as TDLib words it."""


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of every entity offset."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8", "surrogatepass"))


def _is_space(ch: str) -> bool:
    return ch in _SPACES


def _is_ascii_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def checked_link(url: str) -> str | None:
    """A link Telegram accepts for a text link, normalised; None when it is refused."""
    url = url.strip()
    if not url or any(_is_space(ch) for ch in url):
        return None
    if re.match(r"^(https?|tg|ton)://", url, re.IGNORECASE):
        return url
    if "://" in url:
        return None
    if re.match(r"^[\w-]+(\.[\w-]+)+([/?#].*)?$", url):
        return f"http://{url}"
    return None


@dataclass
class _Cursor:
    """A read position over text, where reading past the end yields NUL as in C strings."""

    text: str
    i: int = 0

    def at(self, offset: int = 0) -> str:
        j = self.i + offset
        return self.text[j] if j < len(self.text) else "\0"


@dataclass
class _Out:
    """The plain text being built, with its running UTF-16 length."""

    chars: list[str] = field(default_factory=list)
    utf16: int = 0

    def add(self, piece: str) -> None:
        self.chars.append(piece)
        self.utf16 += utf16_len(piece)

    def since(self, position: int) -> str:
        return "".join(self.chars[position:])


# --------------------------------------------------------------------------- HTML


@dataclass
class _OpenTag:
    name: str
    argument: str
    offset: int
    position: int
    byte_offset: int


def _decode_reference(cur: _Cursor) -> str | None:
    """An HTML character reference at the cursor (which is on '&'), advancing past it."""
    end = cur.i + 1
    text = cur.text
    code = 0
    if cur.at(1) == "#":
        end += 1
        digits, base = "0123456789", 10
        if cur.at(2) == "x":
            end += 1
            digits, base = "0123456789abcdefABCDEF", 16
        while end < len(text) and text[end] in digits:
            code = code * base + int(text[end], 16)
            end += 1
        if code == 0 or code >= 0x10FFFF or end - cur.i >= 10:
            return None
    else:
        while end < len(text) and text[end].isascii() and text[end].isalpha():
            end += 1
        named = _NAMED_REFS.get(text[cur.i + 1 : end])
        if named is None:
            return None
        code = ord(named)
    cur.i = end + 1 if end < len(text) and text[end] == ";" else end
    return chr(code)


def parse_html(text: str) -> tuple[str, list[Entity]]:
    """Plain text and entities from Bot API HTML, or EntityParseError."""
    cur = _Cursor(text)
    out = _Out()
    stack: list[_OpenTag] = []
    entities: list[Entity] = []
    surrogate = False
    while cur.i < len(text):
        ch = text[cur.i]
        if ch == "&":
            decoded = _decode_reference(cur)
            if decoded is not None:
                surrogate = surrogate or 0xD800 <= ord(decoded) <= 0xDFFF
                out.add(decoded)
                continue
        if ch != "<":
            out.add(ch)
            cur.i += 1
            continue
        if cur.at(1) == "/":
            _html_end_tag(cur, out, stack, entities)
        else:
            stack.append(_html_start_tag(cur, out))
        cur.i += 1
    if stack:
        msg = f"Can't find end tag corresponding to start tag {stack[-1].name}"
        raise EntityParseError(msg)
    if surrogate:
        msg = (
            "Text contains invalid Unicode characters after decoding HTML entities, "
            "check for unmatched surrogate code units"
        )
        raise EntityParseError(msg)
    for entity in entities:
        if entity["type"] == "code":
            entity.pop("language", None)
    return "".join(out.chars), _sorted(entities)


def _html_start_tag(cur: _Cursor, out: _Out) -> _OpenTag:
    begin = cur.i
    byte_begin = _byte_offset(cur.text, begin)
    cur.i += 1
    while not _is_space(cur.at()) and cur.at() != ">":
        cur.i += 1
    if cur.at() == "\0":
        msg = f"Unclosed start tag at byte offset {byte_begin}"
        raise EntityParseError(msg)
    name = cur.text[begin + 1 : cur.i].lower()
    if name not in _HTML_TAGS:
        msg = f'Unsupported start tag "{name}" at byte offset {byte_begin}'
        raise EntityParseError(msg)
    argument = ""
    while cur.at() != ">":
        attribute = _html_attribute(cur, name, byte_begin)
        if attribute is None:
            break
        argument = _tag_argument(name, attribute, argument)
    if name == "span" and argument != "spoiler":
        msg = f'Tag "span" must have class "tg-spoiler" at byte offset {byte_begin}'
        raise EntityParseError(msg)
    return _OpenTag(name, argument, out.utf16, len(out.chars), byte_begin)


def _skip_spaces(cur: _Cursor) -> None:
    while cur.at() != "\0" and _is_space(cur.at()):
        cur.i += 1


def _html_attribute(cur: _Cursor, tag: str, byte_begin: int) -> tuple[str, str] | None:
    """One `name=value` of a start tag; None at the closing '>'."""
    _skip_spaces(cur)
    if cur.at() == ">":
        return None
    name_begin = cur.i
    while not _is_space(cur.at()) and cur.at() not in "=>":
        cur.i += 1
    name = cur.text[name_begin : cur.i]
    if not name:
        msg = f'Empty attribute name in the tag "{tag}" at byte offset {byte_begin}'
        raise EntityParseError(msg)
    _skip_spaces(cur)
    if cur.at() != "=":
        if tag == "blockquote" and name == "expandable":
            return name, ""
        msg = (
            "Expected equal sign in declaration of an attribute of the tag "
            f'"{tag}" at byte offset {byte_begin}'
        )
        raise EntityParseError(msg)
    cur.i += 1
    _skip_spaces(cur)
    if cur.at() == "\0":
        msg = f'Unclosed start tag "{tag}" at byte offset {byte_begin}'
        raise EntityParseError(msg)
    value = _html_attribute_value(cur)
    if cur.at() == "\0":
        msg = f"Unclosed start tag at byte offset {byte_begin}"
        raise EntityParseError(msg)
    return name, value


def _html_attribute_value(cur: _Cursor) -> str:
    quote = cur.at()
    if quote not in "'\"":
        token_begin = cur.i
        while _is_ascii_alnum(cur.at()) or cur.at() in ".-":
            cur.i += 1
        if not _is_space(cur.at()) and cur.at() != ">":
            msg = (
                f"Unexpected end of name token at byte offset {_byte_offset(cur.text, token_begin)}"
            )
            raise EntityParseError(msg)
        return cur.text[token_begin : cur.i].lower()
    cur.i += 1
    chars: list[str] = []
    while cur.at() not in (quote, "\0"):
        if cur.at() == "&":
            decoded = _decode_reference(cur)
            if decoded is not None:
                chars.append(decoded)
                continue
        chars.append(cur.at())
        cur.i += 1
    if cur.at() == quote:
        cur.i += 1
    return "".join(chars)


def _tag_argument(tag: str, attribute: tuple[str, str], current: str) -> str:
    name, value = attribute
    if tag == "a" and name == "href":
        return value
    if tag == "code" and name == "class" and value.startswith("language-"):
        return value.removeprefix("language-")
    if tag == "span" and name == "class" and value.startswith("tg-"):
        return value.removeprefix("tg-")
    if tag == "tg-emoji" and name == "emoji-id":
        return value
    if tag == "blockquote" and name == "expandable":
        return "expandable"
    return current


def _html_end_tag(cur: _Cursor, out: _Out, stack: list[_OpenTag], entities: list[Entity]) -> None:
    begin = cur.i
    byte_begin = _byte_offset(cur.text, begin)
    if not stack:
        msg = f"Unexpected end tag at byte offset {byte_begin}"
        raise EntityParseError(msg)
    cur.i += 1
    while not _is_space(cur.at()) and cur.at() != ">":
        cur.i += 1
    end_name = cur.text[begin + 2 : cur.i].lower()
    while _is_space(cur.at()) and cur.at() != "\0":
        cur.i += 1
    if cur.at() != ">":
        msg = f"Unclosed end tag at byte offset {byte_begin}"
        raise EntityParseError(msg)
    tag = stack.pop()
    if end_name and end_name != tag.name:
        msg = (
            f'Unmatched end tag at byte offset {byte_begin}, expected "</{tag.name}>", '
            f'found "</{end_name}>"'
        )
        raise EntityParseError(msg)
    if out.utf16 > tag.offset:
        _html_entity(tag, out, entities)


def _html_entity(tag: _OpenTag, out: _Out, entities: list[Entity]) -> None:
    offset, length = tag.offset, out.utf16 - tag.offset
    base: Entity = {"offset": offset, "length": length}
    if tag.name in _HTML_SIMPLE:
        entities.append({"type": _HTML_SIMPLE[tag.name], **base})
    elif tag.name == "tg-emoji":
        if not tag.argument.isdigit() or int(tag.argument) == 0:
            msg = "Invalid custom emoji identifier specified"
            raise EntityParseError(msg)
        entities.append({"type": "custom_emoji", **base, "custom_emoji_id": tag.argument})
    elif tag.name == "a":
        link = _link_entity(tag.argument or out.since(tag.position), base)
        if link is not None:
            entities.append(link)
    elif tag.name in ("pre", "code"):
        _html_code_entity(tag, base, entities)
    else:
        kind = "expandable_blockquote" if tag.argument == "expandable" else "blockquote"
        entities.append({"type": kind, **base})


def _link_entity(url: str, base: Entity) -> Entity | None:
    mention = re.match(r"^tg://user\?id=([0-9]+)$", url.strip())
    if mention:
        user = {"id": int(mention.group(1)), "is_bot": False, "first_name": ""}
        return {"type": "text_mention", **base, "user": user}
    link = checked_link(url)
    return None if link is None else {"type": "text_link", **base, "url": link}


def _html_code_entity(tag: _OpenTag, base: Entity, entities: list[Entity]) -> None:
    """`<pre><code class="language-x">` nests into one `pre` entity with a language."""
    last = entities[-1] if entities else None
    same_span = last is not None and (last["offset"], last["length"]) == (
        base["offset"],
        base["length"],
    )
    if tag.name == "pre" and same_span and last is not None and last["type"] == "code":
        last["type"] = "pre"
        return
    if tag.name == "code" and same_span and last is not None and last["type"] == "pre":
        if tag.argument:
            last["language"] = tag.argument
        return
    if tag.name == "pre":
        entities.append({"type": "pre", **base})
    else:
        entity: Entity = {"type": "code", **base}
        if tag.argument:
            entity["language"] = tag.argument
        entities.append(entity)


# ------------------------------------------------------------------- MarkdownV2


@dataclass
class _OpenMark:
    type: str
    argument: str
    offset: int
    byte_offset: int
    position: int


def _reserved_error(ch: str) -> EntityParseError:
    return EntityParseError(
        f"Character '{ch}' is reserved and must be escaped with the preceding '\\'"
    )


def _end_error(mark: _OpenMark) -> EntityParseError:
    name = _TYPE_NAMES.get(mark.type, mark.type)
    if mark.type == "pre" and mark.argument:
        name = "PreCode"
    return EntityParseError(f"Can't find end of {name} entity at byte offset {mark.byte_offset}")


@dataclass
class _Md2:
    """State of one MarkdownV2 parse."""

    cur: _Cursor
    out: _Out = field(default_factory=_Out)
    stack: list[_OpenMark] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    blockquote: bool = False

    def reserved(self) -> str:
        if self.stack and self.stack[-1].type in ("code", "pre"):
            return "`"
        return _MD2_RESERVED

    def ends_entity(self, ch: str) -> bool:
        if not self.stack:
            return False
        if self.blockquote and ch == "\n" and self.cur.at(1) != ">":
            return True
        nxt, after = self.cur.at(1), self.cur.at(2)
        closers = {
            "bold": ch == "*",
            "italic": ch == "_" and nxt != "_",
            "code": ch == "`",
            "pre": ch == "`" and nxt == "`" and after == "`",
            "text_link": ch == "]",
            "underline": ch == "_" and nxt == "_",
            "strikethrough": ch == "~",
            "spoiler": ch == "|" and nxt == "|",
            "custom_emoji": ch == "]",
        }
        return closers.get(self.stack[-1].type, False)


def parse_markdown_v2(text: str) -> tuple[str, list[Entity]]:
    """Plain text and entities from MarkdownV2, or EntityParseError."""
    state = _Md2(_Cursor(text))
    cur = state.cur
    while cur.i < len(text):
        ch = text[cur.i]
        if ch == "\\" and "\0" < cur.at(1) <= "~":
            cur.i += 1
            state.out.add(text[cur.i])
        elif ch not in state.reserved():
            state.out.add(ch)
        elif state.ends_entity(ch):
            _md2_close(state, ch)
        else:
            _md2_open(state, ch)
        cur.i += 1
    _md2_finish(state)
    return "".join(state.out.chars), _sorted(state.entities)


def _md2_open(state: _Md2, ch: str) -> None:
    cur = state.cur
    start = cur.i
    kind, argument = _md2_open_kind(state, ch)
    if kind is None:
        return
    byte_offset = _byte_offset(cur.text, start)
    state.stack.append(
        _OpenMark(kind, argument, state.out.utf16, byte_offset, len(state.out.chars))
    )


def _md2_open_kind(state: _Md2, ch: str) -> tuple[str | None, str]:
    """The entity an opening character starts; advances over multi-character markers."""
    cur = state.cur
    simple = {"*": "bold", "~": "strikethrough", "[": "text_link"}
    if ch in simple:
        return simple[ch], ""
    if ch == "_":
        if cur.at(1) == "_":
            cur.i += 1
            return "underline", ""
        return "italic", ""
    if ch == "|" and cur.at(1) == "|":
        cur.i += 1
        return "spoiler", ""
    if ch == "!" and cur.at(1) == "[":
        cur.i += 1
        return "custom_emoji", ""
    if ch == "`":
        return _md2_open_code(cur)
    if ch == "\n":
        return _md2_newline(state), ""
    if ch == ">" and cur.i == 0:
        state.blockquote = True
        return "blockquote", ""
    raise _reserved_error(ch)


def _md2_open_code(cur: _Cursor) -> tuple[str | None, str]:
    if not (cur.at(1) == "`" and cur.at(2) == "`"):
        return "code", ""
    cur.i += 3
    end = cur.i
    while not _is_space(cur.text[end] if end < len(cur.text) else "\0") and cur.text[end] != "`":
        end += 1
    language = ""
    if end != cur.i and end < len(cur.text) and cur.text[end] != "`":
        language = cur.text[cur.i : end]
        cur.i = end
    if cur.at() in "\n\r":
        pair = cur.at(1) in "\n\r" and cur.at() != cur.at(1)
        cur.i += 2 if pair else 1
    cur.i -= 1
    return "pre", language


def _md2_newline(state: _Md2) -> str | None:
    cur = state.cur
    state.out.add("\n")
    if cur.at(1) == ">":
        cur.i += 1
        if not state.blockquote:
            state.blockquote = True
            return "blockquote"
    return None


def _md2_close(state: _Md2, ch: str) -> None:
    cur = state.cur
    mark = state.stack[-1]
    if ch == "\n" and mark.type != "blockquote":
        raise _end_error(mark)
    skip = state.out.utf16 == mark.offset
    extra: Entity = {}
    if mark.type in ("underline", "spoiler"):
        cur.i += 1
    elif mark.type == "pre":
        cur.i += 2
        if mark.argument:
            extra["language"] = mark.argument
    elif mark.type == "text_link":
        link = _md2_link(state, mark)
        skip = skip or link is None
        extra = link or {}
    elif mark.type == "custom_emoji":
        extra = {"custom_emoji_id": _md2_emoji_id(state)}
    elif mark.type == "blockquote":
        state.blockquote = False
        state.out.add(ch)
    if not skip:
        length = state.out.utf16 - mark.offset
        entity = {"type": mark.type, "offset": mark.offset, "length": length, **extra}
        state.entities.append(entity)
    state.stack.pop()


def _md2_url(cur: _Cursor, what: str) -> str:
    """The `(url)` after a link's `]`; the cursor ends on the `)`."""
    cur.i += 2
    begin = cur.i
    chars: list[str] = []
    while cur.i < len(cur.text) and cur.at() != ")":
        if cur.at() == "\\" and "\0" < cur.at(1) <= "~":
            chars.append(cur.at(1))
            cur.i += 2
            continue
        chars.append(cur.at())
        cur.i += 1
    if cur.at() != ")":
        msg = f"Can't find end of {what} at byte offset {_byte_offset(cur.text, begin)}"
        raise EntityParseError(msg)
    return "".join(chars)


def _md2_link(state: _Md2, mark: _OpenMark) -> Entity | None:
    cur = state.cur
    url = state.out.since(mark.position) if cur.at(1) != "(" else _md2_url(cur, "a URL")
    return _link_entity(url, {})


def _md2_emoji_id(state: _Md2) -> str:
    cur = state.cur
    if cur.at(1) != "(":
        msg = "Custom emoji entity must contain a tg://emoji URL"
        raise EntityParseError(msg)
    url = _md2_url(cur, "a custom emoji URL")
    match = re.match(r"^tg://emoji\?id=([0-9]+)$", url)
    if not match or int(match.group(1)) == 0:
        msg = "Invalid custom emoji identifier specified"
        raise EntityParseError(msg)
    return match.group(1)


def _md2_finish(state: _Md2) -> None:
    if state.blockquote and state.stack and state.stack[-1].type == "blockquote":
        mark = state.stack.pop()
        length = state.out.utf16 - mark.offset
        if length:
            state.entities.append({"type": "blockquote", "offset": mark.offset, "length": length})
    if state.stack:
        raise _end_error(state.stack[-1])


# --------------------------------------------------------------- legacy Markdown


def parse_markdown(text: str) -> tuple[str, list[Entity]]:
    """Legacy Markdown: `*bold*`, `_italic_`, `` `code` ``, ```` ```pre``` ````, `[text](url)`.

    No nesting; a backslash escapes the four markers outside entities.
    """
    cur = _Cursor(text)
    out = _Out()
    entities: list[Entity] = []
    while cur.i < len(text):
        ch = text[cur.i]
        if ch == "\\" and cur.at(1) in "_*`[":
            out.add(cur.at(1))
            cur.i += 2
        elif ch in "_*`[":
            entity = _md1_entity(cur, out)
            if entity is not None:
                entities.append(entity)
        else:
            out.add(ch)
            cur.i += 1
    return "".join(out.chars), _sorted(entities)


def _md1_entity(cur: _Cursor, out: _Out) -> Entity | None:
    begin = cur.i
    ch = cur.at()
    is_pre = ch == "`" and cur.at(1) == "`" and cur.at(2) == "`"
    marker = "```" if is_pre else {"[": "]"}.get(ch, ch)
    cur.i += len(marker) if is_pre else 1
    end = cur.text.find(marker, cur.i)
    if end < 0:
        msg = (
            f"Can't find end of the entity starting at byte offset {_byte_offset(cur.text, begin)}"
        )
        raise EntityParseError(msg)
    inner = cur.text[cur.i : end]
    cur.i = end + len(marker)
    language = ""
    if (
        is_pre
        and "\n" in inner
        and inner.split("\n", 1)[0].strip()
        and " " not in inner.split("\n", 1)[0]
    ):
        language, inner = inner.split("\n", 1)
    offset = out.utf16
    out.add(inner)
    if not inner:
        return None
    base: Entity = {"offset": offset, "length": utf16_len(inner)}
    if ch == "[":
        return _md1_link(cur, inner, base)
    kinds = {"*": "bold", "_": "italic", "`": "pre" if is_pre else "code"}
    entity: Entity = {"type": kinds[ch], **base}
    if language:
        entity["language"] = language
    return entity


def _md1_link(cur: _Cursor, inner: str, base: Entity) -> Entity | None:
    if cur.at() != "(":
        return _link_entity(inner, base)
    end = cur.text.find(")", cur.i)
    if end < 0:
        msg = f"Can't find end of a URL at byte offset {_byte_offset(cur.text, cur.i)}"
        raise EntityParseError(msg)
    url = cur.text[cur.i + 1 : end]
    cur.i = end + 1
    return _link_entity(url, base)


# ------------------------------------------------------------------- detection

_COMMAND_RE = re.compile(r"/([A-Za-z0-9_]{1,64})(@[A-Za-z0-9_]{3,32})?")
_MENTION_RE = re.compile(r"@[A-Za-z0-9_]{5,32}")
_HASHTAG_RE = re.compile(r"#\w*[^\W\d_]\w*")
_URL_RE = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)\]']", re.IGNORECASE)


def _word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _bounded(text: str, start: int, end: int, extra: str = "") -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not (_word_char(before) or before in extra) and not (_word_char(after) or after in extra)


def auto_entities(text: str) -> list[Entity]:
    """Entities Telegram finds without markup: bot commands, mentions, hashtags, links."""
    found: list[tuple[int, int, str]] = []
    for match in _COMMAND_RE.finditer(text):
        if _bounded(text, match.start(), match.end(), "/<>"):
            found.append((match.start(), match.end(), "bot_command"))
    for regex, kind in ((_MENTION_RE, "mention"), (_HASHTAG_RE, "hashtag"), (_URL_RE, "url")):
        for match in regex.finditer(text):
            if kind == "url" or _bounded(text, match.start(), match.end()):
                found.append((match.start(), match.end(), kind))
    entities = [
        {
            "type": kind,
            "offset": utf16_len(text[:start]),
            "length": utf16_len(text[start:end]),
        }
        for start, end, kind in found
    ]
    return _drop_overlaps(_sorted(entities))


def _drop_overlaps(entities: list[Entity], keep: list[Entity] | None = None) -> list[Entity]:
    taken = list(keep or [])
    result: list[Entity] = []
    for entity in entities:
        start, end = entity["offset"], entity["offset"] + entity["length"]
        if any(start < t["offset"] + t["length"] and t["offset"] < end for t in taken):
            continue
        taken.append(entity)
        result.append(entity)
    return result


def _sorted(entities: list[Entity]) -> list[Entity]:
    return sorted(entities, key=lambda e: (e["offset"], -e["length"]))


# -------------------------------------------------------------------- entry point

_PARSERS = {"html": parse_html, "markdownv2": parse_markdown_v2, "markdown": parse_markdown}


def _strip(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Trim surrounding whitespace as Telegram does, moving and clipping the entities."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    shift = utf16_len(text[: len(text) - len(text.lstrip())])
    limit = utf16_len(stripped)
    kept: list[Entity] = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, limit)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return stripped, kept


def _explicit_entities(raw: Any) -> list[Entity]:
    """Entities passed as JSON instead of a parse_mode, checked for shape."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        return []
    entities: list[Entity] = []
    for item in raw:
        ok = isinstance(item, dict) and isinstance(item.get("type"), str)
        ok = ok and isinstance(item.get("offset"), int) and isinstance(item.get("length"), int)
        if not ok:
            raise bad_request(
                "can't parse MessageEntity: expected an Object with type, offset, length"
            )
        entities.append(dict(item))
    return _sorted(entities)


def format_text(text: str, parse_mode: str, raw_entities: Any) -> tuple[str, list[Entity]]:
    """Text and entities as Telegram stores them: parsed, trimmed, auto-detected.

    Raises the Bot API refusal for an unknown parse_mode or unparsable markup; the caller
    checks emptiness and length, whose wording depends on the method.
    """
    mode = parse_mode.strip().lower()
    if mode and mode != "none":
        parser = _PARSERS.get(mode)
        if parser is None:
            raise bad_request(UNSUPPORTED_PARSE_MODE)
        try:
            plain, entities = parser(text)
        except EntityParseError as exc:
            raise bad_request(f"can't parse entities: {exc}") from None
    else:
        plain, entities = text, _explicit_entities(raw_entities)
    plain, entities = _strip(plain, entities)
    detected = _drop_overlaps(auto_entities(plain), keep=entities)
    return plain, _sorted(entities + detected)


def check_length(text: str, limit: int, what: str) -> None:
    """The Bot API counts characters after entity parsing."""
    if len(text) > limit:
        raise bad_request(what)


def is_api_error(exc: BaseException) -> bool:
    """Whether an exception is a Bot API refusal (handy for callers that log)."""
    return isinstance(exc, ApiError)
