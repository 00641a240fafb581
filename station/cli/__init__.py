"""Command-line entry: thin, one function per command (docs/architecture.md §Command-line contract).

Every command takes ``--json`` and then prints exactly one JSON object on stdout. Exit status:
0 success, 1 a refusal the user must see, 2 wrong usage. Messages to people are Indonesian.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from station import __version__
from station.cli import (
    apps,
    audit,
    backup,
    city,
    display,
    letters,
    office,
    printer,
    queue,
    register,
    reports,
    requests,
    setup,
)
from station.cli.common import refuse_undecodable_arguments
from station.cli.indonesian import install as _indonesian_click

_indonesian_click()  # Click's usage errors and help headings in Bahasa Indonesia


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="station")
def cli() -> None:
    """Station: antrean dan layanan surat kelurahan."""


# The order of the groups in --help is click's (alphabetical); registration order is free.
for _module in (
    setup,
    register,
    office,
    audit,
    queue,
    letters,
    apps,
    display,
    printer,
    reports,
    requests,
    backup,
    city,
):
    _module.register(cli)


def main() -> None:
    os.environ.setdefault("ESCPOS_CAPABILITIES_PICKLE_DIR", str(Path.home() / ".cache" / "station"))
    refuse_undecodable_arguments(sys.argv[1:])
    cli(prog_name="station")
