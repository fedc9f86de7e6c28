"""The one catalogue of texts is complete and kept: what makes it the equal of gettext.

Every key in both languages with the same placeholders (a Russian text can never miss a
value the English one shows), plural forms counted right for each language, every key
the code asks for defined, markup Telegram accepts, and no user-facing sentence written
into a handler instead of the catalogue.
"""

from __future__ import annotations

import ast
import re
import string
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest

import kiebot
from kiebot.account import LANGUAGES as ACCOUNT_LANGUAGES
from kiebot.bot.account.guide import COMMANDS, menu
from kiebot.bot.texts import LANGUAGES, TEXTS, text
from kiebot.bot.texts.plurals import PLURAL_SEPARATOR, RULES, plural_form
from kiebot.catalog import Kind

PACKAGE = Path(kiebot.__file__).parent
BOT = PACKAGE / "bot"
# Telegram's HTML parse mode: the only tags it accepts.
TELEGRAM_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
    "tg-spoiler", "span", "blockquote", "tg-emoji",
}  # fmt: skip


def _fields(template: str) -> dict[str, str]:
    """Placeholder name -> format spec (the plural forms, if any)."""
    return {
        name: spec or ""
        for _, name, spec, _ in string.Formatter().parse(template)
        if name is not None
    }


def test_languages_agree() -> None:
    assert tuple(LANGUAGES) == tuple(ACCOUNT_LANGUAGES) == ("en", "ru")


@pytest.mark.parametrize("key", sorted(TEXTS))
def test_every_key_has_both_languages_and_the_same_placeholders(key: str) -> None:
    variants = TEXTS[key]
    assert set(variants) == set(LANGUAGES), f"{key}: languages {sorted(variants)}"
    assert all(variants[lang].strip() for lang in LANGUAGES), f"{key}: an empty text"
    names = {lang: set(_fields(variants[lang])) for lang in LANGUAGES}
    assert names["en"] == names["ru"], f"{key}: placeholders differ {names}"


@pytest.mark.parametrize("key", sorted(TEXTS))
def test_plural_specs_list_each_languages_forms(key: str) -> None:
    for language in LANGUAGES:
        for name, spec in _fields(TEXTS[key][language]).items():
            if PLURAL_SEPARATOR in spec:
                forms, _ = RULES[language]
                assert len(spec.split(PLURAL_SEPARATOR)) == forms, (key, language, name)


@pytest.mark.parametrize(
    ("n", "form"),
    [(0, 2), (1, 0), (2, 1), (4, 1), (5, 2), (11, 2), (12, 2), (14, 2), (21, 0), (22, 1),
     (25, 2), (101, 0), (111, 2), (112, 2), (1004, 1)],
)  # fmt: skip
def test_russian_plural_forms(n: int, form: int) -> None:
    assert (
        plural_form("ru", n, ["кредит", "кредита", "кредитов"])
        == [
            "кредит",
            "кредита",
            "кредитов",
        ][form]
    )


def test_counted_words_render_in_both_languages() -> None:
    assert text("cancel.done", "en", models="Z", price=1).endswith("1 credit.")
    assert text("cancel.done", "en", models="Z", price=3).endswith("3 credits.")
    assert text("cancel.done", "ru", models="Z", price=3).endswith("3 кредита.")
    assert text("cancel.done", "ru", models="Z", price=25).endswith("25 кредитов.")
    # Rewards and payments count their credits the same way.
    assert text("payments.thanks", "en", credits=1, balance=1).startswith(
        "✅ Payment received: +1 credit."
    )
    assert "+21 кредит." in text("payments.thanks", "ru", credits=21, balance=21)
    assert "cap of 1 credit is reached" in text(
        "spending.cap_reached", "en", cap=1, spent=1, price=1
    )
    assert "<b>2 кредита</b>" in text("low_balance.notice", "ru", balance=2)
    assert "+1 credit.\nBalance: <b>1 credit</b>." in text(
        "promo.redeemed", "en", code="X", credits=1, balance=1
    )
    assert "+3 кредита." in text("referral.bonus", "ru", bonus=3, balance=5)
    # An ordinary int spec still works beside the plural ones.
    assert "{n:+d}".format_map({"n": 5}) == "+5"


class _TagChecker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in TELEGRAM_TAGS:
            self.problems.append(f"<{tag}> is not Telegram HTML")
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open.pop() != tag:
            self.problems.append(f"</{tag}> closes nothing open")


@pytest.mark.parametrize("key", sorted(TEXTS))
def test_markup_is_telegram_html(key: str) -> None:
    for language in LANGUAGES:
        filled = re.sub(r"\{[^{}]*\}", "x", TEXTS[key][language])
        checker = _TagChecker()
        checker.feed(filled)
        checker.close()
        assert not checker.problems, (key, language, checker.problems)
        assert not checker.open, (key, language, checker.open)


