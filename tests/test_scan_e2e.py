"""End to end on generated certificate images: pixels in, checked records out."""

from __future__ import annotations

import pytest
from helpers import right_fields_without_silent_errors

from scanner.fields import FieldKey
from scanner.pipeline import Scanner
from scanner.report import to_json_line

pytestmark = pytest.mark.slow


def test_generated_certificates_are_read_with_no_silent_errors(samples, scanner):
    right, total = right_fields_without_silent_errors(
        (s.image.name, scanner.scan_file(s.image), s.truth) for s in samples
    )
    assert right / total >= 0.95, f"{right}/{total} fields right"


def test_every_value_read_comes_with_its_box(samples, scanner):
    record = scanner.scan_file(samples[0].image)
    for key in FieldKey:
        field = record.fields[key]
        if field.value is not None:
            assert field.box is not None
            assert 0 <= field.box.x0 < field.box.x1 and 0 <= field.box.y0 < field.box.y1


def test_results_do_not_depend_on_what_the_scanner_read_before(samples, scanner):
    # RapidOCR keeps call switches as state; reading one image must not change how the next is read.
    for sample in samples[:3]:
        scanner.scan_file(sample.image)
    last = samples[3].image
    assert to_json_line(scanner.scan_file(last)) == to_json_line(Scanner().scan_file(last))


def test_a_path_given_as_text_is_read_like_a_path(samples, scanner):
    # From Python a path often comes as text: it is read, not reported as an internal error.
    image = samples[0].image
    record = scanner.scan_file(str(image))
    assert record.error is None and record.file == str(image)
    assert to_json_line(record) == to_json_line(scanner.scan_file(image))
