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

#: the teacher's material: built, but kept out of the menu and unlinked from students' pages
TEACHER_ONLY = ("teaching/docent/", "teaching/antwoorden.md")
#: the exercises of the lesson module, in their order
EXERCISES = sorted(p.stem for p in (ROOT / "docs" / "teaching").glob("oefening-*.md"))

HREF = re.compile(r'<a\b[^>]*\bhref="([^"]+)"')

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
    """Every page is in the menu, except the teacher's material (``not_in_nav``), which the
    teacher's guide links instead."""
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    nav = config.split("\nnav:", 1)[1]
    pages = sorted(p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").rglob("*.md"))
    missing = [p for p in pages if p not in nav and not p.startswith(TEACHER_ONLY)]
    assert not missing, f"pages not reachable from the site navigation: {missing}"
    in_nav = [p for p in pages if p.startswith(TEACHER_ONLY) and p in nav]
    assert not in_nav, f"teacher's material in the students' navigation: {in_nav}"
    for folder in TEACHER_ONLY:
        assert folder in config.split("not_in_nav:", 1)[1].split("\n\n")[0], folder


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


def links(page: Path) -> list[str]:
    """The relative links of a built page (no external, mailto or same-page links)."""
    found = HREF.findall(page.read_text(encoding="utf-8"))
    return [h for h in found if not re.match(r"^[a-z]+:|^#|^//", h)]


def dead_links(site: Path, page: Path) -> list[str]:
    """Links of ``page`` whose file, or whose #anchor in that file, is not in the build."""
    dead = []
    for href in links(page):
        path, _, anchor = href.partition("#")
        target = (page.parent / path).resolve() if path else page
        missing = not target.is_file()
        if missing or (anchor and f'id="{anchor}"' not in target.read_text(encoding="utf-8")):
            dead.append(href)
    return dead


def test_week_plan_links_every_exercise_and_every_link_exists(site: Path) -> None:
    """A reviewer can follow week 1 to 7 from the site alone: the week plan links all six
    exercises, and no link from the week plan or a page it links to ends on a missing page."""
    plan = site / "teaching" / "weekplan.html"
    linked = {(plan.parent / h.partition("#")[0]).resolve() for h in links(plan)}
    for exercise in EXERCISES:
        assert (site / "teaching" / f"{exercise}.html").resolve() in linked, exercise
    assert len(EXERCISES) == 6, EXERCISES
    pages = [plan, *sorted(p for p in linked if p.suffix == ".html" and p.is_file())]
    dead = {p.relative_to(site).as_posix(): dead_links(site, p) for p in pages}
    assert not any(dead.values()), f"links to pages or anchors missing from the build: {dead}"
    for week in range(1, 8):
        assert f'id="week-{week}' in plan.read_text(encoding="utf-8"), f"week {week}"


def test_dead_link_check_sees_a_missing_page(tmp_path: Path) -> None:
    page = tmp_path / "teaching" / "weekplan.html"
    page.parent.mkdir()
    (tmp_path / "teaching" / "oefening-1.html").write_text('<h2 id="a">a</h2>', encoding="utf-8")
    page.write_text(
        '<a href="oefening-1.html#a">ok</a><a href="oefening-1.html#b">no anchor</a>'
        '<a href="oefening-9.html">gone</a><a href="https://example.org">web</a>',
        encoding="utf-8",
    )
    assert dead_links(tmp_path, page) == ["oefening-1.html#b", "oefening-9.html"]


def student_pages(site: Path) -> list[Path]:
    """The built pages of the students' lesson module (everything under teaching/ that is not
    teacher's material)."""
    teacher = tuple(t.removesuffix(".md").removesuffix("/") for t in TEACHER_ONLY)
    return [
        p
        for p in sorted((site / "teaching").rglob("*.html"))
        if not p.relative_to(site).as_posix().startswith(teacher)
    ]


def test_answer_sheet_is_not_one_click_from_a_student_page(site: Path) -> None:
    """No student page, menu included, links the answer sheet or the teacher's guide; the
    teacher's guide links the answer sheet and the home page links the teacher's guide."""
    students = student_pages(site)
    assert len(students) >= 12, [p.name for p in students]
    offenders = {}
    for page in students:
        bad = [h for h in links(page) if "antwoorden.html" in h or "docent/" in h]
        if bad:
            offenders[page.relative_to(site).as_posix()] = bad
    assert not offenders, f"student pages that link the teacher's material: {offenders}"
    guide = site / "teaching" / "docent" / "index.html"
    assert any(h.startswith("../antwoorden.html") for h in links(guide))
    assert any(h.startswith("teaching/docent/index.html") for h in links(site / "index.html"))


def test_dutch_pages_are_dutch_down_to_the_site_labels(site: Path) -> None:
    """The lesson module and the policymakers' guide are rendered as Dutch pages (lang="nl",
    Material's Dutch labels such as the search box); the English pages stay English."""
    dutch = [*student_pages(site), *sorted((site / "teaching" / "docent").glob("*.html"))]
    dutch += [site / "teaching" / "antwoorden.html", site / "guide-policymakers.html"]
    wrong = {}
    for page in dutch:
        html = page.read_text(encoding="utf-8")
        if '<html lang="nl"' not in html or 'placeholder="Zoeken"' not in html:
            wrong[page.relative_to(site).as_posix()] = re.findall(r'<html lang="[^"]*"', html)
    assert not wrong, f"Dutch pages not rendered as Dutch: {wrong}"
    for english in ("index.html", "odd.html", "install.html"):
        html = (site / english).read_text(encoding="utf-8")
        assert '<html lang="en"' in html and 'placeholder="Search"' in html, english
