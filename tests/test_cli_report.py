"""`nazorg report`: periods, formats, --output, and one-line errors (exit 1)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from tests.conftest import Cli


def test_report_json_for_last_month(cli_team: Cli) -> None:
    result = cli_team(
        "incident", "add", "--employee", "E1", "--date", "2026-02-10", "--kind", "geweld"
    )
    assert result.exit_code == 0, result.output
    result = cli_team("report", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["period"] == {"from": "2026-02-01", "to": "2026-02-28"}
    assert data["k"] == 5
    assert data["total"]["incidents"] == "<5"
    assert [row["team"] for row in data["teams"]] == ["BT1"]  # 6 employees: a row of its own
    assert "Eva" not in result.output and "E1" not in result.output
    one = json.loads(cli_team("report", "--team", "BT1", "--format", "json").output)
    assert [row["team"] for row in one["teams"]] == ["BT1"] and one["total"] == data["total"]


def test_formats_and_output(cli_team: Cli, tmp_path: Path) -> None:
    target = tmp_path / "r.csv"
    result = cli_team("report", "--months", "4", "--until", "2026-02", "--format", "csv",
                      "--output", str(target))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "november 2025 t/m februari 2026" in result.output
    assert target.read_text().startswith("team,name,incidents,")
    assert oct(target.stat().st_mode & 0o777) == "0o600"
    again = cli_team("report", "--format", "csv", "--output", str(target))
    assert again.exit_code == 1 and "bestaat al" in again.output
    html = cli_team("report", "--month", "2026-02", "--format", "html")
    assert html.exit_code == 0 and html.output.startswith("<!doctype html>")


def test_bad_input_is_one_line(cli_team: Cli) -> None:
    for args, words in (
        (("--month", "2026-13"), "JJJJ-MM"),
        (("--months", "5"), "4, 8 of 12"),
        (("--month", "2026-02", "--months", "4"), "niet allebei"),
        (("--until", "2026-02"), "--months"),
        (("--month", "2027-01"), "toekomst"),
        (("--format", "docx"), "kies uit"),
        (("--team", "NOPE"), "onbekend team"),
    ):
        result = cli_team("report", *args)
        assert result.exit_code == 1, args
        assert words in result.output, (args, result.output)
        assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output


def test_a_leader_account_is_refused(cli_team: Cli) -> None:
    result = cli_team("user", "add", "lars", "--role", "leader", "--employee", "L1",
                      input="correct horse battery\ncorrect horse battery\n")  # fmt: skip
    assert result.exit_code == 0, result.output
    result = cli_team("report", "--by", "lars")
    assert result.exit_code == 1
    assert "geen toegang" in result.output


def test_a_pdf_without_weasyprint_libraries_is_one_line_with_the_fix(
    cli_team: Cli, tmp_path: Path, monkeypatch: Any
) -> None:
    """A machine without Pango (WeasyPrint cannot load it): one line naming what to install,
    exit 1, and no file written."""
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # import fails as without the library
    target = tmp_path / "r.pdf"
    result = cli_team("report", "--format", "pdf", "--output", str(target))
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and "libpango-1.0-0" in result.output
    assert not target.exists()
