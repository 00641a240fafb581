"""Hypothesis on the seal decoder as the office uses it: ``station letter verify`` and the
register check behind the verification page, with a real letter issued from a real station.

``tests/test_seal.py`` fuzzes the pure decoder with a test key; here the same attacks go
through the command line and the register lookup, where an exception would be a traceback
for the admin or a broken page for the public.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from station.home.context import Station, init_station, open_station
from station.home.keys import public_keys
from station.letters.seal import Verifier, parse_qr
from station.letters.verify import register_check
from station.web import verify_page as web
from tests.helpers.cli_auth import TEST_PIN, add_operators
from tests.helpers.letter_helpers import add_residents, issue_args, run_cli
from tests.helpers.office import signed_template

FUZZ = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
NOT_AUTHENTIC = ("invalid", "unknown_key")


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Station, dict[str, Any]]]:
    home = tmp_path_factory.mktemp("seal") / "home"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("STATION_HOME", str(home))
        for name in ("STATION_DATABASE_URL", "STATION_PRINTER"):
            patch.delenv(name, raising=False)
        patch.setenv("STATION_PIN", TEST_PIN)  # module-scoped: before the autouse fixture
        init_station(home, template=signed_template(home))
        station = open_station(home)
        try:
            add_residents(station.db, station.office_id)
            add_operators(station, "ani")
            _, letter = run_cli(*issue_args())
            yield station, letter
        finally:
            station.close()


def _register(station: Station, text: str) -> Any:
    with station.db.read() as session:
        verifier = Verifier(public_keys(session, station.office_id))
        seal = verifier.verify(text)
        return register_check(session, station.office_id, text, seal)


def _flip(token: str, bits: list[int]) -> str:
    raw = bytearray(base64.b32decode(token + "=" * (-len(token) % 8)))
    for bit in bits:
        raw[bit // 8 % len(raw)] ^= 1 << (bit % 8)
    return base64.b32encode(bytes(raw)).decode().rstrip("=")


@FUZZ
@given(bits=st.lists(st.integers(0, 10_000), min_size=1, max_size=3, unique=True))
def test_flipped_bits_in_a_real_token_are_refused_everywhere(
    issued: tuple[Station, dict[str, Any]], bits: list[int]
) -> None:
    station, letter = issued
    token = parse_qr(letter["qr"])
    changed = _flip(token, bits)
    check = _register(station, changed)
    if changed == token:  # two positions that wrap onto the same bit cancel out
        assert check.status == "valid"
        return
    assert check.status in NOT_AUTHENTIC and check.verdict == "TIDAK VALID"
    assert check.document is None and not check.shows_letter
    assert check.to_dict()["letter"] is None
    for text in (changed, letter["verify_url"].replace(token, changed)):
        result, data = run_cli("letter", "verify", text)
        assert result.exit_code == 1 and data["status"] in NOT_AUTHENTIC
        assert letter["number"] not in result.stdout


@FUZZ
@given(
    text=st.one_of(
        st.text(max_size=300),
        st.binary(max_size=200).map(lambda b: base64.b32encode(b).decode().rstrip("=")),
        st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
        st.sampled_from(["HTTPS://X/V/", "/V/" * 50, "V/" + "A" * 400, "\x00", "A" * 5000]),
    )
)
def test_any_text_through_the_cli_and_register_is_a_clean_refusal(
    issued: tuple[Station, dict[str, Any]], text: str
) -> None:
    station, _ = issued
    check = _register(station, text)
    assert check.status in NOT_AUTHENTIC and check.document is None
    if "\x00" in text:
        return  # a NUL cannot be an argument on a real command line
    result, data = run_cli("letter", "verify", text)
    assert result.exit_code in (1, 2), result.output  # 2: text that looks like an option
    if result.exit_code == 1:
        assert data["status"] in NOT_AUTHENTIC and data.get("letter") is None


@pytest.mark.parametrize("value", [b"AAAA", None, 12345, ["A"], {"t": 1}])
def test_non_text_tokens_are_invalid(issued: tuple[Station, dict[str, Any]], value: Any) -> None:
    station, _ = issued
    with station.db.read() as session:
        verifier = Verifier(public_keys(session, station.office_id))
    assert verifier.verify(value).status == "invalid"


def test_verification_caches_stay_bounded(
    issued: tuple[Station, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Memory is bounded however many distinct tokens arrive: the seal-verdict cache and the
    document cache keep at most their size (a flood of junk cannot grow them)."""
    station, letter = issued
    monkeypatch.setattr(web, "SEAL_CACHE_SIZE", 50)
    service = web.VerificationService(station)
    service.documents.size = 5
    token = parse_qr(letter["qr"])
    for n in range(300):
        service.check(_flip(token, [8 * 40 + n % 8, 8 * 60 + n // 8]))
    assert service.check(token).status == "valid"
    assert len(service._seals) <= 50 and len(service.documents._items) <= 5
