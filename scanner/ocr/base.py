"""The OCR interface every back end implements, and the records it returns. Imports no back end:
scanner/ocr/__init__.py chooses one (`create_engine`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

Point = tuple[float, float]
Quad = tuple[Point, Point, Point, Point]


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


def spread_chars(
    chars: Sequence[tuple[str, float]], box: tuple[float, float, float, float], vertical: bool = False
) -> tuple[OcrChar, ...]:
    """Give each (text, confidence) an equal slice of `box`, left to right (or top to bottom).

    Used wherever OCR reports a run of characters with one box: a line with no character boxes, a
    Latin word, a vertical line of stacked characters.
    """
    x0, y0, x1, y1 = box
    visible = [(t, c) for t, c in chars if t.strip()]
    step = ((y1 - y0) if vertical else (x1 - x0)) / max(len(visible), 1)
    if vertical:
        return tuple(
            OcrChar(t, c, (x0, y0 + i * step, x1, y0 + (i + 1) * step)) for i, (t, c) in enumerate(visible)
        )
    return tuple(
        OcrChar(t, c, (x0 + i * step, y0, x0 + (i + 1) * step, y1)) for i, (t, c) in enumerate(visible)
    )


def ctc_steps(best: Sequence[int], keys: Sequence[str]) -> list[int]:
    """The time steps at which CTC greedy decoding emits a character, given the likeliest class of
    each step: not the blank (class 0), not a repeat of the step before, not a space."""
    return [t for t, k in enumerate(best) if k != 0 and not (t and best[t - 1] == k) and keys[k] != " "]


def quad_bounds(quad: Sequence[Point]) -> tuple[float, float, float, float]:
    """The axis-aligned box (x0, y0, x1, y1) around a quad."""
    xs = [p[0] for p in quad]
    ys = [p[1] for p in quad]
    return min(xs), min(ys), max(xs), max(ys)


class OcrEngine(Protocol):
    """Reads text lines from an RGB image."""

    def read(
        self,
        image: np.ndarray,
        detect_view: Callable[[np.ndarray], np.ndarray] | None = None,
        found: Sequence[Quad] | None = None,
    ) -> list[OcrLine]:
        """All text lines of `image` (H×W×3 uint8, RGB), with per-character confidences.

        `detect_view`, a pixel-wise transform, gives the copy of the image text is looked for in
        (stronger contrast); the lines found are read from the image itself. `found`, the quads of
        the text lines (in the image's pixels) when they were found already: none is looked for.
        """
        ...

    def recognize(self, crop: np.ndarray) -> OcrLine | None:
        """Read one text line from a crop without detection (a second look at a known place).

        The line's quad and character boxes are in the crop's coordinates.
        """
        ...

    def recognize_many(self, crops: Sequence[np.ndarray]) -> list[OcrLine | None]:
        """`recognize` on each of several crops (in fewer calls of the model where that reads
        each crop exactly as alone)."""
        ...

    def detect(self, image: np.ndarray) -> list[tuple[Point, Point, Point, Point]]:
        """Text line quads of `image` without reading them (cheap: finding the page and its turn)."""
        ...

    def upside_down(self, crops: Sequence[np.ndarray]) -> list[float]:
        """For each crop holding one horizontal line of text, the probability it is upside down."""
        ...

    def step_probabilities(self, crop: np.ndarray) -> tuple[np.ndarray, Sequence[str]]:
        """The recognizer's per-step class probabilities on a one-line crop (CTC time steps × classes,
        class 0 the blank) and the class names: what a value can be checked against when the
        words it may be are known."""
        ...

    def alternatives(self, crop: np.ndarray, top: int = 5) -> list[tuple[str, list[tuple[str, float]]]]:
        """Each character read in a one-line crop, with the `top` characters the model weighed at
        that place and their probabilities, the character read first."""
        ...

    def describe(self) -> dict[str, Any]:
        """Which engine and models are in use, recorded in every output."""
        ...
