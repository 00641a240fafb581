"""The station home and its ``station.toml``, with ``STATION_*`` environment overrides.

The home holds everything an office owns: the config, the SQLite file, the signing key and
backups. Whoever has the home has the data, so the shell is the trust boundary
(docs/architecture.md §Command-line contract).
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs

from station.store.errors import StationError

CONFIG_NAME = "station.toml"
DATABASE_NAME = "station.db"


class ConfigError(StationError):
    """A config problem, worded for the admin: which file, which key, what is wrong."""


@dataclass
class OfficeConfig:
    code: str = "53.71.03.1010"
    name: str = "Oesapa"
    kecamatan: str = "Kelapa Lima"
    kota: str = "Kota Kupang"
    provinsi: str = "Nusa Tenggara Timur"
    address: str = "Jl. Timor Raya, Oesapa"
    postal_code: str = "85228"
    unit_code: str = "KEL.OSP"
    lurah_name: str = "(isi nama lurah)"
    lurah_nip: str = "(isi NIP lurah)"
    lurah_rank: str = "(isi pangkat/golongan)"


@dataclass
class SignerConfig:
    """``[signers.KEY]``: an official who may sign "a.n." (on behalf of) the lurah
    (docs/domain.md, letter conventions): ``station letter issue --signer KEY``."""

    name: str = ""
    nip: str = ""
    rank: str = ""
    position: str = ""  # e.g. "Sekretaris Kelurahan"


# Placeholders ``station init`` writes for the lurah; a letter is refused while one is left.
PLACEHOLDER_PREFIX = "(isi"


def is_placeholder(value: str) -> bool:
    """Empty, or the ``(isi ...)`` text ``station init`` writes for the admin to replace."""
    text = " ".join(str(value).split())
    return not text or text.lower().startswith(PLACEHOLDER_PREFIX)


@dataclass
class PrinterConfig:
    uri: str = "dummy"
    profile: str = ""
    paper_width: int = 58
    qr_mode: str = "auto"  # auto (from the profile) | native (GS ( k) | image (raster)
    # A folder that receives a text and a PNG picture of every job printed (demo, training).
    preview_dir: str = ""
    # The office printer for letters on F4/A4 (PDF): "cups:NAME" sends them through CUPS
    # (lp -d NAME); empty saves each PDF in the home's surat/ folder (docs/printers.md).
    office: str = ""


@dataclass
class LettersConfig:
    """``[letters]``: how letter numbers look and which letters share a sequence
    (docs/letters.md); checked at load, and again against the letter types when issuing."""

    number_pattern: str = "{kode}/{nomor:03d}/{unit}/{bulan_romawi}/{tahun}"
    number_scope: str = "office"
    # The lambang printed left of the kop on F4/A4 letters: a PNG/JPEG path, relative to the
    # home unless absolute; empty for none.
    logo: str = ""


@dataclass
class QueueConfig:
    """``[queue]``: when an unanswered ticket becomes a no-show, and when a counter whose app
    has stopped sending heartbeats counts as gone (its ticket may then be taken over)."""

    no_show_calls: int = 3
    stale_minutes: int = 5


def _default_opening_hours() -> list[dict[str, str]]:
    from station.office.opening_hours import DEFAULT_OPENING_HOURS

    return [dict(entry) for entry in DEFAULT_OPENING_HOURS]


@dataclass
class KioskConfig:
    """``[kiosk]``: when tickets are issued (checked at load, see station.office.opening_hours) and
    how
    long the number stays on screen after taking a ticket (longer after a printer fault)."""

    opening_hours: list[dict[str, Any]] = field(default_factory=_default_opening_hours)
    show_seconds: int = 6
    fault_show_seconds: int = 20

    def hours(self) -> Any:
        """The parsed ``OpeningHours`` (already checked at load)."""
        from station.office.opening_hours import parse_opening_hours

        return parse_opening_hours(self.opening_hours)


@dataclass
class BoxConfig:
    """``[box]``: the Service Box (``station box``, docs/box.md). ``idle_seconds`` without
    input clear the screen; ``daily_limit`` letters per NIK per day; ``guess_limit`` refused
    PINs in a minute pause the box for a minute; ``phone`` is the help line on every screen;
    ``terminal`` names this box in the audit; ``voice`` speaks each step (espeak-ng)."""

    idle_seconds: int = 60
    daily_limit: int = 3
    guess_limit: int = 5
    phone: str = ""
    terminal: str = "box-1"
    voice: bool = False


@dataclass
class BoardConfig:
    """``[board]``: the waiting-room display's running text line."""

    running_text: str = (
        "Selamat datang. Siapkan KTP-el dan Kartu Keluarga Anda. "
        "Semua layanan kelurahan tidak dipungut biaya."
    )


