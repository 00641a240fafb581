"""Benchmark of the letter seal: offline verification rate, sealing, render + seal latency.

    python bench/seal_bench.py [--tokens 2000] [--seconds 3]

Prints one markdown table. Target (issue 4, 2-core machine): offline verification >= 5,000/s.
Pure CPU, no database: rendering and sealing are the part of "letter issue" that is not the
sequence allocation and the insert.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import date, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from station.home.config import OfficeConfig
from station.letters import (
    OfficeInfo,
    ResidentSnapshot,
    Signer,
    load_catalogue,
    render_letter,
    seal,
)

NAMES = [
    "YOHANES EMANUEL KEBAN",
    "MARIA IMACULATA FRANSISKA DA COSTA SOARES",
    "NI'MAH AL-KHAIRIYAH",
    "PAULUS NDOLU",
    "AGUSTINA LAY",
]
TODAY = date(2026, 8, 17)


def tokens(n: int, key: Ed25519PrivateKey, key_id: str, rng: random.Random) -> list[str]:
    out = []
    for i in range(n):
        issued = TODAY - timedelta(days=rng.randrange(20))
        payload = seal.make_payload(
            office_code="53.71.03.1010",
            number=f"400.12.2.1/{i + 1:03d}/KEL.OSP/VIII/2026",
            type_code=rng.choice(["SKD", "SKTM", "SKU", "N1"]),
            issued_on=issued,
            valid_until=issued + timedelta(days=30),
            holder_name=rng.choice(NAMES),
            nik=f"5371031708{rng.randrange(10**6):06d}",
            digest=rng.randbytes(32),
        )
        out.append(seal.seal_letter(key, key_id, payload))
    return out


def rate(action, items: list[str], seconds: float) -> tuple[int, float]:  # type: ignore[no-untyped-def]
    """Run ``action`` over ``items`` round-robin for about ``seconds``; (count, per second)."""
    count, start = 0, time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        for item in items:
            action(item)
        count += len(items)
    elapsed = time.perf_counter() - start
    return count, count / elapsed


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tokens", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    rng = random.Random(4)
    key = Ed25519PrivateKey.generate()
    public = seal.raw_public_key(key)
    key_id = seal.key_id_from_public(public)
    # An office after two key rotations: three known public keys.
    keys = {key_id: public}
    for _ in range(2):
        old = seal.raw_public_key(Ed25519PrivateKey.generate())
        keys[seal.key_id_from_public(old)] = old
    sample = tokens(args.tokens, key, key_id, rng)
    urls = [seal.qr_text("https://verifikasi.oesapa.example", t).lower() for t in sample]
    verifier = seal.Verifier(keys)

    rows = []
    n, per_s = rate(lambda t: verify_token_checked(t, keys), sample, args.seconds)
    rows.append(("verify_token (token, keys dict)", n, per_s))
    n, per_s = rate(lambda u: verifier.verify(u, today=TODAY), urls, args.seconds)
    rows.append(("Verifier.verify (scanned URL, lower case)", n, per_s))
    tampered = [t[:50] + ("A" if t[50] != "A" else "B") + t[51:] for t in sample]
    n, per_s = rate(lambda t: verifier.verify(t, today=TODAY), tampered, args.seconds)
    rows.append(("Verifier.verify (tampered token)", n, per_s))

    # Render + seal, the CPU part of issuing a letter.
    catalogue = load_catalogue()
    office_config = OfficeConfig(lurah_name="Yohanes Benu", lurah_nip="196804111993031009")
    office = OfficeInfo.from_object(
        office_config, verify_base_url="https://verifikasi.oesapa.example"
    )
    signer = Signer.lurah(office_config)
    resident = ResidentSnapshot(
        nik="5371031708900001",
        name="YOHANES EMANUEL KEBAN",
        birth_date=date(1990, 8, 17),
        sex="L",
        kk_number="5371030101150003",
        address="Jl. Timor Raya No. 12",
        rt="003",
        rw="002",
        family_relationship="KEPALA KELUARGA",
    )
    sku = catalogue.require("SKU")
    values = {"nama_usaha": "Kios Berkat", "jenis_usaha": "Sembako", "alamat_usaha": "Oesapa"}
    times = []
    for i in range(2000):
        start = time.perf_counter()
        doc = render_letter(
            sku,
            office,
            resident,
            values,
            "Kredit usaha",
            f"500.2.2.4/{i + 1:03d}/KEL.OSP/VIII/2026",
            TODAY,
            sku.valid_until(TODAY),
            signer,
        )
        payload = seal.payload_for_document(
            doc, office_code=office.code, holder_name=resident.name, nik=resident.nik
        )
        doc.with_qr(seal.qr_text(office.verify_base_url, seal.seal_letter(key, key_id, payload)))
        times.append((time.perf_counter() - start) * 1000)

    token_lengths = [len(t) for t in sample]
    print(
        f"Seal benchmark ({args.tokens} distinct tokens, {len(keys)} office keys, "
        f"Python {sys.version.split()[0]})\n"
    )
    print("| measure | operations | result |")
    print("|---|---:|---:|")
    for name, count, per_s in rows:
        print(f"| {name} | {count:,} | {per_s:,.0f} /s |")
    print(f"| render + seal one SKU letter, p50 | 2,000 | {statistics.median(times):.3f} ms |")
    print(f"| render + seal one SKU letter, p99 | 2,000 | {percentile(times, 99):.3f} ms |")
    shortest, longest = min(token_lengths), max(token_lengths)
    print(f"| token length (min–max) | {len(sample):,} | {shortest}–{longest} chars |")
    print("\nTarget: offline verification >= 5,000/s.")


def verify_token_checked(token: str, keys: dict[str, bytes]) -> None:
    result = seal.verify_token(token, keys, today=TODAY)
    if result.status != "valid":  # pragma: no cover - a benchmark of wrong answers is useless
        raise SystemExit(f"unexpected status {result.status}")


if __name__ == "__main__":
    main()
