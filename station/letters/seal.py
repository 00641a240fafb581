"""The seal in a letter's QR code: a compact signed payload (``docs/seal.md``,
docs/architecture.md §The seal).

Why this shape:
- **Offline.** The token carries what a verifier needs to show (office, number, type, dates,
  holder's name, masked NIK) and an Ed25519 signature; a phone or the CLI checks it with only
  the office's public keys.
- **Bound to the letter.** A truncated hash of the letter's canonical text (with a secret
  per-letter salt) is signed too, so the register can tell whether a token belongs to the
  stored letter it shows next to the paper.
- **Private.** Only the NIK's first 4 and last 4 digits are in the token; the hidden digits
  (birth date and sex) are in no form, and the salt keeps the hash from being a way to
  guess them.
- **Small.** Text fields use a 40-character alphabet packed 3 characters to 2 bytes, the
  whole token is RFC 4648 base32 without padding, and the URL is upper case, so the QR uses
  alphanumeric mode and stays within version 10 at error correction M.

Everything here is pure; verification never raises on malformed input.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from station.letters.document import Document, document_digest
from station.letters.formats import clean_text, format_date_id, mask_name
from station.store.errors import StationError

SEAL_VERSION = 1
KEY_ID_BYTES = 8
DIGEST_BYTES = 16
SIGNATURE_BYTES = 64
FIXED_BYTES = 1 + KEY_ID_BYTES + 5 + 2 + 2 + 4 + DIGEST_BYTES  # 38
EPOCH = date(2000, 1, 1)
MAX_DAYS = 0xFFFF
# Bytes for the three text fields together, their header bytes included.  With a base URL of
# at most 40 characters this keeps the QR text within 311 alphanumeric characters (version
# 10-M): 38 + 60 + 64 = 162 bytes -> 260 base32 characters, + 43 for the URL.
TEXT_BUDGET = 60
MAX_TEXT_UNITS = 63
MAX_BASE_URL_LENGTH = 40
MAX_INPUT_CHARS = 2000
# The packing alphabet: value = index.  Covers upper-case names and letter numbers.
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ -./"
_INDEX = {ch: i for i, ch in enumerate(ALPHABET)}
_B32 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
QR_ALPHANUMERIC = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
# The longest well-formed token: every text field at 1 + 63 bytes.
MAX_TOKEN_CHARS = -(-(FIXED_BYTES + 3 * (1 + MAX_TEXT_UNITS) + SIGNATURE_BYTES) * 8 // 5)

STATUS_VALID = "valid"
STATUS_INVALID = "invalid"
STATUS_UNKNOWN_KEY = "unknown_key"
STATUS_EXPIRED = "expired"
STATUS_COMPROMISED = "compromised"  # signed by a key the office declared leaked


class SealError(StationError, ValueError):
    """Sealing refused: a value that does not fit the format (a bug or a config problem)."""


class SealFormatError(StationError, ValueError):
    """Text that is not a well-formed token; verification reports it as ``invalid``."""


@dataclass(frozen=True)
class SealPayload:
    """What the seal asserts about a letter (everything in the token but key id and
    signature)."""

    office_code: str  # Kemendagri, 53.71.03.1010
    number: str
    type_code: str
    issued_on: date
    valid_until: date | None
    holder_name: str  # upper case, possibly cut short (name_truncated)
    nik_masked: str  # 5371********0001
    digest: bytes  # first 16 bytes of document_digest
    name_truncated: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "office_code": self.office_code,
            "number": self.number,
            "type_code": self.type_code,
            "issued_on": self.issued_on.isoformat(),
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "holder_name": self.holder_name,
            "name_truncated": self.name_truncated,
            "nik_masked": self.nik_masked,
            "digest": self.digest.hex(),
        }


# ------------------------------------------------------------------------------------------
# Keys


def key_id_from_public(public_key: bytes) -> str:
    """First 8 bytes of SHA-256 of the raw 32-byte public key, as 16 hex digits: the id in a
    seal, in the ``signing_key`` rows and in the key file's name (``station.home.keys``)."""
    return hashlib.sha256(public_key).hexdigest()[: KEY_ID_BYTES * 2]


