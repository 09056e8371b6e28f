"""The same certificate photographed several times: one render, independently degraded shots.

A person at a clinic wall who retakes a photo moves a little: the reflection, the blur, the angle and
the framing change between shots while the certificate stays the same. Each shot here degrades the
one render with its own random stream (`shot_rng`), so shot 0 of a certificate is never the same
picture as shot 1, and adding shots never changes the earlier ones.

Files are ``{index:04d}_{mode}_s{shot}.jpg`` with a ``.json`` truth each (as `sample_json` writes it,
plus ``"shot"``): every shot of one certificate carries the same ``fields``.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from . import degrade, item_rng, sample_json
from .identity import make_identity
from .render import render_certificate

__all__ = ["generate_shots", "shot_rng"]


def shot_rng(seed: int, index: int, mode: str, shot: int) -> random.Random:
    """The random stream of one shot of one certificate, independent of every other shot."""
    return random.Random(f"certscan-synth:{seed}:{index}:{mode}:shot{shot}")


def generate_shots(
    out_dir: Path, count: int, seed: int, shots: int = 3, mode: str = "hard"
) -> list[list[Path]]:
    """Render `count` certificates and photograph each `shots` times in `mode` into `out_dir`.

    Returns, per certificate, the JSON truth paths of its shots in shot order. The identities and
    renders are those `scanner.synth.generate` makes for the same seed; the same arguments always
    give byte-identical files.
    """
    if mode not in degrade.MODES:
        raise ValueError(f"unknown mode {mode!r}; expected one of {', '.join(degrade.MODES)}")
    if shots < 1:
        raise ValueError("shots must be at least 1")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[list[Path]] = []
    for index in range(count):
        rng = item_rng(seed, index)
        truth = make_identity(rng)
        rendered = render_certificate(truth, rng)
        paths: list[Path] = []
        for shot in range(shots):
            picture = degrade.degrade(rendered.image, shot_rng(seed, index, mode, shot), mode)
            stem = f"{index:04d}_{mode}_s{shot}"
            (out_dir / f"{stem}.jpg").write_bytes(picture.encoded)
            sample = sample_json(f"{stem}.jpg", mode, seed, index, truth, rendered, picture)
            sample["shot"] = shot
            path = out_dir / f"{stem}.json"
            path.write_text(json.dumps(sample, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
            paths.append(path)
        written.append(paths)
    return written
