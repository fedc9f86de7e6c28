"""What every update says about its sender: the language to answer in, and the username.

Each update carries the sender's Telegram language and username. The language the bot
speaks is their choice in /settings, else Telegram's (`account.Languages`), and it is
kept on the account for messages sent outside an update; the username is kept for the
admin console's search (`billing.Usernames`). Both change rarely, so the user middleware
asks here on every update and this answers from the two objects' caches, touching Redis
only when the process has not seen this user with this language and username: then one
script (`user_seen.lua`) reads the choice and writes what changed, where separate calls
cost four round trips for a new user (each is about 0.15 ms of the bot's CPU in
redis-py, and the chat benchmark sends 500 updates a second).

The gate every update passes first (`bot.limits`) makes a Redis call anyway, so it asks
here what this update would write (`unwritten`), has its script write it when it lets
the update through, and hands the answer back (`written`); the user middleware then
finds the sender known and makes no call of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiebot.account.language import LANGUAGES, Languages, language_from_telegram
from kiebot.billing.usernames import Usernames
from kiebot.store.keys import Keys
from kiebot.store.replies import text
from kiebot.store.scripts import Scripts


@dataclass(frozen=True, slots=True)
class SenderNote:
    """What an update says of its sender that this process has not stored yet, as the
    keys and arguments of `kb_user_seen` (`_sender.lua`) after the user hash."""

    user_id: int
    username: str | None
    keys: tuple[str, str]
    args: tuple[str, str, str, str]


class Senders:
    def __init__(
        self, keys: Keys, scripts: Scripts, languages: Languages, usernames: Usernames
    ) -> None:
        self._keys = keys
        self._scripts = scripts
        self._languages = languages
        self._usernames = usernames

    async def seen(self, user_id: int, language_code: str | None, username: str | None) -> str:
        """The language to answer this update in; the account remembers it and the name."""
        language = self._languages.known(user_id, language_code)
        if language is not None and self._usernames.known(user_id, username):
            return language
        note = self._note(user_id, language_code, username)
        reply = await self._scripts.user_seen(
            keys=[self._keys.user(user_id), *note.keys], args=list(note.args)
        )
        return self.written(note, text(reply[0]), text(reply[1]))

    def unwritten(
        self, user_id: int, language_code: str | None, username: str | None
    ) -> SenderNote | None:
        """What to write for this update's sender; None when this process knows it is
        stored (then `seen` answers from memory)."""
        language = self._languages.known(user_id, language_code)
        if language is not None and self._usernames.known(user_id, username):
            return None
        return self._note(user_id, language_code, username)

    def _note(self, user_id: int, language_code: str | None, username: str | None) -> SenderNote:
        return SenderNote(
            user_id,
            username,
            keys=(self._keys.preferences(user_id), self._keys.usernames),
            args=(language_from_telegram(language_code), username or "", str(user_id), _CHOICES),
        )

    def written(self, note: SenderNote, language: str, chosen: str) -> str:
        """Remember what a script wrote for `note` (the language in use, the user's
        choice or ''); the language."""
        self._languages.learned(note.user_id, chosen or None, language)
        self._usernames.learned(note.user_id, note.username)
        return language


_CHOICES = " ".join(LANGUAGES)