@dataclass
class VoiceConfig:
    """``[voice]``: spoken calls on the board PC (espeak-ng; a bell when it is missing or
    ``enabled = false``). ``phrase`` may use {nomor}, {loket} and {layanan}."""

    enabled: bool = True
    phrase: str = "Nomor antrian {nomor}, silakan menuju loket {loket}"
    voice: str = "id"
    speed: int = 130  # words per minute, espeak-ng -s
    chime: bool = True  # a two-tone chime before each call


@dataclass
class WebConfig:
    """``[web]``: the verification page (``station serve``). ``trusted_proxies``: the reverse
    proxies (IP addresses or networks) whose ``X-Forwarded-For`` names the real client; empty
    (the default) trusts no one, so a client cannot pick its own address for the rate limit."""

    trusted_proxies: list[str] = field(default_factory=list)


@dataclass
class StationConfig:
    """Everything read from ``station.toml`` after environment overrides."""

    home: Path
    office: OfficeConfig = field(default_factory=OfficeConfig)
    printer: PrinterConfig = field(default_factory=PrinterConfig)
    letters: LettersConfig = field(default_factory=LettersConfig)
    queue: QueueConfig = field(default_factory=QueueConfig)
    kiosk: KioskConfig = field(default_factory=KioskConfig)
    box: BoxConfig = field(default_factory=BoxConfig)
    board: BoardConfig = field(default_factory=BoardConfig)
    voice: VoiceConfig = field(default_factory=VoiceConfig)
    web: WebConfig = field(default_factory=WebConfig)
    signers: dict[str, SignerConfig] = field(default_factory=dict)
    database_url: str = ""
    # The city server only: the city's read-only role (``station city grant --reader``), with
    # which ``station city report`` and ``/kota`` open the database (docs/city.md).
    city_database_url: str = ""
    verify_base_url: str = "https://verifikasi.oesapa.example/"
    timezone: str = "Asia/Makassar"
    idle_lock_minutes: int = 10

    @property
    def config_path(self) -> Path:
        return self.home / CONFIG_NAME

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def keys_dir(self) -> Path:
        return self.home / "keys"

    @property
    def backups_dir(self) -> Path:
        return self.home / "backups"


def default_home() -> Path:
    return Path(platformdirs.user_data_dir("station", appauthor=False))


def resolve_home(home: str | os.PathLike[str] | None = None) -> Path:
    """Explicit argument, then ``STATION_HOME``, then the platform's user data dir."""
    if home is not None:
        return Path(home).expanduser().resolve()
    env = os.environ.get("STATION_HOME")
    if env:
        return Path(env).expanduser().resolve()
    return default_home()


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


_SECTIONS: dict[str, type] = {
    "office": OfficeConfig,
    "printer": PrinterConfig,
    "letters": LettersConfig,
    "queue": QueueConfig,
    "kiosk": KioskConfig,
    "box": BoxConfig,
    "board": BoardConfig,
    "voice": VoiceConfig,
    "web": WebConfig,
}
_STATION_KEYS = ("verify_base_url", "timezone", "idle_lock_minutes")


