"""The OCR interface every back end implements, and the records it returns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from ..config import ScanConfig
from ..errors import ConfigError

Point = tuple[float, float]


@dataclass(frozen=True)
class OcrChar:
    """One recognised character with its own confidence and box (x0, y0, x1, y1)."""

    text: str
    confidence: float
    box: tuple[float, float, float, float]


@dataclass(frozen=True)
class OcrLine:
    """One detected text line: its text, mean confidence, corner quad and characters."""

    text: str
    confidence: float
    quad: tuple[Point, Point, Point, Point]
    chars: tuple[OcrChar, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """A plain form, used to record OCR output for extraction tests."""
        return {
            "text": self.text,
            "confidence": round(self.confidence, 5),
            "quad": [[round(x, 1), round(y, 1)] for x, y in self.quad],
            "chars": [[c.text, round(c.confidence, 5), [round(v, 1) for v in c.box]] for c in self.chars],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OcrLine:
        """Inverse of `to_json`."""
        quad = tuple((float(x), float(y)) for x, y in data["quad"])
        chars = tuple(
            OcrChar(str(t), float(c), (float(b[0]), float(b[1]), float(b[2]), float(b[3])))
            for t, c, b in data.get("chars", [])
        )
        return cls(str(data["text"]), float(data["confidence"]), quad, chars)  # type: ignore[arg-type]


class OcrEngine(Protocol):
    """Reads text lines from an RGB image."""

    def read(self, image: np.ndarray) -> list[OcrLine]:
        """All text lines of `image` (H×W×3 uint8, RGB), with per-character confidences."""
        ...

    def recognize(self, crop: np.ndarray) -> OcrLine | None:
        """Read one text line from a crop without detection (a second look at a known place).

        The line's quad and character boxes are in the crop's coordinates.
        """
        ...

    def describe(self) -> dict[str, Any]:
        """Which engine and models are in use, recorded in every output."""
        ...


def create_engine(config: ScanConfig) -> OcrEngine:
    """The engine named in `config`, importing its back end only now."""
    if config.engine == "rapidocr":
        from .rapid import RapidOcrEngine

        return RapidOcrEngine(config)
    raise ConfigError(f"Unknown OCR engine {config.engine!r}; the available one is 'rapidocr'.")
