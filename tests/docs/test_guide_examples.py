"""The worked examples of docs/guide-researchers.md run as printed."""

from __future__ import annotations

import re
from pathlib import Path

from sim.cli import main

GUIDE = Path("docs/guide-researchers.md")


def example(name: str) -> str:
    text = GUIDE.read_text(encoding="utf-8")
    block = re.search(
        rf"<!-- example:{name}:start -->\n```python\n(.*?)```\n<!-- example:{name}:end -->",
        text,
        flags=re.DOTALL,
    )
    assert block, f"{GUIDE} has no example {name!r}"
    return block.group(1)


def test_share_of_groups_with_an_arrest(tmp_path, capsys):
    out = tmp_path / "baseline-logs"
    argv = ["run", "baseline", "--outputs", "groups,incidents", "--out", str(out), "--no-plot"]
    assert main(argv) == 0  # the command the guide prints
    code = example("group-arrests")
    assert 'Path("results/baseline-logs")' in code
    capsys.readouterr()
    scope: dict = {}
    exec(code.replace('Path("results/baseline-logs")', f"Path({str(out)!r})"), scope)
    printed = capsys.readouterr().out
    assert "groups saw at least one arrest in the year" in printed
    assert 0 <= scope["share"] <= 1 and scope["share"] == scope["share_sql"]
    assert scope["n_groups"] == len(scope["groups"]) > 1
    # independent: groups whose weekly log shows an arrest after the burn-in, by week
    weeks = __import__("pandas").read_parquet(out / "group_weeks.parquet")
    later = weeks[weeks["week"] >= 53].groupby("group")["arrests"].sum()  # from day 371
    assert ((later >= 1) <= (scope["arrests"] >= 1)).all()
