"""The default engine: PaddleOCR's PP-OCR models run by RapidOCR on ONNX Runtime, fully offline.

The `rapidocr` wheel ships the PP-OCRv6 detection and recognition models, so nothing is downloaded.
Every model path is passed explicitly, which keeps RapidOCR away from its download code entirely.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache, partial
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from ..config import ScanConfig
from ..errors import ModelError
from ..text import file_sha256
from .base import OcrChar, OcrLine, Point, Quad, ctc_steps, quad_bounds, spread_chars

BUNDLED_DET = "PP-OCRv6_det_small.onnx"
BUNDLED_REC = "PP-OCRv6_rec_small.onnx"
# The text-line direction classifier (0° or 180°) that tells an upside-down page.
BUNDLED_CLS = "ch_ppocr_mobile_v2.0_cls_mobile.onnx"


def bundled_models_dir() -> Path:
    """The folder inside the installed `rapidocr` wheel that holds its ONNX models."""
    import rapidocr

    return Path(rapidocr.__file__).resolve().parent / "models"


@cache
def model_sha256(path: Path) -> str:
    """SHA-256 of a model file, so outputs record exactly which weights read them (once a process)."""
    return file_sha256(path)


def _model_has_keys(path: Path) -> bool:
    """Whether a recognition model carries its character dictionary in its metadata."""
    import onnxruntime as ort

    try:
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises several unrelated types for a bad file
        raise ModelError(f"Cannot load recognition model {path}: {exc}") from exc
    return "character" in session.get_modelmeta().custom_metadata_map


class RapidOcrEngine:
    """PP-OCR detection + recognition through RapidOCR, with per-character confidences."""

    def __init__(self, config: ScanConfig) -> None:
        try:
            from rapidocr import RapidOCR
        except ImportError as exc:  # pragma: no cover - rapidocr is a core dependency
            raise ModelError("The rapidocr package is not installed: pip install rapidocr") from exc

        bundled = bundled_models_dir()
        self.det_path = Path(config.det_model or bundled / BUNDLED_DET)
        self.rec_path = Path(config.rec_model or bundled / BUNDLED_REC)
        self.cls_path = bundled / BUNDLED_CLS
        for path in (self.det_path, self.rec_path, self.cls_path):
            if not path.is_file():
                raise ModelError(f"OCR model not found: {path}")
        params: dict[str, Any] = {
            "Global.log_level": "error",
            "Global.use_cls": False,
            "Global.max_side_len": config.max_side,
            "Det.model_path": str(self.det_path),
            **({"Det.limit_type": "max", "Det.limit_side_len": config.det_side} if config.det_side else {}),
            "Rec.model_path": str(self.rec_path),
            "Cls.model_path": str(self.cls_path),
            "EngineConfig.onnxruntime.intra_op_num_threads": config.threads or -1,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1 if config.threads else -1,
        }
        if config.rec_keys is not None:
            params["Rec.rec_keys_path"] = str(config.rec_keys)
        elif config.rec_model is not None and not _model_has_keys(self.rec_path):
            raise ModelError(
                f"Recognition model {self.rec_path} has no character list inside; "
                "pass its keys file with --rec-keys."
            )
        self._engine = RapidOCR(params=params)
        self._rec_keys = config.rec_keys
        self._tabled = False

    def _table_once(self) -> None:
        """Make RapidOCR's own text detector (loaded at first use) normalize pixels by table
        (`tabled_detector`), before anything stands in for it (`_detector`)."""
        if self._tabled:
            return
        self._tabled = True
        load = getattr(self._engine, "_load_det_model", None)
        if load is not None:
            tabled_detector(load())

    @contextmanager
    def _detector(self, replace: Callable[[Any], Any] | None) -> Iterator[None]:
        """RapidOCR detects text and crops the lines from the one image it is given; for the length
        of the block its detector is `replace` of it (RapidOCR has no public switch for this)."""
        self._table_once()
        engine: Any = self._engine
        load = getattr(engine, "_load_det_model", None)
        if replace is None or load is None or not hasattr(engine, "text_det"):
            # Another RapidOCR release without these internals: text is looked for as before.
            yield
            return
        detector = load()
        engine.text_det = replace(detector)
        try:
            yield
        finally:
            engine.text_det = detector

    def describe(self) -> dict[str, Any]:
        """Engine and model identities (file name and SHA-256)."""
        out: dict[str, Any] = {
            "engine": "rapidocr",
            "det_model": self.det_path.name,
            "det_sha256": model_sha256(self.det_path),
            "rec_model": self.rec_path.name,
            "rec_sha256": model_sha256(self.rec_path),
            "cls_model": self.cls_path.name,
            "cls_sha256": model_sha256(self.cls_path),
        }
        if self._rec_keys is not None:
            out["rec_keys"] = Path(self._rec_keys).name
        return out

    def read(
        self,
        image: np.ndarray,
        detect_view: Callable[[np.ndarray], np.ndarray] | None = None,
        found: Sequence[Quad] | None = None,
    ) -> list[OcrLine]:
        """OCR an RGB image; lines come back in the engine's reading order. With `detect_view`,
        text is looked for in that view of the image and read from the image itself; with `found`,
        the text lines are those quads (in the image's pixels) and no text is looked for."""
        bgr = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
        replace: Callable[[Any], Any] | None = None
        if found is not None:
            replace = partial(_Detected, found=found, shape=image.shape[:2])
        elif detect_view is not None:
            replace = partial(_DetectingIn, view=detect_view)
        with self._detector(replace):
            # RapidOCR keeps per-call switches as instance state: state every one on every call.
            result: Any = self._engine(bgr, use_det=True, use_cls=False, use_rec=True, return_word_box=True)
        boxes = getattr(result, "boxes", None)
        if boxes is None or result.txts is None:
            return []
        words = list(result.word_results or ())
        lines: list[OcrLine] = []
        w = 0
        for quad, text, score in zip(boxes, result.txts, result.scores, strict=True):
            quad_t = tuple((float(x), float(y)) for x, y in quad)
            chars: tuple[OcrChar, ...] = ()
            # RapidOCR drops empty word lists when filtering, so pair words with lines by text.
            if w < len(words) and _word_text(words[w]) == str(text).replace(" ", ""):
                chars = _chars_from_words(words[w])
                w += 1
            if not chars:
                chars = spread_chars([(c, float(score)) for c in str(text)], quad_bounds(quad_t))
            lines.append(OcrLine(str(text), float(score), quad_t, chars))  # type: ignore[arg-type]
        return lines

    def detect(self, image: np.ndarray) -> list[tuple[Point, Point, Point, Point]]:
        """Text detection only, on an RGB image."""
        bgr = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
        self._table_once()
        result: Any = self._engine(bgr, use_det=True, use_cls=False, use_rec=False, return_word_box=False)
        boxes = getattr(result, "boxes", None)
        if boxes is None:
            return []
        return [tuple((float(x), float(y)) for x, y in quad) for quad in boxes]  # type: ignore[misc]

    def upside_down(self, crops: Sequence[np.ndarray]) -> list[float]:
        """PaddleOCR's text-line direction classifier (0° or 180°), bundled in the wheel.

        All crops go to the classifier in one call: it scales and pads each crop to its own fixed
        input on its own, so a crop is classified alike alone or beside others."""
        if not crops:
            return []
        engine: Any = self._engine
        bgr = [cv2.cvtColor(crop, cv2.COLOR_RGB2BGR) for crop in crops]
        classify = getattr(engine, "_load_cls_model", None)
        prepare = getattr(engine, "preprocess_img", None)
        if classify is None or prepare is None or not hasattr(engine, "load_img"):
            # Another RapidOCR release without these internals: one call per crop.
            return [self._upside_down_alone(crop) for crop in bgr]
        # What RapidOCR does to an image before classifying it alone.
        result: Any = classify()([prepare(engine.load_img(image))[0] for image in bgr])
        return [_upside_down_score(label, score) for label, score in result.cls_res]

    def _upside_down_alone(self, bgr: np.ndarray) -> float:
        result: Any = self._engine(bgr, use_det=False, use_cls=True, use_rec=False, return_word_box=False)
        label, score = result.cls_res[0]
        return _upside_down_score(label, score)

    def recognize(self, crop: np.ndarray) -> OcrLine | None:
        """Recognition only, on an RGB crop holding one line of text."""
        bgr = cv2.cvtColor(crop, cv2.COLOR_RGB2BGR)
        result: Any = self._engine(bgr, use_det=False, use_cls=False, use_rec=True, return_word_box=True)
        texts = getattr(result, "txts", None)
        if not texts:
            return None
        return _recognized(
            crop, texts[0], result.scores[0], result.word_results[0] if result.word_results else None
        )

    def recognize_many(self, crops: Sequence[np.ndarray]) -> list[OcrLine | None]:
        """`recognize` on each of several RGB line crops, in fewer calls of the recognizer.

        The recognizer pads every crop of a batch to the widest one's width, and padding changes
        what it reads. A crop no wider (for its height) than the recognizer's own input is padded
        to that input's width whether read alone or in a batch, so those crops are read together,
        exactly as one by one; wider crops are read alone."""
        engine: Any = self._engine
        load = getattr(engine, "_load_rec_model", None)
        prepare = getattr(engine, "preprocess_img", None)
        if load is None or prepare is None or not hasattr(engine, "load_img"):
            # Another RapidOCR release without these internals: one crop at a time.
            return [self.recognize(crop) for crop in crops]
        from rapidocr.ch_ppocr_rec.typings import TextRecInput

        rec = load()
        _, height, width = rec.rec_image_shape[:3]
        out: list[OcrLine | None] = [None] * len(crops)
        together: list[int] = []
        images: list[np.ndarray] = []
        for i, crop in enumerate(crops):
            # What RapidOCR does to an image before recognition alone (`recognize`).
            image, _ = prepare(engine.load_img(cv2.cvtColor(crop, cv2.COLOR_RGB2BGR)))
            if image.shape[1] * height <= width * image.shape[0]:
                together.append(i)
                images.append(image)
            else:
                out[i] = self.recognize(crop)
        if images:
            result: Any = rec(TextRecInput(img=images, return_word_box=True))
            for j, i in enumerate(together):
                words = result.word_results[j] if result.word_results else None
                out[i] = _recognized(crops[i], result.txts[j], result.scores[j], words)
        return out

    def step_probabilities(self, crop: np.ndarray) -> tuple[np.ndarray, Sequence[str]]:
        """The recognizer's raw output on an RGB line crop: for each CTC time step (left to right)
        the probability of every class, and the class names (class 0 is CTC's blank)."""
        # RapidOCR builds its recognizer on first use and exposes no public handle on the raw
        # per-step probabilities this needs.
        rec: Any = self._engine._load_rec_model()  # type: ignore[no-untyped-call]
        bgr = cv2.cvtColor(crop, cv2.COLOR_RGB2BGR)
        _, height, width = rec.rec_image_shape
        ratio = max(width / height, crop.shape[1] / max(crop.shape[0], 1))
        batch = rec.resize_norm_img(bgr, ratio)[np.newaxis].astype(np.float32)
        preds = np.asarray(rec.session(batch))[0]  # time steps x classes, softmax
        keys: list[str] = rec.postprocess_op.character
        return preds, keys

    def alternatives(self, crop: np.ndarray, top: int = 5) -> list[tuple[str, list[tuple[str, float]]]]:
        """Each character recognition reads in an RGB line crop, with the `top` characters the model
        weighed at that place and their probabilities (the read character first).

        What the recognizer itself finds alike: the data behind the matcher's knowledge of which
        characters this OCR confuses (see `benchmarks.confusiongen`)."""
        preds, keys = self.step_probabilities(crop)
        best = preds.argmax(axis=1)
        out: list[tuple[str, list[tuple[str, float]]]] = []
        for t in ctc_steps(best.tolist(), keys):
            order = np.argsort(preds[t])[::-1][:top]
            out.append((keys[best[t]], [(keys[j], float(preds[t, j])) for j in order if j != 0]))
        return out


def _upside_down_score(label: Any, score: Any) -> float:
    """The probability a line is upside down from the classifier's label and its confidence."""
    return float(score) if "180" in str(label) else 1.0 - float(score)


def _recognized(crop: np.ndarray, text: Any, score: Any, words: Any) -> OcrLine | None:
    """A recognition-only result on an RGB line crop as a line in the crop's pixels (None: nothing read)."""
    if not str(text).strip():
        return None
    text, score = str(text).replace(" ", ""), float(score)
    h, w = crop.shape[:2]
    quad = ((0.0, 0.0), (float(w), 0.0), (float(w), float(h)), (0.0, float(h)))
    return OcrLine(text, score, quad, _chars_from_word_info(text, score, words, w, h))


@cache
def _tabled_preprocess() -> Any:
    """RapidOCR's detector preprocessing, normalizing an 8-bit colour image by table (see
    `tabled_detector`); None for a RapidOCR release without it."""
    try:
        from rapidocr.ch_ppocr_det.utils import DetPreProcess
    except ImportError:  # pragma: no cover - another RapidOCR release
        return None

    class Tabled(DetPreProcess):
        def __init__(self, *args: Any) -> None:
            super().__init__(*args)
            every_value = np.repeat(np.arange(256, dtype=np.uint8)[None, :, None], 3, axis=2)
            self.table = np.asarray(super().normalize(every_value), dtype=np.float32)

        def normalize(self, img: np.ndarray) -> np.ndarray:
            if img.dtype != np.uint8 or img.ndim != 3 or img.shape[2] != 3:
                return np.asarray(super().normalize(img))
            return np.asarray(cv2.LUT(img, self.table))

    return Tabled


def tabled_detector(detector: Any) -> None:
    """Make a RapidOCR text detector normalize an 8-bit colour image by a table of its 256 values per
    channel, which gives exactly the values of its own arithmetic (computed on every value once)
    about ten times faster: that arithmetic runs in float64 on every pixel, about 30 ms for a page
    of 1280 by 900, and certscan detects text twice on many pictures. A RapidOCR release without
    these internals keeps its own."""
    tabled = _tabled_preprocess()
    names = ("limit_side_len", "limit_type", "mean", "std")
    if tabled is None or not all(hasattr(detector, n) for n in ("get_preprocess", *names)):
        return  # pragma: no cover - another RapidOCR release
    detector.get_preprocess = lambda: tabled(*(getattr(detector, n) for n in names))


class _Detected:
    """A RapidOCR text detector that gives text lines already found (`found`, in the pixels of an
    image of `shape`) in its own order. An image of another shape (RapidOCR padded or scaled it) is
    looked at by the detector itself."""

    def __init__(self, detector: Any, found: Sequence[Quad], shape: tuple[int, ...]) -> None:
        self._detector = detector
        self._found = found
        self._shape = tuple(shape)

    def __call__(self, image: np.ndarray) -> Any:
        from rapidocr.ch_ppocr_det.utils import TextDetOutput

        h, w = self._shape
        if tuple(image.shape[:2]) != self._shape or not self._found:
            return self._detector(image)
        # As the detector's own boxes: inside the image, whole pixels, in reading order.
        boxes = np.array(self._found, dtype=np.float64).reshape(-1, 4, 2)
        boxes[:, :, 0] = np.clip(np.round(boxes[:, :, 0]), 0, w)
        boxes[:, :, 1] = np.clip(np.round(boxes[:, :, 1]), 0, h)
        boxes = self._detector.sorted_boxes(boxes.astype(np.float32))
        return TextDetOutput(image, boxes, [1.0] * len(boxes), elapse=0.0)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._detector, name)


