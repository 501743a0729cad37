"""The protocol file's endpoints (issue 18 item 13): declared with their roles and analysis
populations, refused by the schema when broken (naming the field), and read by the report:
changing which endpoint is primary in the YAML changes the report's primary endpoint and its
section headings."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from dawna.analysis import adam
from dawna.analysis.adam import StatusRecord, SubjectRecord
from dawna.errors import ValidationError
from dawna.protocol import bundled_protocol, load_protocol
from dawna.protocols import __file__ as protocols_init
from dawna.services import endpoints

YAML = Path(protocols_init).parent / "dawna_fes.yaml"
PFS_PRIMARY = "  - id: PFS\n    role: primary\n"
OS_SECONDARY = "  - id: OS\n    role: secondary\n"


def _copy(tmp_path: Path, *changes: tuple[str, str]) -> Path:
    text = YAML.read_text(encoding="utf-8")
    for old, new in changes:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp_path / "protocol.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_bundled_protocol_declares_the_trials_endpoints() -> None:
    protocol = bundled_protocol()
    roles = {e.id: (e.role, e.kind, e.population) for e in protocol.endpoints}
    assert roles == {
        "PFS": ("primary", "time_to_event", "ITT"), "OS": ("secondary", "time_to_event", "ITT"),
        "ORR": ("secondary", "response_rate", "ITT"),
        "CBR": ("secondary", "response_rate", "ITT"),
        "SAFETY": ("secondary", "safety", "SAFETY"),
        "PFS_FES": ("exploratory", "time_to_event", "ITT")}
    assert protocol.primary_endpoint is not None and protocol.primary_endpoint.id == "PFS"
    assert protocol.endpoint("PFS_FES").subgroup == "FESCAT"
    assert all(e.definition and e.source and e.time_frame for e in protocol.endpoints)


def _two_arms() -> adam.AdamData:
    r = date(2024, 3, 12)
    subjects = [SubjectRecord(pseudonym=f"P{k}", site="S", arm=arm, arm_label=arm,
                              randomized=r, factors={},
                              cycle_starts=(date(2024, 3, 14),) if treated else (),
                              events=() if treated else (
                                  StatusRecord("study_ended", date(2024, 3, 20), "withdrawal"),))
                for k, (arm, treated) in enumerate((("A", True), ("A", False), ("B", True)))]
    return adam.derive(subjects, date(2024, 12, 31))


def test_changing_the_primary_in_the_yaml_changes_the_reports_primary(tmp_path: Path) -> None:
    data = _two_arms()
    rows = endpoints.declared(data, ("A", "B"))
    assert rows[0]["id"] == "PFS" and rows[0]["role"] == "primary"
    # populations: ITT counts all randomized (A 2, B 1), SAFETY those dosed (A 1, B 1)
    by_id = {r["id"]: r for r in rows}
    assert by_id["PFS"]["n"] == {"A": 2, "B": 1} and by_id["SAFETY"]["n"] == {"A": 1, "B": 1}
    heads = endpoints.headings(rows)
    assert heads["pfs"] == "Progression-free survival (primary endpoint)"
    assert heads["os"] == "Overall survival (secondary endpoint)"
    assert heads["fes"].endswith("(exploratory endpoint)")

    swapped = load_protocol(_copy(tmp_path, (PFS_PRIMARY, "  - id: PFS\n    role: secondary\n"),
                                  (OS_SECONDARY, "  - id: OS\n    role: primary\n")))
    rows = endpoints.declared(data, ("A", "B"), swapped)
    assert rows[0]["id"] == "OS" and [r["id"] for r in rows if r["role"] == "primary"] == ["OS"]
    heads = endpoints.headings(rows)
    assert heads["os"] == "Overall survival (primary endpoint)"
    assert heads["pfs"] == "Progression-free survival (secondary endpoint)"


@pytest.mark.parametrize(("changes", "field", "words"), [
    # two primaries
    (((OS_SECONDARY, "  - id: OS\n    role: primary\n"),), "endpoints", "exactly one primary"),
    # no primary
    (((PFS_PRIMARY, "  - id: PFS\n    role: secondary\n"),), "endpoints", "exactly one primary"),
    # a response rate without its flag
    ((("    flag: ORRFL\n", ""),), "endpoints[2].flag", "ADRS flag"),
    # the safety endpoint over the ITT population
    ((("    kind: safety\n    population: SAFETY\n", "    kind: safety\n    population: ITT\n"),),
     "endpoints[4].population", "SAFETY population"),
    # an unknown kind
    ((("    kind: safety\n", "    kind: quality_of_life\n"),), "endpoints[4].kind", ""),
    # a duplicate id
    ((("  - id: CBR\n", "  - id: ORR\n"),), "endpoints[3].id", "duplicate"),
    # a subgroup on a secondary endpoint
    ((("    parameter: OS\n", "    parameter: OS\n    subgroup: FESCAT\n"),),
     "endpoints[1].subgroup", "exploratory"),
])
def test_an_invalid_endpoint_is_refused_by_the_schema(
        tmp_path: Path, changes: tuple[tuple[str, str], ...], field: str, words: str) -> None:
    with pytest.raises(ValidationError) as caught:
        load_protocol(_copy(tmp_path, *changes))
    assert field in caught.value.message and words in caught.value.message, caught.value.message
