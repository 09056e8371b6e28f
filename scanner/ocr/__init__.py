"""OCR stage: one small `OcrEngine` interface (`base`); back ends are imported only when chosen.

- `base`: the interface and the records every back end returns (lines, characters, boxes).
- `rapid`: RapidOCR (PP-OCR models on ONNX Runtime), the default back end.
"""

from ..config import ScanConfig
from ..errors import ConfigError
from .base import OcrChar, OcrEngine, OcrLine


def create_engine(config: ScanConfig) -> OcrEngine:
    """The engine named in `config`, importing its back end only now."""
    if config.engine == "rapidocr":
        from .rapid import RapidOcrEngine

        return RapidOcrEngine(config)
    raise ConfigError(f"Unknown OCR engine {config.engine!r}; the available one is 'rapidocr'.")


__all__ = ["OcrChar", "OcrEngine", "OcrLine", "create_engine"]
