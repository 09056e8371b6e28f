"""One typed configuration object with every default in one place."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from .errors import ConfigError


def _env_path(name: str) -> Path | None:
    value = os.environ.get(name)
    return Path(value) if value else None


# The model files a person may name, as the error messages call them (option, environment variable).
_MODEL_FILES = {
    "det_model": (
        "detection model (--det-model, CERTSCAN_DET_MODEL)",
        "检测模型（--det-model、CERTSCAN_DET_MODEL）",
    ),
    "rec_model": (
        "recognition model (--rec-model, CERTSCAN_REC_MODEL)",
        "识别模型（--rec-model、CERTSCAN_REC_MODEL）",
    ),
    "rec_keys": ("character list (--rec-keys, CERTSCAN_REC_KEYS)", "字符表（--rec-keys、CERTSCAN_REC_KEYS）"),
}


@dataclass(frozen=True)
class ScanConfig:
    """Settings of a scan. Paths left as None mean the models bundled with the `rapidocr` wheel."""

    engine: str = "rapidocr"
    det_model: Path | None = field(default_factory=lambda: _env_path("CERTSCAN_DET_MODEL"))
    rec_model: Path | None = field(default_factory=lambda: _env_path("CERTSCAN_REC_MODEL"))
    rec_keys: Path | None = field(default_factory=lambda: _env_path("CERTSCAN_REC_KEYS"))
    # ONNX Runtime threads per engine; 0 lets the runtime decide (all cores).
    threads: int = 0
    # A value read with a lower per-character confidence than this is marked for review.
    review_threshold: float = 0.93
    # A name character with a look-alike (凤/风, 己/已) needs this much: names have no check digit.
    lookalike_threshold: float = 0.995
    # Images above this many pixels are refused as decompression bombs (≈ 16k × 8k).
    max_pixels: int = 128_000_000
    # Images are scaled down to this long side before OCR; certificates need no more.
    max_side: int = 2000
    # Text detection runs on the image scaled to this long side (recognition still reads the
    # full-resolution crops); 0 keeps RapidOCR's default of detecting at full size.
    det_side: int = 1280
    # Finding the page: text detection runs on a first look at it with this long side.
    locate_side: int = 800
    # The flattened page is enlarged to at least this long side, so that small print in a
    # low-resolution photo reaches text detection at a size it finds.
    flat_min_side: int = 1280
    # "Today" for date checks; fixed in tests, the real date otherwise.
    today: dt.date = field(default_factory=dt.date.today)

    def __post_init__(self) -> None:
        for name in ("review_threshold", "lookalike_threshold"):
            if not 0.0 < getattr(self, name) <= 1.0:
                raise ConfigError(f"{name} must lie in (0, 1].", f"{name} 须大于0且不大于1。")
        if self.threads < 0:
            raise ConfigError(
                "threads must be 0 (automatic) or a positive number.", "线程数须为0（自动）或正整数。"
            )
        for name, (what, what_zh) in _MODEL_FILES.items():
            path = getattr(self, name)
            if path is None:
                continue
            if Path(path).is_dir():
                raise ConfigError(
                    f"{path} is a folder; name the {what} file itself.",
                    f"{path} 是文件夹，请指定{what_zh}文件本身。",
                )
            if not Path(path).is_file():
                raise ConfigError(f"{what} file not found: {path}", f"{what_zh}文件不存在：{path}")

    def describe(self) -> dict[str, Any]:
        """The effective values, printable as JSON."""
        out = asdict(self)
        for f in fields(self):
            value = out[f.name]
            if isinstance(value, Path | dt.date):
                out[f.name] = str(value)
        return out
