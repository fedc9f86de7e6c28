"""Texts of the surface part of the bot (see the package doc for the format)."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {}
