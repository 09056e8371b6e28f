"""Report stage: records rendered for people (Chinese by default, English on request) and for
programs (JSON). The stages before it return data only; every sentence a user reads is written here.

- `reading`: one scan reading as a summary, with flags, checks and image warnings in words.
- `verification`: a verification as SPEC.md's JSON object and as a clerk's summary.
- `advice`: what a verification means and what to do next.
- `registry`: an import, a registry's counts and one entry for people.
"""

from .reading import (
    change_lines,
    check_text,
    document_text,
    flag_text,
    heading,
    layout_text,
    not_printed,
    shown_value,
    summary,
    to_json_line,
    warning_text,
    warnings_text,
)
from .registry import entry_summary, import_summary, stats_summary
from .verification import verdict_text, verification_json, verify_summary

__all__ = [
    "change_lines",
    "check_text",
    "document_text",
    "entry_summary",
    "flag_text",
    "heading",
    "import_summary",
    "layout_text",
    "not_printed",
    "shown_value",
    "stats_summary",
    "summary",
    "to_json_line",
    "verdict_text",
    "verification_json",
    "verify_summary",
    "warning_text",
    "warnings_text",
]
