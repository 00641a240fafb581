"""The office's Ed25519 signing keys: private half in a 0600 file, public half in the database.

The private key never enters the database, so a leaked database or backup cannot forge letters.
The key id is derived from the public key, so anyone holding the public key can recompute it;
the rule is the seal's (``station.letters.seal.key_id_from_public``), and a key file is named by it.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from station.letters.seal import key_id_from_public
from station.store.errors import StationError
from station.store.models import SigningKey

PRIVATE_KEY_MODE = 0o600


def public_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def private_key_path(keys_dir: Path, key_id: str) -> Path:
    return keys_dir / f"{key_id}.pem"


def write_private_key(keys_dir: Path, key: Ed25519PrivateKey) -> str:
    """Write a new private key file created with mode 0600 (never world-readable, even briefly)."""
    keys_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(keys_dir, 0o700)
    key_id = key_id_from_public(public_bytes(key.public_key()))
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path = private_key_path(keys_dir, key_id)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_KEY_MODE)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
        handle.flush()
        os.fsync(handle.fileno())
    return key_id


def load_private_key(keys_dir: Path, key_id: str) -> Ed25519PrivateKey:
    path = private_key_path(keys_dir, key_id)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path}: bukan kunci Ed25519")
    return key


def active_key(session: Session, office_id: int) -> SigningKey | None:
    stmt = (
        select(SigningKey)
        .where(SigningKey.office_id == office_id, SigningKey.retired_at.is_(None))
        .order_by(SigningKey.created_at.desc())
        .limit(1)
    )
    return session.scalars(stmt).first()


def ensure_signing_key(session: Session, office_id: int, keys_dir: Path) -> tuple[str, bool]:
    """Return (key_id, created): the office's active key, or a first one.

    An active key whose private file is not in this home is refused, not replaced: it is
    usually the second PC of an office sharing one PostgreSQL before ``keys/`` was copied
    there, and a new key would silently stop the first PC from signing. Replacing a lost key
    is a deliberate ``station keys rotate``.
    """
    current = active_key(session, office_id)
    if current is not None:
        if not private_key_path(keys_dir, current.key_id).exists():
            raise KeyFileError(
                f"Kunci tanda tangan aktif {current.key_id} ada di basis data, tetapi berkasnya "
                f"tidak ada di {keys_dir}. Salin folder keys/ dari PC pertama kantor ini ke sini; "
                "bila kunci itu benar-benar hilang, buat kunci baru dengan: station keys rotate"
            )
        return current.key_id, False
    key = Ed25519PrivateKey.generate()
    key_id = write_private_key(keys_dir, key)
    session.add(
        SigningKey(key_id=key_id, office_id=office_id, public_key=public_bytes(key.public_key()))
    )
    session.flush()
    return key_id, True


class KeyFileError(StationError):
    """The private key cannot be used for signing (missing, wrong mode, damaged); Indonesian."""


def load_signing_key(keys_dir: Path, key_id: str) -> Ed25519PrivateKey:
    """The private key for signing, refused unless its file is mode 0600: a key others can
    read may already be copied, and letters signed with it could be forged."""
    path = private_key_path(keys_dir, key_id)
    try:
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError as exc:
        raise KeyFileError(
            f"Berkas kunci tanda tangan {path} tidak ada. Jalankan: station keys rotate"
        ) from exc
    if mode != PRIVATE_KEY_MODE:
        raise KeyFileError(
            f"Berkas kunci tanda tangan {path} bermode {mode:04o}; harus 0600 agar tidak dapat "
            f"dibaca pengguna lain. Periksa siapa yang sempat membacanya, lalu jalankan: "
            f"chmod 600 {path}  (atau ganti kunci: station keys rotate)"
        )
    try:
        return load_private_key(keys_dir, key_id)
    except (ValueError, TypeError, OSError) as exc:
        raise KeyFileError(f"Berkas kunci tanda tangan {path} rusak: {exc}") from exc


def office_keys(session: Session, office_id: int) -> list[SigningKey]:
    """Every key the office ever had, newest first; retired keys still verify old letters."""
    stmt = (
        select(SigningKey)
        .where(SigningKey.office_id == office_id)
        .order_by(SigningKey.created_at.desc(), SigningKey.key_id)
    )
    return list(session.scalars(stmt))


def public_keys(session: Session, office_id: int) -> dict[str, bytes]:
    """key id -> raw public key, for :class:`station.letters.seal.Verifier`."""
    return {k.key_id: bytes(k.public_key) for k in office_keys(session, office_id)}


def rotate_key(
    session: Session, office_id: int, keys_dir: Path, *, by: str | None
) -> tuple[str, list[str]]:
    """A new active key; the previous ones are retired (kept, so their letters still verify).
    Only an admin (``by``) may; anyone else is refused (``NotAdmin``).

    Returns (new key id, retired key ids). The new private file is written before the
    transaction commits; a rolled-back rotation leaves an unused file, never a missing one.
    """
    from station.office.operators import require_admin
    from station.store.models import utcnow

    require_admin(session, office_id, by, act="mengganti kunci tanda tangan")
    now = utcnow()
    retired = []
    for old in office_keys(session, office_id):
        if old.retired_at is None:
            old.retired_at = now
            retired.append(old.key_id)
    key = Ed25519PrivateKey.generate()
    key_id = write_private_key(keys_dir, key)
    session.add(
        SigningKey(
            key_id=key_id,
            office_id=office_id,
            public_key=public_bytes(key.public_key()),
            created_at=now,
        )
    )
    session.flush()
    return key_id, retired


def revoke_key(
    session: Session, office_id: int, keys_dir: Path, key_id: str, *, reason: str, by: str | None
) -> tuple[str | None, list[str]]:
    """Declare a key compromised: nothing it signed is trusted from now on. When it is the
    active key, a new key replaces it at once (the office must keep signing). Returns (the
    new active key id or None, the ids retired now). Raises ``KeyError`` for an unknown id.
    Only an admin (``by``) may; anyone else is refused (``NotAdmin``)."""
    from station.office.operators import require_admin
    from station.store.models import utcnow

    require_admin(session, office_id, by, act="menyatakan kunci tanda tangan bocor")
    key = session.get(SigningKey, key_id.lower())
    if key is None or key.office_id != office_id:
        raise KeyError(key_id)
    now = utcnow()
    if key.compromised_at is None:
        key.compromised_at = now
        key.compromise_reason = reason
    if key.retired_at is None:
        new_id, retired = rotate_key(session, office_id, keys_dir, by=by)
        return new_id, retired
    session.flush()
    return None, []


def file_public_keys(keys_dir: Path) -> dict[str, bytes]:
    """Public keys derived from the private files in the home: the offline verifier's keys
    when the register (database) cannot be reached."""
    found: dict[str, bytes] = {}
    if not keys_dir.is_dir():
        return found
    for path in sorted(keys_dir.glob("*.pem")):
        try:
            key = load_private_key(keys_dir, path.stem)
        except (ValueError, TypeError, OSError):
            continue
        raw = public_bytes(key.public_key())
        found[key_id_from_public(raw)] = raw
    return found