def _check_type(path: Path, key: str, value: Any, expected: type) -> Any:
    if expected is bool and not isinstance(value, bool):
        raise ConfigError(f"{path}: kunci '{key}' harus true atau false, bukan {value!r}")
    if expected is list and not isinstance(value, list):
        raise ConfigError(f"{path}: kunci '{key}' harus berupa daftar, bukan {value!r}")
    if expected is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise ConfigError(f"{path}: kunci '{key}' harus berupa angka bulat, bukan {value!r}")
    if expected is str and not isinstance(value, str):
        raise ConfigError(f"{path}: kunci '{key}' harus berupa teks, bukan {value!r}")
    return value


def _fill(path: Path, section: str, target: Any, data: Any) -> None:
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: [{section}] harus berupa tabel")
    known = {f.name: f for f in fields(target)}
    for key, value in data.items():
        if key not in known:
            raise ConfigError(f"{path}: kunci '{section}.{key}' tidak dikenal")
        expected = type(getattr(target, key))
        setattr(target, key, _check_type(path, f"{section}.{key}", value, expected))


def load_config(home: str | os.PathLike[str] | None = None) -> StationConfig:
    """Read the home's config (defaults when the file is absent), then apply the environment."""
    home_path = resolve_home(home)
    config = StationConfig(home=home_path)
    path = config.config_path
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: berkas konfigurasi rusak: {exc}") from exc
        except OSError as exc:  # a folder in its place, no permission, a disk error
            raise ConfigError(
                f"{path}: berkas konfigurasi tidak dapat dibaca: {exc.strerror or exc}"
            ) from exc
        for section, value in data.items():
            if section in _SECTIONS:
                _fill(path, section, getattr(config, section), value)
            elif section == "station":
                if not isinstance(value, dict):
                    raise ConfigError(f"{path}: [station] harus berupa tabel")
                for key, item in value.items():
                    if key not in _STATION_KEYS:
                        raise ConfigError(f"{path}: kunci 'station.{key}' tidak dikenal")
                    expected = type(getattr(config, key))
                    setattr(config, key, _check_type(path, f"station.{key}", item, expected))
            elif section == "signers":
                config.signers = _signers(path, value)
            elif section == "database":
                if not isinstance(value, dict) or set(value) - {"url", "city_url"}:
                    raise ConfigError(
                        f"{path}: [database] hanya mengenal kunci 'url' dan 'city_url'"
                    )
                config.database_url = _check_type(path, "database.url", value.get("url", ""), str)
                config.city_database_url = _check_type(
                    path, "database.city_url", value.get("city_url", ""), str
                )
            else:
                raise ConfigError(f"{path}: bagian [{section}] tidak dikenal")
    _apply_environment(config)
    _validate(config)
    return config


_SIGNER_KEY = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")


def _signers(path: Path, data: Any) -> dict[str, SignerConfig]:
    """``[signers.KEY]`` tables: each needs a name, NIP, rank and position (the letter prints
    them under "a.n. LURAH ..."); a key is lower-case letters, digits, ``-`` or ``_``."""
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: [signers] harus berupa tabel")
    found: dict[str, SignerConfig] = {}
    for key, value in data.items():
        if not _SIGNER_KEY.match(key):
            raise ConfigError(
                f"{path}: kunci penanda tangan {key!r} harus huruf kecil, angka, - atau _ "
                "(mis. [signers.sekretaris])"
            )
        signer = SignerConfig()
        _fill(path, f"signers.{key}", signer, value)
        for name in ("name", "nip", "rank", "position"):
            if is_placeholder(getattr(signer, name)):
                raise ConfigError(f"{path}: kunci 'signers.{key}.{name}' wajib diisi")
        found[key] = signer
    return found


def _apply_environment(config: StationConfig) -> None:
    if url := os.environ.get("STATION_DATABASE_URL"):
        config.database_url = url
    if city_url := os.environ.get("STATION_CITY_DATABASE_URL"):
        config.city_database_url = city_url
    if printer := os.environ.get("STATION_PRINTER"):
        config.printer.uri = printer
    if profile := os.environ.get("STATION_PRINTER_PROFILE"):
        config.printer.profile = profile
    if qr_mode := os.environ.get("STATION_PRINTER_QR"):
        config.printer.qr_mode = qr_mode.strip().lower()
    if not config.database_url:
        config.database_url = sqlite_url(config.home / DATABASE_NAME)


