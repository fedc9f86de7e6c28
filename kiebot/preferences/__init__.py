"""What a user chose once and should not have to choose again."""

from kiebot.preferences.store import Preferences, UserPreferences

__all__ = ["Preferences", "UserPreferences"]
