"""docs/performance.md's differential section is written by docs/differential_report.py from a
pytest JUnit report of the slow tier, never by hand (issue 11: the slow tier is run once and
reported)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path("docs/differential_report.py")


@pytest.fixture(scope="module")
def report():
    spec = importlib.util.spec_from_file_location("differential_report", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" errors="0" failures="1" skipped="0" tests="3" time="95.0">
<testcase classname="tests.reference.test_differential"
  name="test_engine_agrees_with_reference_full[baseline]" time="60.04" />
<testcase classname="tests.reference.test_differential"
  name="test_engine_agrees_with_reference_full[no_groups]" time="30.0">
  <failure message="AssertionError: no_groups: worry_members differs (p = 1e-05)&#10;more">
  trace</failure></testcase>
<testcase classname="tests.reference.test_differential"
  name="test_full_suite_detects_doubled_alert_worry" time="4.96" />
</testsuite></testsuites>
"""


def test_the_page_is_what_the_script_writes_from_the_stored_record(report):
    page = Path("docs/performance.md").read_text(encoding="utf-8")
    assert report.replace_section(page, report.render(report.stored_record())) == page, (
        "docs/performance.md's differential section is stale: run "
        "`uv run python docs/differential_report.py` (with the slow tier's --junitxml report "
        "after a new run)"
    )


def test_the_stored_run_belongs_to_the_current_suite(report):
    record = report.stored_record()
    if record is None:
        pytest.skip("no slow-tier run stored yet (the page says so)")
    from tests.reference.differential import SCENARIOS
    from tests.reference.test_differential import SLOW_SEEDS

    assert record["scenarios"] == list(SCENARIOS) and record["seeds"] == len(SLOW_SEEDS), (
        "the differential suite changed since its slow tier was last reported: rerun it and "
        "`uv run python docs/differential_report.py REPORT.xml`"
    )
    assert len(record["tests"]) == len(SCENARIOS) + 1  # + the detection test


def test_a_junit_report_becomes_the_per_test_table(report, tmp_path):
    xml = tmp_path / "slow.xml"
    xml.write_text(JUNIT, encoding="utf-8")
    tests = report.read_junit(xml)
    assert [t["outcome"] for t in tests] == ["passed", "failed", "passed"]
    assert [t["seconds"] for t in tests] == [60.0, 30.0, 5.0]
    assert tests[1]["message"] == "AssertionError: no_groups: worry_members differs (p = 1e-05)"
    section = report.render(report.make_record(tests, date="2026-12-01", commit="abc"))
    assert "3 tests, 2 passed, 1 failed; 1.6 minutes in all" in section
    assert "| `test_engine_agrees_with_reference_full[baseline]` | passed | 1.0 |" in section
    assert "failed: AssertionError: no_groups" in section
    page = "intro\n" + report.START_LINE + "\nold\n" + report.END + "\noutro\n"
    assert report.replace_section(page, section) == "intro\n" + section + "\noutro\n"


def test_a_report_without_test_cases_is_refused(report, tmp_path):
    xml = tmp_path / "empty.xml"
    xml.write_text("<testsuites><testsuite tests='0'/></testsuites>", encoding="utf-8")
    with pytest.raises(SystemExit, match="no test cases"):
        report.read_junit(xml)