def _validate(config: StationConfig) -> None:
    path = config.config_path
    if config.printer.paper_width not in (58, 80):
        raise ConfigError(
            f"{path}: kunci 'printer.paper_width' harus 58 atau 80, "
            f"bukan {config.printer.paper_width}"
        )
    office_printer = config.printer.office.strip()
    if office_printer and (
        not office_printer.startswith("cups:") or not office_printer[5:].strip()
    ):
        raise ConfigError(
            f"{path}: kunci 'printer.office' harus kosong atau \"cups:NAMA\" (nama printer "
            f"di CUPS), bukan {office_printer!r}"
        )
    if config.printer.qr_mode not in ("auto", "native", "image"):
        raise ConfigError(
            f"{path}: kunci 'printer.qr_mode' harus auto, native atau image, "
            f"bukan {config.printer.qr_mode!r}"
        )
    if config.queue.no_show_calls < 1:
        raise ConfigError(f"{path}: kunci 'queue.no_show_calls' harus minimal 1")
    if config.queue.stale_minutes < 1:
        raise ConfigError(f"{path}: kunci 'queue.stale_minutes' harus minimal 1")
    if config.idle_lock_minutes < 1:
        raise ConfigError(f"{path}: kunci 'station.idle_lock_minutes' harus minimal 1")
    try:
        ZoneInfo(config.timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # OSError: name too long
        raise ConfigError(
            f"{path}: kunci 'station.timezone' bukan zona waktu yang dikenal: {config.timezone!r}"
        ) from exc
    code_parts = config.office.code.split(".")
    if [len(p) for p in code_parts] != [2, 2, 2, 4] or not all(p.isdigit() for p in code_parts):
        raise ConfigError(
            f"{path}: kunci 'office.code' harus kode Kemendagri seperti 53.71.03.1010, "
            f"bukan {config.office.code!r}"
        )
    if not config.office.unit_code.strip():
        raise ConfigError(f"{path}: kunci 'office.unit_code' tidak boleh kosong")
    _validate_letters(config)
    _validate_display(config)
    _validate_web(config)


def _validate_web(config: StationConfig) -> None:
    """Each trusted proxy is an IP address or network; "*" (trust anyone) is refused: it
    would let every client choose the address the rate limit counts."""
    import ipaddress

    path = config.config_path
    for entry in config.web.trusted_proxies:
        if not isinstance(entry, str):
            raise ConfigError(
                f"{path}: kunci 'web.trusted_proxies' harus daftar alamat IP, bukan {entry!r}"
            )
        try:
            ipaddress.ip_network(entry)  # strict, as uvicorn reads it
        except ValueError as exc:
            raise ConfigError(
                f"{path}: kunci 'web.trusted_proxies': {entry!r} bukan alamat IP atau "
                'jaringan (contoh: "127.0.0.1", "10.0.0.0/8")'
            ) from exc


def _validate_display(config: StationConfig) -> None:
    """Kiosk hours, display times and the call phrase: a typo stops the start, naming the key."""
    from station.office.opening_hours import OpeningHoursError, parse_opening_hours
    from station.queue.announce import check_phrase

    path = config.config_path
    try:
        parse_opening_hours(config.kiosk.opening_hours)
    except OpeningHoursError as exc:
        raise ConfigError(f"{path}: kunci '{exc.key}' {exc.reason}") from exc
    for key in ("show_seconds", "fault_show_seconds"):
        if not 1 <= getattr(config.kiosk, key) <= 300:
            raise ConfigError(f"{path}: kunci 'kiosk.{key}' harus antara 1 dan 300 detik")
    if not 1 <= config.box.idle_seconds <= 3600:
        raise ConfigError(f"{path}: kunci 'box.idle_seconds' harus antara 1 dan 3600 detik")
    if not 1 <= config.box.daily_limit <= 50:
        raise ConfigError(f"{path}: kunci 'box.daily_limit' harus antara 1 dan 50")
    if not 1 <= config.box.guess_limit <= 100:
        raise ConfigError(f"{path}: kunci 'box.guess_limit' harus antara 1 dan 100")
    if not config.box.terminal.strip():
        raise ConfigError(f"{path}: kunci 'box.terminal' tidak boleh kosong")
    if not 80 <= config.voice.speed <= 450:
        raise ConfigError(f"{path}: kunci 'voice.speed' harus antara 80 dan 450 kata per menit")
    if not config.voice.voice.strip():
        raise ConfigError(f"{path}: kunci 'voice.voice' tidak boleh kosong")
    try:
        check_phrase(config.voice.phrase)
    except ValueError as exc:
        raise ConfigError(f"{path}: kunci 'voice.phrase': {exc}") from exc


def _validate_letters(config: StationConfig) -> None:
    """Numbering that could print one number twice, and a verification address that would
    not fit the QR, stop the start (the letter types' own check comes when issuing)."""
    from station.letters.errors import LetterError
    from station.letters.numbering import check_numbering
    from station.letters.seal import SealError, check_verify_base_url

    path = config.config_path
    try:
        # {} accepts scope "type" with {kode}; issuing re-checks with the real catalogue.
        check_numbering(
            config.letters.number_pattern,
            config.letters.number_scope,
            classifications={},
            source=str(path),
        )
    except LetterError as exc:
        raise ConfigError(str(exc)) from exc
    try:
        check_verify_base_url(config.verify_base_url)
    except SealError as exc:
        raise ConfigError(f"{path}: kunci 'station.verify_base_url': {exc}") from exc


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, int):
        return str(value)
    escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def render_config(config: StationConfig) -> str:
    """The ``station.toml`` text, commented for the admin who will edit it by hand."""
    office = config.office
    lines = [
        "# Station configuration. Edit and restart the station programs.",
        "# Environment overrides: STATION_DATABASE_URL, STATION_PRINTER, STATION_PRINTER_PROFILE.",
        "",
        "[office]",
        "# Kemendagri code of the kelurahan and its identity as printed on letters.",
        '# lurah_name (degrees as written, e.g. "Yohanes B. Manafe, S.Sos."), lurah_nip (18',
        "# digits) and lurah_rank: no letter is issued until all three are filled in.",
    ]
    lines += [f"{f.name} = {_toml_value(getattr(office, f.name))}" for f in fields(office)]
    lines += [
        "",
        "[printer]",
        "# uri: dummy | file:PATH | usb:VID:PID | tcp:HOST[:PORT] | serial:DEV[:BAUD] | cups:NAME",
        "# paper_width: 58 or 80 (mm); profile: a python-escpos profile name, empty for default.",
        "# qr_mode: auto (from the profile) | native (printer draws it) | image (raster).",
        "# preview_dir: a folder for a .txt and .png picture of every printed job (empty: none).",
        '# office: "cups:NAME" prints F4/A4 letters (PDF) through CUPS; empty: saved in surat/.',
    ]
    lines += [
        f"{f.name} = {_toml_value(getattr(config.printer, f.name))}" for f in fields(config.printer)
    ]
    lines += [
        "",
        "[letters]",
        "# Letter numbers: {kode} classification, {nomor:03d} sequence, {unit} office.unit_code,",
        "# {bulan_romawi} I-XII, {bulan}, {tahun}, {jenis} type code. number_scope: which",
        "# letters share one yearly sequence: office | classification | type.",
        f"number_pattern = {_toml_value(config.letters.number_pattern)}",
        f"number_scope = {_toml_value(config.letters.number_scope)}",
        "# logo: the lambang on F4/A4 letters (PNG/JPEG, relative to this folder); empty: none.",
        f"logo = {_toml_value(config.letters.logo)}",
    ]
    lines += [
        "",
        "[queue]",
        "# Calls without an answer before a ticket may be marked no-show; minutes without a",
        "# heartbeat before another counter may take over a counter's ticket.",
        f"no_show_calls = {config.queue.no_show_calls}",
        f"stale_minutes = {config.queue.stale_minutes}",
    ]
    lines += [
        "",
        "[kiosk]",
        "# When the kiosk issues tickets (office local time); days: senin selasa rabu kamis",
        '# jumat sabtu minggu, as "senin-kamis" or "senin, rabu". An empty list: always open.',
        "opening_hours = [",
    ]
    lines += [
        "    { "
        + ", ".join(f"{key} = {_toml_value(entry[key])}" for key in ("days", "open", "close"))
        + " },"
        for entry in config.kiosk.opening_hours
    ]
    lines += [
        "]",
        "# Seconds the number stays on screen after taking a ticket; after a printer fault.",
        f"show_seconds = {config.kiosk.show_seconds}",
        f"fault_show_seconds = {config.kiosk.fault_show_seconds}",
        "",
        "[box]",
        "# The Service Box (station box, docs/box.md): seconds without input before it clears;",
        "# letters per NIK per day; refused PINs per minute before it pauses; the office phone",
        "# on its help line; its name in the audit; spoken guidance (espeak-ng).",
        f"idle_seconds = {config.box.idle_seconds}",
        f"daily_limit = {config.box.daily_limit}",
        f"guess_limit = {config.box.guess_limit}",
        f"phone = {_toml_value(config.box.phone)}",
        f"terminal = {_toml_value(config.box.terminal)}",
        f"voice = {_toml_value(config.box.voice)}",
        "",
        "[board]",
        "# The line that runs along the bottom of the waiting-room display.",
        f"running_text = {_toml_value(config.board.running_text)}",
        "",
        "[voice]",
        "# Spoken calls on the board PC (espeak-ng, Indonesian voice); a bell when espeak-ng is",
        "# missing or enabled = false. phrase may use {nomor}, {loket} and {layanan}.",
        f"enabled = {_toml_value(config.voice.enabled)}",
        f"phrase = {_toml_value(config.voice.phrase)}",
        f"voice = {_toml_value(config.voice.voice)}",
        f"speed = {config.voice.speed}",
        f"chime = {_toml_value(config.voice.chime)}",
        "",
        "[web]",
        "# station serve: the reverse proxies whose X-Forwarded-For is believed (IP addresses",
        '# or networks, e.g. ["127.0.0.1"] for nginx on this PC). Empty: no one\'s.',
        f"trusted_proxies = {_toml_value(config.web.trusted_proxies)}",
    ]
    lines += [
        "",
        "[station]",
        "# Base address printed in each letter's QR code.",
        f"verify_base_url = {_toml_value(config.verify_base_url)}",
        f"timezone = {_toml_value(config.timezone)}",
        "# Minutes without a key press before the operator app locks to a PIN prompt.",
        f"idle_lock_minutes = {config.idle_lock_minutes}",
        "",
        "[database]",
        "# Empty: the SQLite file station.db in this home. For several PCs or a whole city:",
        '# url = "postgresql+psycopg://user:password@host/station"',
        f"url = {_toml_value(config.database_url)}",
        "",
        "# Officials who may sign on behalf of the lurah (a.n. LURAH ...): one table each,",
        "# chosen with `station letter issue --signer KEY` or in the letter screen.",
        "# [signers.sekretaris]",
        '# name = "Nama Sekretaris, S.H."',
        '# nip = "198001012005011001"',
        '# rank = "Penata (III/c)"',
        '# position = "Sekretaris Kelurahan"',
    ]
    for key, signer in config.signers.items():
        lines += ["", f"[signers.{key}]"]
        lines += [f"{f.name} = {_toml_value(getattr(signer, f.name))}" for f in fields(signer)]
    lines.append("")
    return "\n".join(lines)


def write_default_config(home: Path, template: StationConfig | None = None) -> tuple[Path, bool]:
    """Write ``station.toml`` (from ``template`` or the defaults) unless it exists;
    returns (path, created)."""
    path = home / CONFIG_NAME
    if path.exists():
        return path, False
    config = template or StationConfig(home=home)
    home.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".toml.tmp")
    tmp.write_text(render_config(config), encoding="utf-8")
    tmp.replace(path)
    return path, True