def raw_public_key(private_key: Ed25519PrivateKey) -> bytes:
    return private_key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )


@lru_cache(maxsize=256)
def _public_key(raw: bytes) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(raw)


# ------------------------------------------------------------------------------------------
# Text fields: 1 header byte, then packed or UTF-8 data


def _is_packable(text: str) -> bool:
    return all(ch in _INDEX for ch in text)


def _text_size(text: str) -> int:
    if _is_packable(text):
        n = len(text)
        return 1 + 2 * (n // 3) + n % 3
    return 1 + len(text.encode("utf-8"))


def _encode_text(text: str, *, truncated: bool = False) -> bytes:
    flags = 0x40 if truncated else 0
    if _is_packable(text):
        n = len(text)
        if n > MAX_TEXT_UNITS:
            raise SealError(f"teks {text!r} terlalu panjang untuk segel ({n} > {MAX_TEXT_UNITS})")
        out = bytearray([flags | n])
        values = [_INDEX[ch] for ch in text]
        full = n - n % 3
        for i in range(0, full, 3):
            out += (values[i] * 1600 + values[i + 1] * 40 + values[i + 2]).to_bytes(2, "big")
        if n % 3 == 2:
            out += (values[full] * 40 + values[full + 1]).to_bytes(2, "big")
        elif n % 3 == 1:
            out.append(values[full])
        return bytes(out)
    data = text.encode("utf-8")
    if len(data) > MAX_TEXT_UNITS:
        raise SealError(f"teks {text!r} terlalu panjang untuk segel ({len(data)} byte)")
    return bytes([0x80 | flags | len(data)]) + data


def _decode_text(buf: bytes, pos: int, *, may_truncate: bool) -> tuple[str, bool, int]:
    if pos >= len(buf):
        raise SealFormatError("data terpotong")
    header = buf[pos]
    pos += 1
    utf8, truncated, n = bool(header & 0x80), bool(header & 0x40), header & 0x3F
    if truncated and not may_truncate:
        raise SealFormatError("tanda terpotong pada kolom yang tidak boleh terpotong")
    if utf8:
        end = pos + n
        if end > len(buf):
            raise SealFormatError("data terpotong")
        try:
            text = buf[pos:end].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SealFormatError("teks UTF-8 rusak") from exc
    else:
        size = 2 * (n // 3) + n % 3
        end = pos + size
        if end > len(buf):
            raise SealFormatError("data terpotong")
        chars: list[str] = []
        for i in range(pos, pos + 2 * (n // 3), 2):
            value = int.from_bytes(buf[i : i + 2], "big")
            if value >= 64000:
                raise SealFormatError("kode huruf di luar abjad")
            chars += (ALPHABET[value // 1600], ALPHABET[value // 40 % 40], ALPHABET[value % 40])
        tail = pos + 2 * (n // 3)
        if n % 3 == 2:
            value = int.from_bytes(buf[tail : tail + 2], "big")
            if value >= 1600:
                raise SealFormatError("kode huruf di luar abjad")
            chars += (ALPHABET[value // 40], ALPHABET[value % 40])
        elif n % 3 == 1:
            if buf[tail] >= 40:
                raise SealFormatError("kode huruf di luar abjad")
            chars.append(ALPHABET[buf[tail]])
        text = "".join(chars)
    if not text.isprintable():
        raise SealFormatError("teks berisi karakter kendali")
    return text, truncated, end


def _fit_name(name: str, budget: int) -> tuple[str, bool]:
    """The upper-case name, cut at a character boundary to fit ``budget`` bytes."""
    text = clean_text(name).upper()
    if (
        _text_size(text) <= budget
        and (len(text) if _is_packable(text) else len(text.encode("utf-8"))) <= MAX_TEXT_UNITS
    ):
        return text, False
    cut = text
    while cut and (
        _text_size(cut) > budget
        or (len(cut) if _is_packable(cut) else len(cut.encode("utf-8"))) > MAX_TEXT_UNITS
    ):
        cut = cut[:-1]
    return cut.rstrip(), True


# ------------------------------------------------------------------------------------------
# Payload


def _days(d: date) -> int:
    n = (d - EPOCH).days
    if not 0 <= n <= MAX_DAYS:
        raise SealError(f"tanggal {d} di luar jangkauan segel (2000–2179)")
    return n


def _office_int(code: str) -> int:
    digits = code.replace(".", "")
    parts = code.split(".")
    if [len(p) for p in parts] != [2, 2, 2, 4] or not (digits.isascii() and digits.isdigit()):
        raise SealError(f"kode kantor {code!r} bukan kode Kemendagri seperti 53.71.03.1010")
    return int(digits)


def _mask_digits(nik_masked: str) -> int:
    if not (
        len(nik_masked) == 16
        and nik_masked[4:12] == "*" * 8
        and (nik_masked[:4] + nik_masked[12:]).isdigit()
        and nik_masked.isascii()
    ):
        raise SealError("NIK tersamar harus berbentuk 5371********0001")
    return int(nik_masked[:4] + nik_masked[12:])


def make_payload(
    *,
    office_code: str,
    number: str,
    type_code: str,
    issued_on: date,
    valid_until: date | None,
    holder_name: str,
    nik: str,
    digest: bytes,
) -> SealPayload:
    """A payload from the letter's own values: masks the NIK and the name, fits the name into
    what the number and type leave of the budget, keeps 16 bytes of the digest."""
    digits = "".join(ch for ch in nik if ch.isdigit())
    if len(digits) != 16 or not digits.isascii():
        raise SealError("NIK harus 16 digit")
    number = clean_text(number)
    type_code = clean_text(type_code)
    left = TEXT_BUDGET - _text_size(type_code) - _text_size(number)
    if left < 2:
        raise SealError(f"nomor surat {number!r} terlalu panjang untuk segel")
    # The seal holds no more than the public page may show: the masked name.
    name, truncated = _fit_name(mask_name(holder_name), left)
    if len(digest) < DIGEST_BYTES:
        raise SealError("digest terlalu pendek")
    return SealPayload(
        office_code=office_code,
        number=number,
        type_code=type_code,
        issued_on=issued_on,
        valid_until=valid_until,
        holder_name=name,
        nik_masked=digits[:4] + "*" * 8 + digits[12:],
        digest=bytes(digest[:DIGEST_BYTES]),
        name_truncated=truncated,
    )


def payload_for_document(
    doc: Document, *, office_code: str, holder_name: str, nik: str
) -> SealPayload:
    """The payload for a rendered letter (number, type, dates and digest from ``doc``)."""
    return make_payload(
        office_code=office_code,
        number=doc.number,
        type_code=doc.type_code,
        issued_on=doc.issued_on,
        valid_until=doc.valid_until,
        holder_name=holder_name,
        nik=nik,
        digest=document_digest(doc),
    )


def encode_payload(payload: SealPayload, key_id: str) -> bytes:
    """The signed bytes (``docs/seal.md`` §2); raises :class:`SealError` if a value does not
    fit."""
    try:
        key = bytes.fromhex(key_id)
    except ValueError as exc:
        raise SealError(f"key id {key_id!r} bukan heksadesimal") from exc
    if len(key) != KEY_ID_BYTES:
        raise SealError(f"key id harus {KEY_ID_BYTES} byte")
    if len(payload.digest) != DIGEST_BYTES:
        raise SealError(f"digest harus {DIGEST_BYTES} byte")
    issued = _days(payload.issued_on)
    if payload.valid_until is None:
        until = 0
    else:
        if payload.valid_until < payload.issued_on:
            raise SealError("akhir berlaku sebelum tanggal surat")
        until = _days(payload.valid_until)
        if until == 0:
            raise SealError("akhir berlaku 1 Januari 2000 tidak dapat disegel")
    texts = (
        _encode_text(payload.type_code)
        + _encode_text(payload.number)
        + _encode_text(payload.holder_name, truncated=payload.name_truncated)
    )
    if len(texts) > TEXT_BUDGET:
        raise SealError(
            f"jenis, nomor dan nama terlalu panjang untuk segel ({len(texts)} > {TEXT_BUDGET} byte)"
        )
    for label, text in (("jenis", payload.type_code), ("nomor", payload.number)):
        if not text or not text.isprintable():
            raise SealError(f"{label} surat kosong atau berisi karakter kendali")
    return (
        bytes([SEAL_VERSION])
        + key
        + _office_int(payload.office_code).to_bytes(5, "big")
        + issued.to_bytes(2, "big")
        + until.to_bytes(2, "big")
        + _mask_digits(payload.nik_masked).to_bytes(4, "big")
        + payload.digest
        + texts
    )


def _b32(data: bytes) -> str:
    return base64.b32encode(data).decode("ascii").rstrip("=")


def seal_letter(private_key: Ed25519PrivateKey, key_id: str, payload: SealPayload) -> str:
    """The token: base32 (no padding) of the payload bytes and their Ed25519 signature."""
    if key_id_from_public(raw_public_key(private_key)) != key_id:
        raise SealError(f"key id {key_id} bukan milik kunci privat ini")
    body = encode_payload(payload, key_id)
    return _b32(body + private_key.sign(body))


# ------------------------------------------------------------------------------------------
# The QR text


def check_verify_base_url(url: str) -> str:
    """The base URL as it will be used (no trailing slash); Indonesian :class:`SealError`
    when it would break the QR: not http(s), query or fragment, characters outside QR
    alphanumeric mode once upper-cased, or longer than 40 characters."""
    base = url.strip().rstrip("/")
    try:
        parts = urlsplit(base)
    except ValueError as exc:
        raise SealError(f"alamat verifikasi {url!r} bukan URL yang sah") from exc
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise SealError(f"alamat verifikasi {url!r} harus diawali http:// atau https://")
    if parts.query or parts.fragment or "@" in parts.netloc:
        raise SealError(f"alamat verifikasi {url!r} tidak boleh memuat ?, # atau @")
    bad = sorted({ch for ch in base.upper() if ch not in QR_ALPHANUMERIC})
    if bad:
        raise SealError(
            f"alamat verifikasi {url!r} memuat karakter {' '.join(bad)} yang membuat QR "
            "membesar; pakai huruf, angka, titik, garis miring, titik dua atau tanda minus"
        )
    if len(base) > MAX_BASE_URL_LENGTH:
        raise SealError(
            f"alamat verifikasi {url!r} terlalu panjang ({len(base)} karakter, paling banyak "
            f"{MAX_BASE_URL_LENGTH}) agar QR tetap versi 10"
        )
    return base


def qr_text(base_url: str, token: str) -> str:
    """``HTTPS://VERIFIKASI.OESAPA.EXAMPLE/V/TOKEN``: all upper case, so QR alphanumeric mode.

    Scheme and host are case-insensitive; the verification server answers ``/V/`` and ``/v/``
    (docs/seal.md §4).
    """
    text = f"{base_url.strip().rstrip('/').upper()}/V/{token}"
    if any(ch not in QR_ALPHANUMERIC for ch in text):
        raise SealError("alamat verifikasi atau token memuat karakter di luar mode alfanumerik QR")
    return text


def verify_url(base_url: str, token: str) -> str:
    """The same address for people and links (``https://…/v/TOKEN``, base as configured)."""
    return f"{base_url.strip().rstrip('/')}/v/{token}"


def parse_qr(text: str) -> str:
    """The token from what a scanner or a person gives: the QR's URL (any case, with or
    without the base), ``V/TOKEN`` or the bare token; whitespace anywhere is ignored.

    Raises :class:`SealFormatError` when no token-shaped text is found.
    """
    if not isinstance(text, str):
        raise SealFormatError("teks QR harus berupa teks")
    if len(text) > MAX_INPUT_CHARS:
        raise SealFormatError("teks QR terlalu panjang")
    compact = "".join(text.split())
    upper = compact.upper()
    cut = upper.rfind("/V/")
    if cut >= 0:
        candidate = upper[cut + 3 :]
    elif upper.startswith("V/"):
        candidate = upper[2:]
    else:
        candidate = upper
    candidate = candidate.split("?", 1)[0].split("#", 1)[0].rstrip("/")
    if not candidate:
        raise SealFormatError("token tidak ditemukan")
    if len(candidate) > MAX_TOKEN_CHARS:
        raise SealFormatError("token terlalu panjang")
    if any(ch not in _B32 for ch in candidate):
        raise SealFormatError("token memuat karakter di luar base32 (A–Z, 2–7)")
    return candidate


# ------------------------------------------------------------------------------------------
# Decoding and verification


@dataclass(frozen=True)
class DecodedToken:
    key_id: str
    payload: SealPayload
    signed: bytes
    signature: bytes


def decode_token(token: str) -> DecodedToken:
    """Parse a token's structure (no signature check); :class:`SealFormatError` if
    malformed."""
    token = parse_qr(token)
    if len(token) % 8 in (1, 3, 6):
        raise SealFormatError("panjang token tidak sah")
    try:
        raw = base64.b32decode(token + "=" * (-len(token) % 8))
    except (binascii.Error, ValueError) as exc:
        raise SealFormatError("token bukan base32 yang sah") from exc
    if _b32(raw) != token:
        raise SealFormatError("token bukan base32 kanonik")
    if len(raw) < FIXED_BYTES + 3 + SIGNATURE_BYTES:
        raise SealFormatError("token terlalu pendek")
    if raw[0] != SEAL_VERSION:
        raise SealFormatError(f"versi segel {raw[0]} tidak dikenal")
    key_id = raw[1:9].hex()
    office = int.from_bytes(raw[9:14], "big")
    if office >= 10**10:
        raise SealFormatError("kode kantor rusak")
    digits = f"{office:010d}"
    issued_days = int.from_bytes(raw[14:16], "big")
    until_days = int.from_bytes(raw[16:18], "big")
    if until_days and until_days < issued_days:
        raise SealFormatError("akhir berlaku sebelum tanggal surat")
    nik = int.from_bytes(raw[18:22], "big")
    if nik >= 10**8:
        raise SealFormatError("NIK tersamar rusak")
    nik_digits = f"{nik:08d}"
    digest = raw[22:38]
    body = raw[:-SIGNATURE_BYTES]
    type_code, _, pos = _decode_text(body, FIXED_BYTES, may_truncate=False)
    number, _, pos = _decode_text(body, pos, may_truncate=False)
    name, truncated, pos = _decode_text(body, pos, may_truncate=True)
    if pos != len(body):
        raise SealFormatError("ada data berlebih sesudah nama")
    if not type_code or not number:
        raise SealFormatError("jenis atau nomor surat kosong")
    payload = SealPayload(
        office_code=f"{digits[:2]}.{digits[2:4]}.{digits[4:6]}.{digits[6:]}",
        number=number,
        type_code=type_code,
        issued_on=EPOCH + timedelta(days=issued_days),
        valid_until=EPOCH + timedelta(days=until_days) if until_days else None,
        holder_name=name,
        nik_masked=nik_digits[:4] + "*" * 8 + nik_digits[4:],
        digest=digest,
        name_truncated=truncated,
    )
    return DecodedToken(key_id, payload, body, raw[-SIGNATURE_BYTES:])


@dataclass(frozen=True)
class Verification:
    """The verdict on a token.  ``authentic`` means the signature checks with a known key;
    ``expired`` is reported together with it (status ``expired`` implies authentic)."""

    status: str
    message: str
    key_id: str | None = None
    payload: SealPayload | None = None
    reason: str = ""

    @property
    def authentic(self) -> bool:
        return self.status in (STATUS_VALID, STATUS_EXPIRED)

    @property
    def expired(self) -> bool:
        return self.status == STATUS_EXPIRED

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "authentic": self.authentic,
            "expired": self.expired,
            "message": self.message,
            "reason": self.reason,
            "key_id": self.key_id,
            "letter": self.payload.to_dict() if self.payload else None,
        }


def _invalid(reason: str, key_id: str | None = None) -> Verification:
    return Verification(
        STATUS_INVALID,
        "TIDAK VALID: kode QR ini bukan segel surat yang sah atau telah diubah.",
        key_id=key_id,
        reason=reason,
    )


@dataclass(frozen=True)
class KeyStanding:
    """What the office says of one of its keys since it was made: retired on an office day
    (it signs nothing dated later), or compromised (nothing it signed can be trusted)."""

    retired_on: date | None = None
    compromised: bool = False


class Verifier:
    """Checks tokens against an office's public keys (key id -> raw 32-byte key), current
    and retired, so letters signed before a key rotation still verify. ``standings`` says
    which keys are retired (a seal dated after the retirement day is invalid: the old key
    signs nothing new) or compromised (any seal of theirs is untrustworthy)."""

    def __init__(
        self,
        public_keys: Mapping[str, bytes],
        standings: Mapping[str, KeyStanding] | None = None,
    ) -> None:
        self._standings = {k.lower(): v for k, v in (standings or {}).items()}
        self._keys: dict[str, Ed25519PublicKey] = {}
        for key_id, raw in public_keys.items():
            raw = bytes(raw)
            # A mapping entry whose id does not match its key is ignored, never trusted.
            if len(raw) == 32 and key_id_from_public(raw) == key_id.lower():
                self._keys[key_id.lower()] = _public_key(raw)

    def _signed_under_another_id(self, decoded: DecodedToken) -> bool:
        """True when one of our keys signed this payload with its own key id in place of the
        token's: a token of ours whose key id was changed is *invalid*, not "unknown key".
        (A change reaching past the key id into the office code always breaks the office
        code's range check, so together every changed character gives ``invalid``.)"""
        for key_id, key in self._keys.items():
            original = decoded.signed[:1] + bytes.fromhex(key_id) + decoded.signed[9:]
            try:
                key.verify(decoded.signature, original)
            except InvalidSignature:
                continue
            return True
        return False

    def verify(self, token: str, *, today: date | None = None) -> Verification:
        try:
            decoded = decode_token(token)
        except SealFormatError as exc:
            return _invalid(str(exc))
        except (ValueError, TypeError, OverflowError, IndexError) as exc:  # pragma: no cover
            return _invalid(f"token rusak: {type(exc).__name__}")
        key = self._keys.get(decoded.key_id)
        if key is None:
            if self._signed_under_another_id(decoded):
                return _invalid("key id pada token telah diubah")
            return Verification(
                STATUS_UNKNOWN_KEY,
                f"Kunci penanda tangan {decoded.key_id} tidak dikenal kantor ini; keaslian "
                "surat tidak dapat dipastikan.",
                key_id=decoded.key_id,
            )
        try:
            key.verify(decoded.signature, decoded.signed)
        except InvalidSignature:
            return _invalid("tanda tangan digital tidak cocok", decoded.key_id)
        payload = decoded.payload
        standing = self._standings.get(decoded.key_id, KeyStanding())
        if standing.compromised:
            return Verification(
                STATUS_COMPROMISED,
                f"TIDAK DAPAT DIPERCAYA: kunci penanda tangan {decoded.key_id} telah dinyatakan "
                "bocor oleh kantor; surat yang ditandatangani dengannya tidak dapat dipercaya.",
                key_id=decoded.key_id,
                reason="kunci bocor",
            )
        if standing.retired_on is not None and payload.issued_on > standing.retired_on:
            return _invalid(
                f"ditandatangani dengan kunci {decoded.key_id} yang sudah pensiun sejak "
                f"{format_date_id(standing.retired_on)}",
                decoded.key_id,
            )
        if isinstance(today, datetime):
            today = today.date()  # a datetime cannot be compared with a date
        today = today or date.today()
        if payload.valid_until is not None and today > payload.valid_until:
            return Verification(
                STATUS_EXPIRED,
                "Surat ASLI (tanda tangan digital sah), tetapi masa berlakunya sudah habis "
                f"pada {format_date_id(payload.valid_until)}.",
                key_id=decoded.key_id,
                payload=payload,
            )
        return Verification(
            STATUS_VALID,
            "Tanda tangan digital sah: surat ini dikeluarkan oleh kelurahan.",
            key_id=decoded.key_id,
            payload=payload,
        )


def verify_token(
    token: str,
    public_keys: Mapping[str, bytes],
    *,
    today: date | None = None,
    standings: Mapping[str, KeyStanding] | None = None,
) -> Verification:
    """Verify a token or the QR's text; ``today`` (the office's local date, default the
    system date) decides ``expired``.  Never raises on malformed input."""
    return Verifier(public_keys, standings).verify(token, today=today)
