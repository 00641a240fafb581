"""python-escpos's capabilities pickle: a truncated one (a process killed while writing it)
must not break printing for good, and concurrent first starts must not see half a file."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

PRINT_ONE_TICKET = """
from station.printing import build_job, PrintSettings
from station.printing.layout import Text
job = build_job([Text("TES")], PrintSettings())
assert job.startswith(b"\\x1b@"), job[:4]
print("ok")
"""


def _run(cache: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ESCPOS_CAPABILITIES_PICKLE_DIR": str(cache)}
    return subprocess.run(
        [sys.executable, "-c", PRINT_ONE_TICKET], env=env, capture_output=True, text=True
    )


def test_a_truncated_capabilities_pickle_is_rebuilt(tmp_path: Path) -> None:
    pickle_path = tmp_path / f"{platform.python_version()}.capabilities.pickle"
    pickle_path.write_bytes(b"\x80\x04\x95")  # what a SIGKILL mid-write leaves
    os.utime(pickle_path, (4_000_000_000, 4_000_000_000))  # newer than the package file
    done = _run(tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
    assert pickle_path.stat().st_size > 10_000


def test_many_first_starts_at_once_all_print(tmp_path: Path) -> None:
    env = {**os.environ, "ESCPOS_CAPABILITIES_PICKLE_DIR": str(tmp_path)}
    starts = [
        subprocess.Popen(
            [sys.executable, "-c", PRINT_ONE_TICKET],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(6)
    ]
    results = [p.communicate() for p in starts]
    assert [p.returncode for p in starts] == [0] * 6, [err for _, err in results]
    assert not list(tmp_path.glob("*.tmp"))