# -- keys the code asks for ---------------------------------------------------------------


def _modules(root: Path) -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted(root.rglob("*.py")):
        yield path, ast.parse(path.read_text("utf-8"), str(path))


def _imports_text(tree: ast.Module) -> bool:
    return any(
        isinstance(node, ast.ImportFrom)
        and node.module == "kiebot.bot.texts"
        and any(alias.name == "text" for alias in node.names)
        for node in ast.walk(tree)
    )


def _used_keys() -> Iterator[tuple[str, str]]:
    """(where, key) for every literal key given to `text()` and every error's
    `user_message_key` in the package."""
    for path, tree in _modules(PACKAGE):
        uses_text = _imports_text(tree)
        for node in ast.walk(tree):
            where = f"{path.relative_to(PACKAGE)}:{getattr(node, 'lineno', 0)}"
            if (
                uses_text
                and isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "text"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                yield where, node.args[0].value
            if (
                isinstance(node, ast.Assign)
                and any(
                    isinstance(t, ast.Name) and t.id == "user_message_key" for t in node.targets
                )
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
            ):
                yield where, node.value.value


def test_the_scan_finds_the_keys_it_should() -> None:
    """Guards the scan itself: it sees keys used in several modules."""
    keys = {key for _, key in _used_keys()}
    assert {"history.not_found", "erase.active_jobs", "button.stale", "job.not_found"} <= keys


def test_every_key_used_in_the_code_exists() -> None:
    missing = [(where, key) for where, key in _used_keys() if key not in TEXTS]
    assert missing == []


def test_keys_built_at_run_time_exist() -> None:
    """The keys composed from a value rather than written out (not seen by the scan)."""
    composed = [f"help.kind.{kind.value}" for kind in Kind]
    composed += [f"command.{name}" for name in COMMANDS]
    composed += [f"language.name.{language}" for language in LANGUAGES]
    assert [key for key in composed if key not in TEXTS] == []


def test_command_menu_fits_telegram() -> None:
    for language in LANGUAGES:
        for command in menu(language):
            assert re.fullmatch(r"[a-z0-9_]{1,32}", command.command)
            assert 1 <= len(command.description) <= 256


# -- no user-facing literal in handlers -----------------------------------------------------

# Technical strings that look like words (parse modes), and words users may type that a
# handler parses but never shows (`/cap выкл`).
ALLOWED = {"HTML", "MarkdownV2", "Markdown", "выкл", "нет"}
_LETTER = re.compile(r"[^\W\d_]")


def _looks_user_facing(value: str) -> bool:
    """A sentence or a label: letters with a space, a capital or a non-ASCII letter.
    Keys, callback prefixes, field names and separators are lower-case ASCII without
    spaces (or have no letters at all)."""
    if value in ALLOWED or not _LETTER.search(re.sub(r"%[a-zA-Z]", "", value)):
        return False  # no letters, or only strftime directives
    return bool(re.search(r"\s", value)) or any(
        c.isupper() or (c.isalpha() and not c.isascii()) for c in value
    )


def _exempt_nodes(tree: ast.Module) -> set[int]:
    """Strings that are not shown to users: docstrings, text keys, log lines, exception
    messages (for operators and tracebacks)."""
    exempt: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                exempt.add(id(body[0].value))
        elif isinstance(node, ast.Call):
            func = node.func
            is_text = isinstance(func, ast.Name) and func.id == "text"
            is_log = (
                isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Name)
                and func.value.id == "logger"
            )
            if is_text and node.args:
                exempt.update(id(n) for n in ast.walk(node.args[0]))
            if is_log:
                exempt.update(id(n) for n in ast.walk(node))
        elif isinstance(node, ast.Raise) and node.exc is not None:
            exempt.update(id(n) for n in ast.walk(node.exc))
    return exempt


def _handler_literals() -> Iterator[tuple[str, str]]:
    for path, tree in _modules(BOT):
        if "texts" in path.relative_to(BOT).parts:
            continue
        exempt = _exempt_nodes(tree)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in exempt
                and _looks_user_facing(node.value)
            ):
                yield f"{path.relative_to(PACKAGE)}:{node.lineno}", node.value


def test_the_literal_check_catches_a_sentence() -> None:
    tree = ast.parse('async def h(m):\n    await m.answer("Your image is ready")\n')
    exempt = _exempt_nodes(tree)
    found = [
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and id(n) not in exempt and _looks_user_facing(n.value)
    ]
    assert found == ["Your image is ready"]
    assert not _looks_user_facing("history.not_found")
    assert not _looks_user_facing("hres")
    assert _looks_user_facing("Отмена")
    assert _looks_user_facing("Cancel")


def test_handlers_contain_no_user_facing_literals() -> None:
    assert list(_handler_literals()) == []
