"""Normalization stage: institution names, issuing authorities and closed vocabularies onto one form.

People, HR rosters and OCR write one institution many ways (重医附一院, 重庆医科大学第一附属医院,
重庆医科大学附属第一医阮); lookup and comparison only work once these meet on the official name. A
wrong normalization is worse than none: mapping 重医附一院 to the 附二院 would turn a genuine
certificate into a "mismatch". So every normalizer here either returns a value it is sure of, or
returns None with the candidates it considered, so a person decides.

The institution matcher tries, in order: the exact official name; a known alias or former name; the
generic rules by which Chinese institution names are shortened (head characters of each segment,
重庆市 dropped before a district, 附属第N医院 = 第N附属医院, campuses and bracketed co-names dropped,
old county names → today's district); the same keys with characters OCR confuses folded together;
then fuzzy matching that refuses a different number (第一/第二), district or kind (人民医院/中医院).
A character misread for one of like shape (设/没, 黔/默: judged from how characters are built, see
`lookalike`) is no such difference, except in a number.

All reference data (gazetteer, districts, naming words, OCR confusions, authority names, places
outside Chongqing) lives in `scanner/data/` with its sources in `scanner/data/README.md`. Users add
institutions with CSV files of the gazetteer's columns, passed in or dropped into
`$CERTSCAN_CONFIG_DIR/institutions/` (default `~/.config/certscan/institutions/`).

The modules, in the order a name passes through them:

- `data`: reading the reference tables in `scanner/data/`.
- `text`: `clean` and `fold`, the text rules every normalizer shares.
- `places`: Chongqing's districts and counties, and places elsewhere in China.
- `keys`: the naming rules and `institution_key` (the canonical key of a name).
- `abbreviations`: the shortened forms of a key (重医附一院).
- `shapes`: what must agree for two names to be one institution; `one_edit`.
- `gazetteer`: institution rows, the bundled list, and the users' CSVs (read at the edge: the CLI
  loads them with `load_user_institutions` and passes the rows to the matcher).
- `results`: match records (`Method`, `Unsure`, `Candidate`, `InstitutionMatch`) and the scores.
- `institutions`: `InstitutionMatcher`.
- `vocabulary`: 医师级别, 执业类别, 执业范围.
- `authorities`: 发证机关 and its closed list.
"""

from __future__ import annotations

from .abbreviations import MAX_ABBREVIATIONS, abbreviations
from .authorities import (
    AUTHORITY_REPAIR_EDITS,
    AuthorityMatch,
    authority_forms,
    checked_authority,
    national_issuer,
    normalize_authority,
    organ_names,
    same_authority,
)
from .gazetteer import (
    Institution,
    bundled_gazetteer,
    config_dir,
    load_user_institutions,
    merge_institutions,
    parse_institutions,
    read_institutions,
    user_institution_files,
)
from .institutions import FUZZY_MARGIN, SURE_THRESHOLD, InstitutionMatcher
from .keys import NameWord, institution_key, name_words, split_branch
from .places import District, chongqing_districts, districts, place_names, restored_place
from .results import (
    CANDIDATE_CUTOFF,
    FUZZY_SCALE,
    MAX_CANDIDATES,
    SCORE_ALIAS,
    SCORE_BRANCH,
    SCORE_EXACT,
    SCORE_OCR,
    SCORE_RULE,
    Candidate,
    InstitutionMatch,
    Method,
    Resolution,
    Unsure,
)
from .shapes import (
    LONG_NAME,
    ONE_EDIT_MIN_LENGTH,
    SCORE_ONE_EDIT,
    SHORT_ALIKE_LENGTH,
    NameShape,
    Reach,
    compatible,
    named_district,
    one_edit,
    shape,
)
from .text import clean, fold
from .vocabulary import VocabMatch, normalize_category, normalize_level, normalize_scope

__all__ = [
    "AUTHORITY_REPAIR_EDITS",
    "CANDIDATE_CUTOFF",
    "FUZZY_MARGIN",
    "FUZZY_SCALE",
    "LONG_NAME",
    "MAX_ABBREVIATIONS",
    "MAX_CANDIDATES",
    "ONE_EDIT_MIN_LENGTH",
    "SCORE_ALIAS",
    "SCORE_BRANCH",
    "SCORE_EXACT",
    "SCORE_OCR",
    "SCORE_ONE_EDIT",
    "SCORE_RULE",
    "SHORT_ALIKE_LENGTH",
    "SURE_THRESHOLD",
    "AuthorityMatch",
    "Candidate",
    "District",
    "Institution",
    "InstitutionMatch",
    "InstitutionMatcher",
    "Method",
    "NameShape",
    "NameWord",
    "Reach",
    "Resolution",
    "Unsure",
    "VocabMatch",
    "abbreviations",
    "authority_forms",
    "bundled_gazetteer",
    "checked_authority",
    "chongqing_districts",
    "clean",
    "compatible",
    "config_dir",
    "districts",
    "fold",
    "institution_key",
    "load_user_institutions",
    "merge_institutions",
    "name_words",
    "named_district",
    "national_issuer",
    "normalize_authority",
    "normalize_category",
    "normalize_level",
    "normalize_scope",
    "one_edit",
    "organ_names",
    "parse_institutions",
    "place_names",
    "read_institutions",
    "restored_place",
    "same_authority",
    "shape",
    "split_branch",
    "user_institution_files",
]