class _DetectingIn:
    """A RapidOCR text detector that looks at a view of the image it is given."""

    def __init__(self, detector: Any, view: Callable[[np.ndarray], np.ndarray]) -> None:
        self._detector = detector
        self._view = view

    def __call__(self, image: np.ndarray) -> Any:
        return self._detector(self._view(image))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._detector, name)


def _chars_from_word_info(text: str, score: float, info: Any, width: int, height: int) -> tuple[OcrChar, ...]:
    """Characters of a recognition-only result, placed by the CTC columns they were decoded at."""
    confs = list(getattr(info, "confs", None) or [])
    cols = [c for word in (getattr(info, "word_cols", None) or []) for c in word]
    total = float(getattr(info, "line_txt_len", 0) or 0)
    n = len(text)
    if len(confs) != n:
        confs = [score] * n
    if len(cols) != n or total <= 0:
        cols, total = [i + 0.5 for i in range(n)], float(n)
    step = width / total
    return tuple(
        OcrChar(ch, float(c), (col * step, 0.0, min((col + 1) * step, float(width)), float(height)))
        for ch, c, col in zip(text, confs, cols, strict=True)
    )


def _word_text(word_line: Any) -> str:
    return "".join(str(t) for t, _, _ in word_line).replace(" ", "")


def _chars_from_words(word_line: Any) -> tuple[OcrChar, ...]:
    """Per-character records from RapidOCR's word results ((text, score, 4-point box) tuples)."""
    chars: list[OcrChar] = []
    for text, score, pts in word_line:
        # RapidOCR groups Latin runs into words: split the word box evenly among its characters.
        box = quad_bounds([(float(x), float(y)) for x, y in pts])
        chars.extend(spread_chars([(c, float(score)) for c in str(text)], box))
    return tuple(chars)
