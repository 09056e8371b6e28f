"""Record the OCR lines of generated certificate images, for extraction tests that need no pixels.

    python tests/record_ocr.py NAME IMAGE TRUTH.json "why this case matters"

writes tests/data/ocr/NAME.json with the lines certscan's OCR stage produced (including its second
looks), the ground truth and the note. Re-record when the OCR stage changes on purpose.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from scanner.load import load_image
from scanner.pipeline import Scanner


def main() -> None:
    name, image, truth_path, note = sys.argv[1:5]
    sample = json.loads(Path(truth_path).read_text("utf-8"))
    scanner = Scanner()
    lines = scanner.read_lines(load_image(Path(image), scanner.config.max_pixels).image)
    out = {
        "note": note,
        "layout": sample.get("style", {}).get("layout"),
        "mode": sample.get("mode"),
        "truth": sample["fields"],
        "lines": [line.to_json() for line in lines],
    }
    target = Path(__file__).parent / "data" / "ocr" / f"{name}.json"
    target.write_text(json.dumps(out, ensure_ascii=False, indent=None) + "\n", "utf-8")
    print(f"wrote {target} ({len(lines)} lines)")


if __name__ == "__main__":
    main()
