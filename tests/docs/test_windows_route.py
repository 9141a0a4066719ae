"""The Windows route without git or a terminal: a zip of the repository and the double-click
start file ``buurtsim-starten.cmd`` (docs/teaching/windows.md).

What can be tested here, on Linux: the file is there, keeps Windows line endings (in the work
tree and in a ``git archive`` zip), is plain ASCII, and calls uv with a project extra and a
buurtsim command that exist; and a zip of the repository, unpacked, gives a working
environment with exactly that uv command. Not testable here: cmd.exe itself and uv's Windows
installer.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
import tomllib
import zipfile
from pathlib import Path

import pytest

from sim.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
START = ROOT / "buurtsim-starten.cmd"


def uv_arguments(script: str) -> list[str]:
    """The arguments the start file gives uv (the line ``"%UV%" run …``)."""
    lines = [ln for ln in script.splitlines() if ln.startswith('"%UV%" ')]
    assert len(lines) == 1, lines
    return lines[0].split()[1:]


def test_start_file_is_a_windows_batch_file() -> None:
    data = START.read_bytes()
    assert data.isascii(), "cmd.exe reads the file in the console code page: keep it ASCII"
    assert b"\n" in data and data.count(b"\r\n") == data.count(b"\n"), "not CRLF throughout"
    text = data.decode("ascii")
    labels = set(re.findall(r"^:(\w+)", text, flags=re.MULTILINE))
    jumps = set(re.findall(r"goto (\w+)", text))
    assert jumps and jumps <= labels, (jumps, labels)
    assert 'cd /d "%~dp0"' in text, "runs in the unpacked folder, wherever it was started"
    attr = subprocess.run(
        ["git", "check-attr", "eol", "--", START.name], cwd=ROOT, capture_output=True, text=True
    )
    if attr.returncode == 0:
        assert attr.stdout.strip().endswith("eol: crlf"), attr.stdout


def test_start_file_calls_an_extra_and_a_command_that_exist() -> None:
    args = uv_arguments(START.read_text(encoding="ascii"))
    assert args[:1] == ["run"] and "--locked" in args, args
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    extras = project["project"]["optional-dependencies"]
    assert args[args.index("--extra") + 1] in extras
    command = args[args.index("buurtsim") :]
    assert command[0] in project["project"]["scripts"]
    parsed = build_parser().parse_args(command[1:])
    assert parsed.command == "app" and parsed.host == "127.0.0.1" and parsed.port == 8765


def repository_zip(tmp_path: Path) -> Path:
    """The repository as a zip (what GitHub's Download ZIP gives), unpacked in ``tmp_path``."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    archive = tmp_path / "buurtsim.zip"
    subprocess.run(
        ["git", "archive", "--format=zip", "-o", str(archive), "HEAD"], cwd=ROOT, check=True
    )
    with zipfile.ZipFile(archive) as z:
        names = set(z.namelist())
        for needed in ("buurtsim-starten.cmd", "pyproject.toml", "uv.lock", "sim/app/page.py"):
            assert needed in names, f"{needed} is not in a zip of the repository"
        assert any(n.startswith("scenarios/teaching/") for n in names)
        start = z.read("buurtsim-starten.cmd")
        assert start.count(b"\r\n") == start.count(b"\n"), "the zip's start file is not CRLF"
        z.extractall(tmp_path / "buurtsim")
    return tmp_path / "buurtsim"


def uv_in(folder: Path, args: list[str], **kwargs) -> subprocess.CompletedProcess:
    """``uv`` as the start file runs it, in ``folder``, from the cache (no network)."""
    if shutil.which("uv") is None:
        pytest.skip("uv is not installed")
    skip = ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT")
    env = {k: v for k, v in os.environ.items() if k not in skip}
    return subprocess.run(
        ["uv", args[0], "--offline", *args[1:]],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        **kwargs,
    )


def test_unpacked_zip_runs_the_start_files_command(tmp_path: Path) -> None:
    folder = repository_zip(tmp_path)
    args = uv_arguments((folder / "buurtsim-starten.cmd").read_text(encoding="ascii"))
    proc = uv_in(folder, [*args, "--help"])
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "--host HOST" in proc.stdout
    # the web page's modules import in that environment (app extra, no development tools)
    options = args[: args.index("buurtsim")]
    proc = uv_in(folder, [*options, "python", "-c", "import sim.app.page, solara; print('ok')"])
    assert proc.returncode == 0 and proc.stdout.strip().endswith("ok"), proc.stderr[-2000:]
    proc = uv_in(folder, [*options, "python", "-c", "import pytest"])
    assert proc.returncode != 0, "the start file's environment should not carry the dev tools"


@pytest.mark.slow
def test_unpacked_zip_serves_the_page(tmp_path: Path) -> None:
    """The start file's command, in an unpacked zip, serves the page (takes minutes)."""
    folder = repository_zip(tmp_path)
    args = uv_arguments((folder / "buurtsim-starten.cmd").read_text(encoding="ascii"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    log = tmp_path / "app.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            ["uv", "run", "--offline", *args[1:], "--port", str(port)],
            cwd=folder,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            for _ in range(300):
                if "buurtsim app: ready" in log.read_text() or proc.poll() is not None:
                    break
                time.sleep(2)
            assert f"ready, open http://127.0.0.1:{port}" in log.read_text(), log.read_text()
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=60)
