"""Indonesian formatting shared by the letter modules: dates, Roman months, NIP, rupiah, text.

Kept free of any I/O so that the renderer, the seal and the verification page print a date or
a NIP exactly the same way.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, tzinfo

MONTHS_ID = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
DAYS_ID = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
ROMAN_MONTHS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")

# Characters dropped from any text that goes onto a letter: controls and format characters
# (zero-width, bidi overrides that could make printed text read differently from stored text).
_DROP_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


def format_date_id(d: date) -> str:
    """``17 Agustus 2026``: the long form used in Indonesian letters."""
    return f"{d.day} {MONTHS_ID[d.month - 1]} {d.year}"


def format_moment_id(moment: datetime, tz: tzinfo) -> str:
    """``5 Desember 2026 01.00 WITA``: a stored (aware, UTC) moment as the office reads it."""
    local = moment.astimezone(tz)
    zone = local.tzname() or ""
    return f"{format_date_id(local.date())} {local:%H.%M}" + (f" {zone}" if zone else "")


def day_name_id(d: date) -> str:
    """``Senin`` … ``Minggu`` (letters of birth and death name the day)."""
    return DAYS_ID[d.weekday()]


def roman_month(month: int) -> str:
    """I–XII for a month number; used in letter numbers (docs/domain.md §4.3)."""
    if isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= 12:
        raise ValueError(f"bulan harus 1–12, bukan {month!r}")
    return ROMAN_MONTHS[month - 1]


def clean_text(value: object) -> str:
    """One line of printable text: NFC, controls/format characters dropped, spaces collapsed.

    Every value that reaches a letter passes here, so a value can never add lines, paragraphs
    or invisible characters to the printed letter.
    """
    text = unicodedata.normalize("NFC", str(value))
    kept = []
    for ch in text:
        category = unicodedata.category(ch)
        if ch.isspace() or category in ("Zl", "Zp"):
            kept.append(" ")
        elif category not in _DROP_CATEGORIES:
            kept.append(ch)
    return " ".join("".join(kept).split())


def format_nip(nip: str) -> str:
    """``19680411 199303 1 009`` from 18 digits (Perka BKN 22/2007); other text is kept as is.

    Offices fill the NIP by hand in ``station.toml``; a placeholder such as "(isi NIP lurah)"
    must still print rather than fail the letter.
    """
    digits = "".join(ch for ch in nip if not ch.isspace())
    if len(digits) == 18 and digits.isascii() and digits.isdigit():
        return f"{digits[:8]} {digits[8:14]} {digits[14]} {digits[15:]}"
    return clean_text(nip)


# Academic and professional titles written before a name (Permendikbud 154/2014 keeps the
# spelling of each degree): printed as typed, never upper-cased.
_PREFIX_TITLES = frozenset(
    t.casefold() for t in ("Prof.", "Dr.", "dr.", "drg.", "Drs.", "Dra.", "Ir.", "Hj.", "H.")
)


def format_official_name(name: str) -> str:
    """A signer's name as letters print it: the name upper case, the degrees as typed.

    ``Yohanes B. Manafe, S.Sos.`` -> ``YOHANES B. MANAFE, S.Sos.``; ``Drs. Yakobus Ndun, M.Si.``
    -> ``Drs. YAKOBUS NDUN, M.Si.`` (degrees after the first comma, titles such as Dr., Drs.,
    Ir. before the name; docs/domain.md, letter conventions)."""
    text = clean_text(name)
    person, comma, degrees = text.partition(",")
    words = person.split()
    titles = []
    while len(words) > 1 and words[0].casefold() in _PREFIX_TITLES:
        titles.append(words.pop(0))
    shown = " ".join([*titles, " ".join(words).upper()])
    return f"{shown},{degrees}" if comma else shown


def format_rupiah(amount: int) -> str:
    """``Rp1.500.000`` (dots group thousands, as in Indonesian)."""
    return "Rp" + f"{amount:,}".replace(",", ".")


def age_on(birth: date, today: date) -> int:
    """Whole years completed on ``today``."""
    years = today.year - birth.year
    if (today.month, today.day) < (birth.month, birth.day):
        years -= 1
    return years


_SIXTEEN_DIGITS = re.compile(r"(?<!\d)(\d{4})\d{8}(\d{4})(?!\d)")
NAME_KEEP = 3  # letters kept of each word of a name shown publicly


def mask_digit_runs(text: str) -> str:
    """Every run of exactly 16 digits (a NIK or KK typed anywhere) as ``5371********0001``:
    text that reaches the public page may hold one in a free-text field."""
    return _SIXTEEN_DIGITS.sub(lambda m: m.group(1) + "*" * 8 + m.group(2), text)


def mask_name(name: str) -> str:
    """A name as the QR and the public page show it: each word cut to its first three letters
    and a dot (``YOHANES EMANUEL KEBAN`` -> ``YOH. EMA. KEB.``). Enough to match the paper letter
    and the holder's KTP, not enough to learn a stranger's full name; the dot keeps the seal's
    compact alphabet (docs/seal.md). Masking a masked name changes nothing."""
    words = []
    for word in name.split():
        if word.endswith(".") or len(word) <= NAME_KEEP:
            words.append(word)
        else:
            words.append(word[:NAME_KEEP] + ".")
    return " ".join(words)
