"""Extraction stage: OCR lines → labelled certificate fields, anchored on the printed labels.

The certificate is read the way a person reads it: find the labels (姓名, 身份证号 ...), take the text
that follows each label on its row, let long values wrap onto the next row, and find the certificate
code wherever it is printed. Nothing here depends on one layout: rows are rebuilt from the text boxes
in a frame turned by the page's own skew, so label and value may sit in one OCR box or in several.

Parsing is lenient (dates in any printed form, ID numbers with letters OCR confuses for digits) and
every repair is flagged, so a changed value is always reviewed.

The modules, in the order a page goes through them:

- `labels`: the printed labels of each form (`TABLES`: the current layout's are `scanner.labels`;
  the old booklet, the 资格证书, the 职称 and the ID card change what differs), each as one regular
  expression with the forms that have one character misread.
- `documents`: which document a page shows and, for a practising certificate, its layout, weighed
  from titles, preambles and labels (`identify`); the change pages are `changes`.
- `forms`: what values and characters look like (lengths, complete endings, OCR's character slips).
- `layout`: tokens, rows, and runs cut at the labels; values found off their row, and wraps.
- `repair`: labels cut short or misread, found again (`LABEL_REPAIRS`, an ordered table).
- `parse`: the value parsers (`PARSERS`) and the field result built from a value's characters.
- `finders`: values whose label was not read (`FINDERS`, an ordered table of named rules).
- `driver`: `read_layout` and `extract_fields`, which apply the two tables in order.
- `probes`: where to look again for a value whose label was read but whose text was not.
"""

from __future__ import annotations

from ..fields import CODE_LENGTH, ID_LENGTH
from .documents import MARKERS, Identified, Marker, identify, layout_from_changes
from .driver import Layout, extract_fields, labelled_values, read_layout
from .finders import FINDERS, Reading, Rule
from .forms import NAME_DOT_CHARS, SELF_EVIDENT, WRAPPING, cut_short
from .labels import CURRENT_TABLE, LABELS, TABLES, Form, LabelTable
from .layout import (
    Row,
    Run,
    Token,
    attach_neighbours,
    build_rows,
    cover_values,
    page_skew,
    simplified,
    split_row,
    tokens_of,
)
from .parse import (
    PARSERS,
    Parsed,
    name_char,
    parse_category,
    parse_code,
    parse_date,
    parse_id_number,
    parse_level,
    parse_name,
    parse_qualification_code,
    parse_scope,
    parse_sex,
    parse_text,
    repair_id_number,
)
from .probes import Probe, value_probes
from .repair import (
    LABEL_REPAIRS,
    LabelRepair,
    recover_bare_labels,
    recover_cut_labels,
    recover_misread_labels,
)

__all__ = [
    "CODE_LENGTH",
    "CURRENT_TABLE",
    "FINDERS",
    "ID_LENGTH",
    "LABELS",
    "LABEL_REPAIRS",
    "MARKERS",
    "NAME_DOT_CHARS",
    "PARSERS",
    "SELF_EVIDENT",
    "TABLES",
    "WRAPPING",
    "Form",
    "Identified",
    "LabelRepair",
    "LabelTable",
    "Layout",
    "Marker",
    "Parsed",
    "Probe",
    "Reading",
    "Row",
    "Rule",
    "Run",
    "Token",
    "attach_neighbours",
    "build_rows",
    "cover_values",
    "cut_short",
    "extract_fields",
    "identify",
    "labelled_values",
    "layout_from_changes",
    "name_char",
    "page_skew",
    "parse_category",
    "parse_code",
    "parse_date",
    "parse_id_number",
    "parse_level",
    "parse_name",
    "parse_qualification_code",
    "parse_scope",
    "parse_sex",
    "parse_text",
    "read_layout",
    "recover_bare_labels",
    "recover_cut_labels",
    "recover_misread_labels",
    "repair_id_number",
    "simplified",
    "split_row",
    "tokens_of",
    "value_probes",
]
