"""Malformed protocol files are refused with a message naming the bad field.

Each case copies the bundled dawna_fes.yaml to tmp_path with one field broken and checks that
load_protocol raises dawna.errors.ValidationError whose message (and ``field``) names the dotted
path of that field.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest
from pydantic import ValidationError as PydanticValidationError

from dawna.errors import NotFound, ValidationError
from dawna.protocol import bundled_protocol, load_protocol
from dawna.protocol.loader import parse_protocol
from dawna.protocol.schema import DrugComponent, Protocol

BUNDLED = resources.files("dawna.protocols").joinpath("dawna_fes.yaml").read_text(encoding="utf-8")


def broken_copy(tmp_path: Path, old: str, new: str) -> Path:
    assert BUNDLED.count(old) == 1, f"the case must change exactly one place: {old!r}"
    path = tmp_path / "broken.yaml"
    path.write_text(BUNDLED.replace(old, new), encoding="utf-8")
    return path


CASES = [
    # (case, old text, new text, dotted path expected in the message)
    ("bad criterion id", "    - id: IN3\n", "    - id: I3\n", "eligibility.inclusion[2].id"),
    ("inclusion id in exclusion", "    - id: EX2\n", "    - id: IN2\n",
     "eligibility.exclusion[1].id"),
    ("duplicate criterion id", "    - id: EX5\n", "    - id: EX4\n", "eligibility.exclusion[4].id"),
    ("minimum age above maximum", "minimum_age_years: 18", "minimum_age_years: 85",
     "eligibility.minimum_age_years"),
    ("unknown key", "  healthy_volunteers: false\n",
     "  healthy_volunteers: false\n  pregnant: false\n", "eligibility.pregnant"),
    ("enrollment is not a number", "{count: 80,", "{count: eighty,", "registry.enrollment.count"),
    ("enrollment as text", "{count: 80,", "{count: '80',", "registry.enrollment.count"),
    ("enrollment zero", "{count: 80,", "{count: 0,", "registry.enrollment.count"),
    ("day 30 in a 28-day cycle", "          days: [1-21]\n", "          days: [1-21, 30]\n",
     "arms[0].regimen.components[0].days"),
    ("loading day outside cycle", "cycle_overrides: {1: [1, 15]}", "cycle_overrides: {1: [1, 35]}",
     "arms[0].regimen.choices[0].options[3].components[0].cycle_overrides.1"),
    ("days not increasing", "days: [1, 8, 15]", "days: [1, 15, 8]",
     "arms[1].regimen.choices[0].options[0].alternatives[0].components[0].days"),
    ("dose range reversed", "dose_min: 10, dose_max: 20", "dose_min: 20, dose_max: 10",
     "arms[0].regimen.choices[0].options[4].components[0].dose_min"),
    ("dose and continuous days", "continuous: true, provenance: confirmed, source: \"[record] "
     "Arm A\"}\n            - id: anastrozole", "continuous: true, days: [1], provenance: "
     "confirmed, source: \"[record] Arm A\"}\n            - id: anastrozole",
     "arms[0].regimen.choices[0].options[0].components[0].days"),
    ("dose levels not starting at the dose", "levels: [150, 125, 100]", "levels: [125, 100]",
     "arms[0].regimen.components[0].dose_levels.levels[0]"),
    ("unknown route", "route: IM\n", "route: INTRAMUSCULAR\n",
     "arms[0].regimen.choices[0].options[3].components[0].route"),
    ("duplicate arm id", "  - id: B\n", "  - id: A\n", "arms[1].id"),
    ("completion before start", "completion_date: 2026-06-30", "completion_date: 2020-06-30",
     "registry.completion_date"),
    ("bad NCT id", "nct_id: NCT05861830", "nct_id: NCT5861830", "registry.nct_id"),
    ("unknown phase", "phase: PHASE3", "phase: PHASE 3", "registry.phase"),
    ("sponsor class", "class: INDUSTRY", "class: PHARMA", "registry.collaborators[0].class"),
    ("setting cites unknown criterion", "criteria: [IN2, EX1]", "criteria: [IN2, EX12]",
     "site_settings.fes_suvmax_er_positive_min.criteria[1]"),
    ("setting status", "    status: confirmed\n    source: \"[record] exclusion criterion EX8\"",
     "    status: approved\n    source: \"[record] exclusion criterion EX8\"",
     "site_settings.other_malignancy_lookback_years.status"),
    ("missing key", "  sex: ALL\n", "", "eligibility.sex"),
    ("healthy volunteers as text", "healthy_volunteers: false", "healthy_volunteers: nope",
     "eligibility.healthy_volunteers"),
]


@pytest.mark.parametrize(("old", "new", "path"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_broken_field_is_named(tmp_path: Path, old: str, new: str, path: str) -> None:
    file = broken_copy(tmp_path, old, new)
    with pytest.raises(ValidationError) as caught:
        load_protocol(file)
    message = str(caught.value)
    assert message.startswith(f"{path}: "), message
    assert caught.value.field == path
    assert str(file) in message
    assert "\n" not in message


def test_criterion_id_message_names_the_rule(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match=r"^eligibility\.inclusion\[2\]\.id: must match "
                                              r"IN<number>"):
        load_protocol(broken_copy(tmp_path, "    - id: IN3\n", "    - id: I3\n"))


def test_day_outside_cycle_message(tmp_path: Path) -> None:
    file = broken_copy(tmp_path, "          days: [1-21]\n", "          days: [1-21, 30]\n")
    with pytest.raises(ValidationError, match="day 30 is outside the 28-day cycle"):
        load_protocol(file)


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    old = "  acronym: DAWNA-FES\n"
    line = BUNDLED[: BUNDLED.index(old)].count("\n") + 1
    file = broken_copy(tmp_path, old, "  acronym: [DAWNA-FES\n")
    with pytest.raises(ValidationError, match=r"YAML error at line \d+") as caught:
        load_protocol(file)
    assert caught.value.field is None
    assert str(file) in str(caught.value)
    reported = int(str(caught.value).split("line ")[1].split(",")[0])
    assert line <= reported <= line + 1


def test_duplicate_yaml_key_is_refused_with_its_line(tmp_path: Path) -> None:
    old = "  phase: PHASE3\n"
    line = BUNDLED[: BUNDLED.index(old)].count("\n") + 2
    file = broken_copy(tmp_path, old, old + "  phase: PHASE2\n")
    with pytest.raises(ValidationError, match=f"line {line}, column 3: duplicate key 'phase'"):
        load_protocol(file)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="protocol file not found"):
        load_protocol(tmp_path / "nope.yaml")


@pytest.mark.parametrize("text", ["", "- a list\n", "just text\n"])
def test_top_level_must_be_a_mapping(text: str) -> None:
    with pytest.raises(ValidationError, match="must be a YAML mapping"):
        parse_protocol(text, source="t.yaml")


def test_more_errors_are_counted(tmp_path: Path) -> None:
    text = BUNDLED.replace("phase: PHASE3", "phase: X").replace("sex: ALL", "sex: ANY")
    with pytest.raises(ValidationError, match=r"registry\.phase: .*1 more error"):
        parse_protocol(text, source="t.yaml")


def test_day_ranges_expand_and_backwards_ranges_fail() -> None:
    common = {"drug": "x", "dose": 1, "unit": "mg", "route": "PO", "frequency": "QD",
              "provenance": "site_decision", "source": "test"}
    assert DrugComponent.model_validate({**common, "days": ["1-3", 8]}).days == (1, 2, 3, 8)
    with pytest.raises(PydanticValidationError, match="runs backwards"):
        DrugComponent.model_validate({**common, "days": ["5-1"]})
    with pytest.raises(PydanticValidationError, match="cycle days, or continuous"):
        DrugComponent.model_validate(common)
    with pytest.raises(PydanticValidationError, match="either dose or dose_min"):
        DrugComponent.model_validate({**common, "dose_min": 1, "dose_max": 2, "days": [1]})


def test_protocol_is_frozen_and_round_trips() -> None:
    protocol = bundled_protocol()
    with pytest.raises(PydanticValidationError):
        protocol.registry.enrollment.count = 81  # type: ignore[misc]
    assert isinstance(protocol.eligibility.inclusion, tuple)
    again = Protocol.model_validate_json(protocol.model_dump_json(by_alias=True))
    assert again == protocol


def test_lookups_raise_not_found() -> None:
    protocol = bundled_protocol()
    assert protocol.arm("A").label == "Arm A"
    assert protocol.criterion("IN2").id == "IN2"
    assert protocol.setting("anc_min").value == 1.5
    for lookup, key in ((protocol.arm, "C"), (protocol.criterion, "IN99"),
                        (protocol.setting, "nope")):
        with pytest.raises(NotFound):
            lookup(key)
    with pytest.raises(TypeError):
        protocol.setting_number("bsa_formula")


def test_libyaml_reads_the_protocol_file_as_the_python_parser_does() -> None:
    """The protocol file is parsed by libyaml where PyYAML has it (the wheels do): the same
    data as PyYAML's own parser gives (the reference), duplicate keys refused by both."""
    import yaml

    from dawna.protocol import loader

    assert issubclass(loader._StrictLoader, yaml.CSafeLoader)  # the C parser is in use here

    class PythonStrict(yaml.SafeLoader):
        pass

    PythonStrict.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
                                 loader._construct_mapping)
    data = loader._read_yaml(BUNDLED, "bundled")
    assert data == yaml.load(BUNDLED, Loader=PythonStrict)
    assert data["arms"] and data["eligibility"]
    with pytest.raises(ValidationError, match="line 2, column 1: duplicate key 'a'"):
        loader._read_yaml("a: 1\na: 2\n", "x.yaml")
    # a file libyaml refuses is reported with PyYAML's own message, which names what is wrong
    with pytest.raises(ValidationError, match="found undefined alias 'nope'"):
        loader._read_yaml("a: 1\nb: *nope\n", "x.yaml")
    with pytest.raises(ValidationError, match=r"line 2, column 1: .*'\\t'"):
        loader._read_yaml("a: 1\n\tb: 2\n", "x.yaml")
