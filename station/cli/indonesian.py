"""Click's own words in Bahasa Indonesia: usage errors and the help page's headings.

Click (8.x) looks every message up through ``gettext`` (``_`` and ``ngettext`` bound at
import in its modules); :func:`install` points those names at the table below, so a missing
option, a bad value, an unknown command or option reads like the rest of Station
(docs/architecture.md §Command-line contract: messages to people are Indonesian). Messages not
in the table stay as Click words them. Installed once when ``station.cli`` is imported.
"""

from __future__ import annotations

import gettext
from types import ModuleType

import click.core
import click.decorators
import click.exceptions
import click.formatting
import click.parser
import click.termui
import click.types
import click.utils

# Click's message ids (8.x) -> Indonesian; placeholders are Click's, unused ones are allowed.
MESSAGES: dict[str, str] = {
    "Usage:": "Penggunaan:",
    "Options": "Opsi",
    "Commands": "Perintah",
    "Positional arguments": "Argumen",
    "Show this message and exit.": "Tampilkan bantuan ini lalu keluar.",
    "Show the version and exit.": "Tampilkan versi lalu keluar.",
    "Try '{command} {option}' for help.": "Lihat '{command} {option}' untuk bantuan.",
    "Error: {message}": "Galat: {message}",
    "Aborted!": "Dibatalkan.",
    "Missing argument": "Argumen wajib belum diisi:",
    "Missing option": "Opsi wajib belum diisi:",
    "Missing parameter": "Parameter wajib belum diisi:",
    "Missing {param_type}": "{param_type} wajib belum diisi:",
    "Missing parameter: {param_name}": "Parameter wajib belum diisi: {param_name}",
    "Missing command.": "Perintah belum diberikan.",
    "No such command {name!r}.": "Perintah {name!r} tidak ada.",
    "No such option {name!r}.": "Opsi {name!r} tidak ada.",
    "Option {name!r} does not take a value.": "Opsi {name!r} tidak menerima nilai.",
    "Option {name!r} requires an argument.": "Opsi {name!r} memerlukan nilai.",
    "Option {name!r} requires {nargs} arguments.": "Opsi {name!r} memerlukan {nargs} nilai.",
    "Argument {name!r} takes {nargs} values.": "Argumen {name!r} memerlukan {nargs} nilai.",
    "Got unexpected extra argument ({args})": "Ada argumen berlebih ({args})",
    "Got unexpected extra arguments ({args})": "Ada argumen berlebih ({args})",
    "Invalid value for {param_hint}: {message}": "Nilai tidak sah untuk {param_hint}: {message}",
    "Invalid value: {message}": "Nilai tidak sah: {message}",
    "Did you mean {possibility}?": "Mungkin maksudnya {possibility}?",
    "(Did you mean one of: {possibilities}?)": "(Mungkin maksudnya salah satu: {possibilities}?)",
    "{value!r} is not {choice}.": "{value!r} bukan {choice}.",
    "{value!r} is not one of {choices}.": "{value!r} bukan salah satu dari {choices}.",
    "{value!r} is not a valid {number_type}.": "{value!r} bukan angka yang sah.",
    "{value} is not in the range {range}.": "{value} di luar rentang {range}.",
    "{value!r} is not a valid boolean. Recognized values: {states}": (
        "{value!r} bukan nilai ya/tidak yang sah. Yang dikenal: {states}"
    ),
    "{value!r} does not match the format {format}.": "{value!r} tidak sesuai format {format}.",
    "{value!r} does not match the formats {formats}.": ("{value!r} tidak sesuai format {formats}."),
    "{name} {filename!r} does not exist.": "{filename!r} tidak ada.",
    "{name} {filename!r} is a directory.": "{filename!r} adalah folder, bukan berkas.",
    "{name} {filename!r} is a file.": "{filename!r} adalah berkas, bukan folder.",
    "{name} {filename!r} is not readable.": "{filename!r} tidak dapat dibaca.",
    "{name} {filename!r} is not writable.": "{filename!r} tidak dapat ditulisi.",
    "Could not open file {filename!r}: {message}": (
        "Berkas {filename!r} tidak dapat dibuka: {message}"
    ),
    "default: {default}": "bawaan: {default}",
    "Error: invalid input": "Galat: masukan tidak sah",
    "Error: The two entered values do not match.": "Galat: kedua isian tidak sama.",
    "Repeat for confirmation": "Ulangi untuk konfirmasi",
}

_MODULES: tuple[ModuleType, ...] = (
    click.core,
    click.decorators,
    click.exceptions,
    click.formatting,
    click.parser,
    click.termui,
    click.types,
    click.utils,
)


def translate(message: str) -> str:
    return MESSAGES.get(message) or gettext.gettext(message)


def ntranslate(singular: str, plural: str, n: int) -> str:
    chosen = singular if n == 1 else plural
    return MESSAGES.get(chosen) or gettext.ngettext(singular, plural, n)


def install() -> None:
    """Point Click's message lookups at :data:`MESSAGES` (idempotent)."""
    for module in _MODULES:
        if hasattr(module, "_"):
            module._ = translate  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = ntranslate  # type: ignore[attr-defined]
