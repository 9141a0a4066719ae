"""Shipped files carry no absolute paths of the machine that made them (results, reports,
scenarios, Parquet metadata): a clone on another computer shows nothing of ours."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MACHINE_PATH = re.compile(
    rb"(?<![\w.])(/work/|/home/[a-z_][\w-]*/|/root/|/tmp/|/Users/[\w-]+/|[A-Za-z]:\\\\?Users)"
)


def tracked_files() -> list[Path]:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs a git checkout")
    names = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    # tests name such paths on purpose (to check for them or to make temporary files)
    return [ROOT / n.decode() for n in names if n and not n.startswith(b"tests/")]


def test_no_absolute_machine_paths_in_tracked_files():
    found = []
    for path in tracked_files():
        if not path.is_file():
            continue
        data = path.read_bytes()
        if path.suffix == ".parquet":
            import pyarrow.parquet as pq

            data = b"".join((pq.read_schema(path).metadata or {}).values())
        for m in MACHINE_PATH.finditer(data):
            line = data[: m.start()].count(b"\n") + 1
            found.append(f"{path.relative_to(ROOT)}:{line}: {m.group().decode(errors='replace')}")
    assert not found, "absolute machine paths:\n" + "\n".join(found[:20])
