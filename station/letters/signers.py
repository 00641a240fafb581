"""Who signs a letter: the lurah from the office, or an official from ``[signers.KEY]`` in
``station.toml`` signing "a.n." (on behalf of) the lurah (docs/domain.md, letter conventions).

A letter is never numbered and sealed under a placeholder: until the lurah's name, NIP and
rank are filled in (``station init`` writes "(isi nama lurah)" …), issuing is refused with
what to fill in and where.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from station.home.config import is_placeholder
from station.letters.errors import LetterError
from station.letters.render import Signer

LURAH_KEY = "lurah"  # ``--signer lurah`` is the lurah himself (the default)
_LURAH_FIELDS = (
    ("lurah_name", "nama lurah"),
    ("lurah_nip", "NIP lurah (18 angka)"),
    ("lurah_rank", "pangkat/golongan lurah"),
)


def _nip_ok(nip: str) -> bool:
    digits = "".join(str(nip).split())
    return len(digits) == 18 and digits.isascii() and digits.isdigit()


def missing_lurah(office: Any) -> list[tuple[str, str]]:
    """``(key, label)`` of the lurah's details still empty or a placeholder (a NIP that is
    not 18 digits counts as not filled in)."""
    missing = []
    for key, label in _LURAH_FIELDS:
        value = str(getattr(office, key, "") or "")
        if is_placeholder(value) or (key == "lurah_nip" and not _nip_ok(value)):
            missing.append((key, label))
    return missing


def _joined(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " dan " + words[-1]


def require_lurah(office: Any) -> None:
    """Raise :class:`LetterError` naming what to fill in while the lurah is a placeholder."""
    missing = missing_lurah(office)
    if not missing:
        return
    labels = _joined([label for _, label in missing])
    keys = _joined([key for key, _ in missing])
    raise LetterError(
        f"Surat belum dapat diterbitkan: {labels} belum diisi. Isi {keys} di bagian [office] "
        "station.toml (atau Pengaturan di aplikasi admin), lalu jalankan ulang program."
    )


def signer_choices(signers: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(key, label)`` for a choice list: the lurah first, then each ``[signers.KEY]``."""
    choices = [(LURAH_KEY, "Lurah")]
    choices += [(key, f"a.n. Lurah: {s.position} ({s.name})") for key, s in signers.items()]
    return choices


def resolve_signer(signers: Mapping[str, Any], key: str | None) -> Signer | None:
    """The delegate named ``key`` in ``[signers]``; None for the lurah (no key or "lurah").
    An unknown key is refused naming the keys there are."""
    wanted = (key or "").strip().lower()
    if not wanted or wanted == LURAH_KEY:
        return None
    found = signers.get(wanted)
    if found is None:
        known = ", ".join([LURAH_KEY, *signers]) if signers else LURAH_KEY
        raise LetterError(
            f"Penanda tangan {key!r} tidak ada di station.toml; pilihan: {known}. "
            "Tambahkan [signers.KUNCI] dengan name, nip, rank dan position."
        )
    return Signer(name=found.name, nip=found.nip, rank=found.rank, position=found.position)
