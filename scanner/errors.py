"""Domain errors: small exception types that carry their context (which file, which model)."""

from __future__ import annotations


class CertscanError(Exception):
    """Base of every error certscan reports to a user as one clear sentence, in English and, where
    given, in Chinese (`text(lang)` picks the one for the reader)."""

    def __init__(self, message: str = "", message_zh: str = "") -> None:
        super().__init__(message)
        self.message_zh = message_zh or message

    def text(self, lang: str = "zh") -> str:
        """The sentence in the reader's language (Chinese unless `lang` is "en")."""
        return str(self) if lang == "en" else self.message_zh


class InputError(CertscanError):
    """An input file that cannot be read as a certificate image."""

    def __init__(self, path: str, reason: str, reason_zh: str = "") -> None:
        self.path = path
        self.reason = reason
        # The same sentence for people reading Chinese (summaries, reports).
        self.reason_zh = reason_zh or reason
        super().__init__(f"{path}: {reason}", f"{path}：{self.reason_zh}")


class ModelError(CertscanError):
    """An OCR model that is missing, unreadable or incomplete."""


class ConfigError(CertscanError):
    """A configuration value that cannot be used."""
