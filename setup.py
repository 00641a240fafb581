"""The one thing pyproject.toml cannot say: find every package under ``station/`` and ship the
top-level ``migrations/`` folder inside them as ``station.migrations`` (the mapping itself is in
pyproject.toml's ``package-dir``). Finding instead of listing means a new part is never missing
from the wheel."""

from setuptools import find_packages, setup

setup(
    packages=[
        *find_packages(include=["station", "station.*"]),
        *(f"station.{name}" for name in find_packages(include=["migrations", "migrations.*"])),
    ]
)
