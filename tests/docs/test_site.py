"""The documentation site builds with ``mkdocs build --strict`` and works offline.

A broken link, a page missing from the navigation, or a nav entry whose file is gone makes the
strict build fail, so readers never land on a dead end.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Hosts that would make the site depend on the internet (fonts, CDNs, script shims).
EXTERNAL_ASSET = re.compile(
    r"""<(?:script|link|img)\b[^>]*\b(?:src|href)=["']?(?:https?:)?//""", re.IGNORECASE
)


def build(project: Path, out: Path, *, execute: bool = True) -> subprocess.CompletedProcess:
    """``mkdocs build --strict`` of the site in ``project`` into ``out`` (the researchers'
    notebook executed unless ``execute`` is false)."""
    env = {
        **os.environ,
        "NO_MKDOCS_2_WARNING": "1",
        "BUURTSIM_DOCS_EXECUTE": "true" if execute else "false",
    }
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "--clean",
            "-f",
            str(project / "mkdocs.yml"),
            "-d",
            str(out),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=1800,  # executes the notebook; a shared machine can be slow
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    proc = build(ROOT, out)
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{proc.stdout}\n{proc.stderr}"
    return out


def test_site_has_every_user_guide(site: Path) -> None:
    assert (site / "index.html").is_file()
    assert (site / "install.html").is_file()
    teaching = site / "teaching"
    pages = sorted(p.name for p in teaching.glob("oefening-*.html"))
    assert len(pages) == 6, pages
    assert (teaching / "antwoorden.html").is_file()
    assert (teaching / "workshop-beheerders.html").is_file()
    for name in (
        "guide-policymakers",
        "guide-researchers",
        "odd",
        "scenarios",
        "calibration",
        "performance",
    ):
        if (ROOT / "docs" / f"{name}.md").exists():
            assert (site / f"{name}.html").is_file(), f"{name}.md is not in the built site"


def test_every_markdown_page_is_in_the_navigation() -> None:
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    pages = sorted(p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").rglob("*.md"))
    missing = [p for p in pages if p not in nav]
    assert not missing, f"pages not reachable from the site navigation: {missing}"


def test_site_loads_nothing_from_the_internet(site: Path) -> None:
    offenders = {}
    for page in site.rglob("*.html"):
        hits = EXTERNAL_ASSET.findall(page.read_text(encoding="utf-8"))
        if hits:
            offenders[page.relative_to(site).as_posix()] = hits[:3]
    assert not offenders, f"pages that load assets from the internet: {offenders}"


def test_broken_link_fails_the_build(tmp_path: Path) -> None:
    """The strict check is real: a dead link in a page stops the build with a clear warning."""
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(ROOT / "mkdocs.yml", project / "mkdocs.yml")
    shutil.copytree(ROOT / "site_templates", project / "site_templates")
    shutil.copytree(
        ROOT / "docs", project / "docs", ignore=shutil.ignore_patterns(".ipynb_checkpoints")
    )
    index = project / "docs" / "index.md"
    index.write_text(
        index.read_text(encoding="utf-8") + "\n[dead](no-such-page.md)\n", encoding="utf-8"
    )
    proc = build(project, tmp_path / "out", execute=False)
    assert proc.returncode != 0
    assert "no-such-page.md" in proc.stdout + proc.stderr


def test_researchers_notebook_is_shown_with_its_outputs(site: Path) -> None:
    """The notebook page is executed at build time on the project's Python: it shows the
    outputs of the current model, and its links lead to other pages of the site."""
    page = (site / "notebooks" / "quickstart.html").read_text(encoding="utf-8")
    assert f"python : {sys.executable}" in page  # the setup cell's output
    for output in ("unsafe_gap", "This notebook ran in", "<img"):
        assert output in page, output
    assert 'href="../guide-researchers.html' in page and "guide-researchers.md" not in page
    assert (site / "notebooks" / "quickstart.ipynb").is_file()  # offered for download


def test_no_page_loads_mathjax_from_a_cdn(site: Path) -> None:
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8").lower()
        assert "mathjax" not in text or "cdn" not in text, page.relative_to(site).as_posix()
