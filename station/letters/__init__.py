"""Letters: types as data, eligibility, field validation, numbering, rendering to a Document.

Pure and database-free; the issuing transaction (sequence, storage, audit, effects) lives in
the database layer and calls these functions.
"""

from station.letters.catalogue import Catalogue, LetterType, load_catalogue, load_letter_type
from station.letters.document import (
    DataBlock,
    DataRow,
    Document,
    Paragraph,
    PersonList,
    SignerBlock,
    canonical_text,
    document_digest,
    document_from_dict,
    document_to_text,
)
from station.letters.eligibility import (
    Effect,
    Eligibility,
    Ineligibility,
    check_eligibility,
    dependants_of,
    letter_effects,
)
from station.letters.errors import CatalogueError, FieldErrors, LetterError, NumberingError
from station.letters.fields import FieldResult, FieldSpec, validate_fields
from station.letters.numbering import (
    DEFAULT_PATTERN,
    NumberingConfig,
    check_numbering,
    format_number,
    parse_numbering_config,
    sequence_scope,
)
from station.letters.render import OfficeInfo, Signer, render_letter
from station.letters.resident import ResidentSnapshot

__all__ = [
    "DEFAULT_PATTERN",
    "Catalogue",
    "CatalogueError",
    "DataBlock",
    "DataRow",
    "Document",
    "Effect",
    "Eligibility",
    "FieldErrors",
    "FieldResult",
    "FieldSpec",
    "Ineligibility",
    "LetterError",
    "LetterType",
    "NumberingConfig",
    "NumberingError",
    "OfficeInfo",
    "Paragraph",
    "PersonList",
    "ResidentSnapshot",
    "Signer",
    "SignerBlock",
    "canonical_text",
    "check_eligibility",
    "check_numbering",
    "dependants_of",
    "document_digest",
    "document_from_dict",
    "document_to_text",
    "format_number",
    "letter_effects",
    "load_catalogue",
    "load_letter_type",
    "parse_numbering_config",
    "render_letter",
    "sequence_scope",
    "validate_fields",
]
