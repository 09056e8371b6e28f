"""Command line: ``python -m scanner.synth --out DIR --count N --seed S [--modes scan,photo]``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from . import KINDS, MODES, FontNotFoundError, generate, generate_documents, write_registry_csv

__all__ = ["generate", "main", "write_registry_csv"]


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse command-line arguments."""
    parser = argparse.ArgumentParser(
        prog="python -m scanner.synth",
        description="Render synthetic Chinese physician practising certificates with ground truth "
        "(DIR/NNNN_MODE.jpg + .json).",
    )
    parser.add_argument("--out", type=Path, required=True, help="output folder (created if missing)")
    parser.add_argument("--count", type=int, default=10, help="number of certificates (default 10)")
    parser.add_argument("--seed", type=int, default=0, help="random seed; same seed, same files (default 0)")
    parser.add_argument(
        "--modes",
        default="scan,photo",
        help=f"comma-separated degradation modes, from: {', '.join(MODES)} (default scan,photo)",
    )
    parser.add_argument("--registry", type=Path, help="also write the truths as a CSV registry here")
    parser.add_argument(
        "--documents",
        nargs="?",
        const=",".join(KINDS),
        default=None,
        help=f"render booklets and other documents instead, of these kinds (default all: {','.join(KINDS)})",
    )
    parser.add_argument(
        "--bilingual",
        action="store_true",
        help="with --documents: every doctor from an autonomous region (old booklets in two scripts)",
    )
    args = parser.parse_args(argv)
    if args.bilingual and args.documents is None:
        parser.error("--bilingual goes with --documents")
    if args.documents is not None:
        args.documents = [k.strip() for k in args.documents.split(",") if k.strip()]
        if not args.documents or any(k not in KINDS for k in args.documents):
            parser.error(f"--documents must list some of: {', '.join(KINDS)}")
        if args.registry:
            parser.error("--registry goes with certificates, not --documents")
    args.modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    unknown = [m for m in args.modes if m not in MODES]
    if unknown or not args.modes:
        parser.error(f"--modes must list some of: {', '.join(MODES)}")
    if args.count < 0:
        parser.error("--count must be zero or more")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the generator and print a one-line summary."""
    args = _parse_args(argv)
    try:
        if args.documents is not None:
            paths = generate_documents(
                args.out, args.count, args.seed, args.modes, args.documents, bilingual=args.bilingual or None
            )
            print(
                f"wrote {len(paths)} images ({args.count} documents x {len(args.modes)} modes) to {args.out}"
            )
            return 0
        paths = generate(args.out, args.count, args.seed, args.modes)
    except FontNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.registry:
        # One row per certificate: the first mode's record carries the same truth as the others.
        firsts = [p for p in paths if p.stem.endswith(f"_{args.modes[0]}")]
        truths = [json.loads(p.read_text(encoding="utf-8"))["fields"] for p in firsts]
        write_registry_csv(truths, args.registry)
    print(f"wrote {len(paths)} images ({args.count} certificates x {len(args.modes)} modes) to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
