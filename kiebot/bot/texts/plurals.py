"""Counted words in both languages: "1 credit", "5 credits"; "1 кредит", "3 кредита", "5 кредитов".

Not a table of texts but the one formatting rule the tables need beyond `str.format`: a
number placeholder whose format spec lists the word's forms, `{price:credit|credits}` in
English (one, other) and `{price:кредит|кредита|кредитов}` in Russian (one, few, many),
renders as the number followed by the right form. This is what gettext's `ngettext`
gives, kept inside the one catalogue so that a sentence and its plural stay together and
the translator sees the whole sentence. `text()` wraps every int it is given in
`Quantity`, so callers pass plain numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

PLURAL_SEPARATOR = "|"


def _english(n: int) -> int:
    return 0 if n == 1 else 1


def _russian(n: int) -> int:
    if n % 10 == 1 and n % 100 != 11:
        return 0
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return 1
    return 2


# The CLDR cardinal rules for integers, and how many forms each language's spec lists.
RULES: dict[str, tuple[int, Callable[[int], int]]] = {
    "en": (2, _english),
    "ru": (3, _russian),
}


def plural_form(language: str, n: int, forms: Sequence[str]) -> str:
    """The form of a word for `n`; the last form if the spec lists too few."""
    _, rule = RULES.get(language, RULES["en"])
    index = rule(abs(n))
    return forms[min(index, len(forms) - 1)]


class Quantity(int):
    """An int that formats `{n:one|other}` as "n form" in its language."""

    language: str

    def __new__(cls, value: int, language: str) -> Quantity:
        quantity = super().__new__(cls, value)
        quantity.language = language
        return quantity

    def __format__(self, spec: str) -> str:
        if PLURAL_SEPARATOR not in spec:
            return int(self).__format__(spec)
        forms = spec.split(PLURAL_SEPARATOR)
        return f"{int(self)} {plural_form(self.language, int(self), forms)}"
