"""Review before lookup: a person sees what OCR read, corrects it, and only then verifies.

`session` is the pure logic (a correction gives a new record and an audit entry, the OCR reading is
kept), `desk` holds certificates under review and writes the reviewed and audit files, `web` is the
local web page (`views` the JSON it shows, `retake` the advice on a photo taken at the wall, `lan` the
links and QR codes for a phone) and `terminal` the step-through in a terminal. `official` prepares
the national query and compares what it showed, `evidence` renders the sheet for an escalation, and
`pictures` finds and flattens the picture behind a record.
"""

from .session import Action, AuditEntry, ReviewedRecord, ready_for_lookup, tidy

__all__ = ["Action", "AuditEntry", "ReviewedRecord", "ready_for_lookup", "tidy"]
