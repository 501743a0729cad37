"""``dawna protocol validate`` and ``dawna protocol show`` through Typer's CliRunner."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dawna.cli.protocol import app
from dawna.protocol import bundled_protocol
from dawna.protocol.loader import parse_protocol

BUNDLED_PATH = Path(str(resources.files("dawna.protocols").joinpath("dawna_fes.yaml")))
runner = CliRunner()


def broken_file(tmp_path: Path) -> Path:
    text = BUNDLED_PATH.read_text(encoding="utf-8")
    path = tmp_path / "broken.yaml"
    path.write_text(text.replace("    - id: IN3\n", "    - id: X3\n"), encoding="utf-8")
    return path


def test_validate_ok() -> None:
    result = runner.invoke(app, ["validate", str(BUNDLED_PATH)])
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "OK: NCT05861830 DAWNA-FES, 9 inclusion / 10 exclusion criteria, 2 arms\n")


def test_validate_broken_file_prints_one_error_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(broken_file(tmp_path))])
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: eligibility.inclusion[2].id: must match IN<number>")


def test_validate_missing_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(tmp_path / "none.yaml")])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: protocol file not found")


def test_show_text_has_every_section() -> None:
    result = runner.invoke(app, ["show"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    out = result.stdout
    protocol = bundled_protocol()
    assert "NCT05861830" in out
    for criterion in protocol.eligibility.criteria:
        assert criterion.id in out
    assert [f"IN{n}" for n in range(1, 10)] == [c.id for c in protocol.eligibility.inclusion]
    for text in ("Arm A", "Arm B", "dalpiciclib 150 mg PO QD, days 1-21",
                 "fulvestrant 500 mg IM ONCE, day 1; cycle 1: days 1, 15",
                 "tamoxifen 10-20 mg PO BID, continuous", "bilateral oophorectomy",
                 "carboplatin AUC 6 mg/mL·min IV ONCE, day 1", "entered by the physician",
                 "Peking Union Medical College Hospital", "+86-133-6617-1269", "NCT06301438",
                 "PekingUMCH-FES-BC-2", "Qiang Sun, M.D.", "Jiangsu HengRui"):
        assert text in out, text
    for name in protocol.site_settings:
        assert name in out, name


def test_show_json_parses() -> None:
    result = runner.invoke(app, ["show", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["registry"]["nct_id"] == "NCT05861830"
    assert data["registry"]["lead_sponsor"]["class"] == "OTHER"
    assert len(data["eligibility"]["exclusion"]) == 10


def test_show_yaml_is_a_valid_protocol_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["show", "--format", "yaml", "--file", str(BUNDLED_PATH)])
    assert result.exit_code == 0, result.output
    assert parse_protocol(result.stdout, source="show output") == bundled_protocol()


def test_show_broken_file_exits_1(tmp_path: Path) -> None:
    result = runner.invoke(app, ["show", "--file", str(broken_file(tmp_path))])
    assert result.exit_code == 1
    assert "eligibility.inclusion[2].id" in result.stderr


@pytest.mark.parametrize("args", [["--help"], ["validate", "--help"], ["show", "--help"]])
def test_help(args: list[str]) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 0
    assert "Usage" in result.stdout
