"""The printed labels as extraction finds them in a row of text: exact, or with one character misread.

The label table itself (field → printed labels and their variants) is `scanner.labels`; this module
turns it into the one regular expression that cuts a row at its labels.
"""

from __future__ import annotations

import re

from ..fields import FieldKey
from ..labels import PRINTED_LABELS

# Printed label variants per field (the table in scanner.labels). Longer variants are tried first,
# so 主要执业机构 wins over 执业机构.
LABELS: dict[FieldKey, tuple[str, ...]] = PRINTED_LABELS

_LABEL_OF: dict[str, FieldKey] = {v: k for k, vs in LABELS.items() for v in vs}


def _one_slip_patterns() -> dict[str, FieldKey]:
    """Labels of four or more characters with any one character misread (执业类制 for 执业类别).

    A pattern that two fields' labels share (执业?别: 执业类别 and 执业级别) is dropped: it would
    not say which field follows.
    """
    owners: dict[str, set[FieldKey]] = {}
    for label, key in _LABEL_OF.items():
        if len(label) < 4:
            continue
        for i in range(len(label)):
            pattern = re.escape(label[:i]) + "[\u4e00-\u9fff]" + re.escape(label[i + 1 :])
            owners.setdefault(pattern, set()).add(key)
    return {p: next(iter(keys)) for p, keys in owners.items() if len(keys) == 1}


_SLIP_OF = _one_slip_patterns()
# Exact labels first (longest first), then the one-slip forms: at one position an exact label wins.
_LABEL_RE = re.compile(
    "|".join(
        [f"(?P<x{i}>{re.escape(v)})" for i, v in enumerate(sorted(_LABEL_OF, key=len, reverse=True))]
        + [f"(?P<s{i}>{p})" for i, p in enumerate(sorted(_SLIP_OF, key=len, reverse=True))]
    )
)
_GROUP_KEY: dict[str, FieldKey] = {
    **{f"x{i}": _LABEL_OF[v] for i, v in enumerate(sorted(_LABEL_OF, key=len, reverse=True))},
    **{f"s{i}": _SLIP_OF[p] for i, p in enumerate(sorted(_SLIP_OF, key=len, reverse=True))},
}
