"""Review before lookup: a person sees what OCR read, corrects it, and only then verifies.

`session` is the pure logic (a correction gives a new record and an audit entry, the OCR reading is
kept), `desk` holds certificates under review and writes the reviewed and audit files, `web` is the
local web page and `terminal` the step-through in a terminal.
"""

from .session import Action, AuditEntry, ReviewedRecord, ready_for_lookup, tidy

__all__ = ["Action", "AuditEntry", "ReviewedRecord", "ready_for_lookup", "tidy"]
