"""Synthetic 医师执业证书 generator: fake identities, realistic renders, scan/photo degradation.

No real certificate images are available, so every test and benchmark runs on
these renders.  ``generate`` writes a reproducible data set (JPEG + JSON truth
per image); ``python -m scanner.synth --help`` is the command-line front end.

Why the generator ships in the package, unlike the benchmarks: the tests and the
benchmarks render their inputs with it at run time (the session fixtures in
``tests/conftest.py``, ``benchmarks/*``, ``tools/golden.py``), and a user can make a
sample set with ``python -m scanner.synth`` to try certscan without real certificates.
No stage, the CLI or the review page imports it.

The modules: ``identity`` (fake people and their certificates), ``fonts``,
``style`` (typographic choices and drawing text), ``decor`` (paper, border, photo
box, seal), ``render`` (the three layouts and the flat page), ``geometry`` (where
the page lands in the picture), ``optics`` (light, glare, blur, noise, JPEG),
``backgrounds`` (wall, desk, frame), ``degrade`` (the scan, photo and hard modes,
and the legibility truth), ``line`` (one printed line alone), ``scenarios`` (verification
cases with a registry built to disagree in one known way), ``papers`` (one doctor's paperwork: the
old booklet, its change record, the 资格证书 and 职称), ``booklet`` (drawing those pages) and
``documents`` (pictures of pages, spreads and stacked spreads with SPEC-format truth;
``generate_documents``, opt-in, leaves ``generate`` unchanged).
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

# The submodule ``degrade`` stays reachable as ``scanner.synth.degrade`` (its function is
# ``scanner.synth.degrade.degrade``): re-exporting the function would shadow the module.
from . import degrade
from .degrade import MODES, DegradeResult, field_legibility
from .documents import KINDS, generate_documents, render_document
from .fonts import FontNotFoundError
from .geometry import map_box
from .identity import FIELDS, make_identity
from .render import LAYOUTS, RenderResult, render_certificate

__all__ = [
    "FIELDS",
    "KINDS",
    "LAYOUTS",
    "MODES",
    "DegradeResult",
    "FontNotFoundError",
    "RenderResult",
    "generate",
    "generate_documents",
    "item_rng",
    "make_identity",
    "map_box",
    "render_certificate",
    "render_document",
    "sample_json",
    "write_registry_csv",
]


def item_rng(seed: int, index: int, mode: str | None = None) -> random.Random:
    """Independent RNG per certificate (and per mode), so adding modes or items
    never changes the others.  String seeds are hashed stably by ``random``."""
    key = f"certscan-synth:{seed}:{index}" + (f":{mode}" if mode else "")
    return random.Random(key)


def sample_json(
    file: str,
    mode: str,
    seed: int,
    index: int,
    truth: dict[str, str],
    rendered: RenderResult,
    shot: DegradeResult,
) -> dict[str, Any]:
    """The JSON record written next to each image."""
    return {
        "file": file,
        "mode": mode,
        "seed": seed,
        "index": index,
        "fields": {k: truth[k] for k in FIELDS},
        "style": rendered.style,
        "quad": shot.quad,
        # Value boxes in the output image: axis-aligned hulls of the projected flat boxes.
        "boxes": {k: map_box(b, shot.matrix) for k, b in rendered.boxes.items()},
        "flat_boxes": rendered.boxes,
        "flat_size": list(rendered.image.size),
        "degrade": shot.params,
        # Per field, whether the value survived in the photo for any reader (see field_legibility).
        "legibility": {
            k: field_legibility(shot, rendered.boxes[k], rendered.style["printed_lines"][k]) for k in FIELDS
        },
    }


def generate(out_dir: Path, count: int, seed: int, modes: Sequence[str] = ("scan", "photo")) -> list[Path]:
    """Render ``count`` certificates in every mode into ``out_dir``; return the JSON paths.

    Files are ``{index:04d}_{mode}.jpg`` and ``.json``; the same arguments always
    produce byte-identical files.
    """
    unknown = [m for m in modes if m not in MODES]
    if unknown:
        raise ValueError(f"unknown mode(s) {', '.join(unknown)}; expected some of {', '.join(MODES)}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for index in range(count):
        rng = item_rng(seed, index)
        truth = make_identity(rng)
        rendered = render_certificate(truth, rng)
        for mode in modes:
            shot = degrade.degrade(rendered.image, item_rng(seed, index, mode), mode)
            stem = f"{index:04d}_{mode}"
            (out_dir / f"{stem}.jpg").write_bytes(shot.encoded)
            record = sample_json(f"{stem}.jpg", mode, seed, index, truth, rendered, shot)
            json_path = out_dir / f"{stem}.json"
            json_path.write_text(json.dumps(record, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
            written.append(json_path)
    return written


def write_registry_csv(truths: Sequence[dict[str, str]], path: Path, extra: Sequence[str] = ()) -> None:
    """Write truths as a UTF-8 CSV whose header is the canonical field keys (plus `extra` columns)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = [*FIELDS, *extra]
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        for truth in truths:
            writer.writerow({k: truth.get(k, "") for k in columns})
