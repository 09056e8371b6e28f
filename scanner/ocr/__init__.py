"""OCR stage: one small `OcrEngine` interface; back ends are imported only when chosen."""

from .base import OcrChar, OcrEngine, OcrLine, create_engine

__all__ = ["OcrChar", "OcrEngine", "OcrLine", "create_engine"]
