"""The ``randomization:`` section of the protocol file: the default parses, and every inconsistent
value is refused by pydantic with the error located at the offending field."""

from __future__ import annotations

from importlib import resources
from typing import Any

import pydantic
import pytest
import yaml

from dawna.protocol.randomization_config import (
    MinimizationSettings,
    RandomizationSettings,
    StratificationFactor,
)

# The default section (the same text as the snippet handed over for dawna_fes.yaml).
DEFAULT_SNIPPET = """
randomization:
  method: permuted_blocks
  arms: [A, B]
  ratio: [1, 1]
  block_sizes: [2, 4]
  list_size_per_stratum: 60
  status: site_decision
  source: >-
    Registry record NCT05861830 names no stratification factors and no allocation method. Site
    decision: stratified permuted blocks on visceral metastasis and the setting of the prior
    CDK4/6 inhibitor, to be confirmed or changed by the trial statistician before go-live.
  factors:
    - name: visceral_metastasis
      label: Visceral metastasis
      levels: ["yes", "no"]
      status: site_decision
      source: >-
        Site decision: visceral disease is prognostic in HR+/HER2- advanced breast cancer and a
        usual stratification factor in its trials (e.g. PALOMA-3, Turner et al., N Engl J Med
        2015;373:209-219); not named by the registry record.
    - name: cdk46i_setting
      label: Setting of the prior CDK4/6 inhibitor
      levels: [adjuvant, advanced]
      status: site_decision
      source: >-
        Site decision following IN5 of the registry record: part (1) (neo)adjuvant CDK4/6
        inhibitor or relapse after it = adjuvant; part (2) CDK4/6 inhibitor for metastatic
        disease = advanced.
  minimization:
    imbalance: range
    weights: {visceral_metastasis: 1.0, cdk46i_setting: 1.0}
    probability: 0.8
"""


def _default() -> dict[str, Any]:
    section: dict[str, Any] = yaml.safe_load(DEFAULT_SNIPPET)["randomization"]
    return section


def _errors(data: dict[str, Any]) -> list[Any]:
    with pytest.raises(pydantic.ValidationError) as info:
        RandomizationSettings.model_validate(data)
    return info.value.errors()


def _assert_located(errors: list[Any], loc: tuple[Any, ...], words: str) -> None:
    """The error sits at ``loc`` and says ``words``; any other error is on the same field (a
    refused list item also makes pydantic report the list as too short)."""
    at_loc = [e["msg"] for e in errors if e["loc"] == loc]
    assert at_loc, [e["loc"] for e in errors]
    assert any(words in msg for msg in at_loc), at_loc
    assert {e["loc"][:len(loc) - 1 or 1] for e in errors} == {loc[:len(loc) - 1 or 1]}


def test_default_snippet_parses_into_the_site_decision() -> None:
    cfg = RandomizationSettings.model_validate(_default())
    assert cfg.method == "permuted_blocks"
    assert (cfg.arms, cfg.ratio, cfg.block_sizes) == (("A", "B"), (1, 1), (2, 4))
    assert [f.name for f in cfg.factors] == ["visceral_metastasis", "cdk46i_setting"]
    assert [f.levels for f in cfg.factors] == [("yes", "no"), ("adjuvant", "advanced")]
    assert {f.status for f in cfg.factors} == {"site_decision"} and cfg.status == "site_decision"
    assert "names no stratification factors" in cfg.source
    assert cfg.list_size_per_stratum == 60
    assert cfg.minimization == MinimizationSettings(
        imbalance="range", weights={"visceral_metastasis": 1.0, "cdk46i_setting": 1.0},
        probability=0.8)


def test_bundled_protocol_section_agrees_with_the_default() -> None:
    text = resources.files("dawna.protocols").joinpath("dawna_fes.yaml").read_text("utf-8")
    section = yaml.safe_load(text).get("randomization")
    if section is None:
        pytest.skip("dawna_fes.yaml has no randomization: section yet")
    bundled = RandomizationSettings.model_validate(section)
    default = RandomizationSettings.model_validate(_default())
    fields = ("method", "arms", "ratio", "block_sizes", "list_size_per_stratum", "minimization")
    assert {f: getattr(bundled, f) for f in fields} == {f: getattr(default, f) for f in fields}
    assert [(f.name, f.levels) for f in bundled.factors] == [
        (f.name, f.levels) for f in default.factors]


def test_defaults_when_keys_are_left_out() -> None:
    data = _default()
    for key in ("block_sizes", "list_size_per_stratum", "minimization", "status", "source"):
        del data[key]
    cfg = RandomizationSettings.model_validate(data)
    assert cfg.block_sizes == (2, 4) and cfg.list_size_per_stratum == 60
    assert cfg.minimization == MinimizationSettings()
    assert (cfg.minimization.imbalance, cfg.minimization.probability) == ("range", 0.8)
    assert dict(cfg.minimization.weights) == {}
    assert cfg.status == "site_decision"


@pytest.mark.parametrize(("change", "loc", "words"), [
    ({"ratio": [1, 1, 1]}, ("ratio",), "one number per arm"),
    ({"ratio": [1]}, ("ratio",), "one number per arm"),
    ({"ratio": [1, 0]}, ("ratio", 1), "greater than 0"),
    ({"block_sizes": [3]}, ("block_sizes",), "block size 3 is not a multiple of the ratio sum 2"),
    ({"block_sizes": [2, 2]}, ("block_sizes",), "unique"),
    ({"block_sizes": []}, ("block_sizes",), "at least 1"),
    ({"ratio": [2, 1], "block_sizes": [3, 4]}, ("block_sizes",), "block size 4"),
    ({"arms": ["A", "A"], "ratio": [1, 1]}, ("arms",), "unique"),
    ({"arms": ["A"], "ratio": [1]}, ("arms",), "at least 2"),
    ({"arms": ["A|B", "C"]}, ("arms", 0), "pattern"),
    ({"method": "coin_toss"}, ("method",), "permuted_blocks"),
    ({"list_size_per_stratum": 0}, ("list_size_per_stratum",), "greater than 0"),
    ({"factors": []}, ("factors",), "at least 1"),
    ({"status": "maybe"}, ("status",), "site_decision"),
    ({"stratify_by_site": True}, ("stratify_by_site",), "Extra inputs"),
])
def test_inconsistent_settings_name_the_field(change: dict[str, Any], loc: tuple[Any, ...],
                                              words: str) -> None:
    _assert_located(_errors(_default() | change), loc, words)


@pytest.mark.parametrize(("minimization", "loc", "words"), [
    ({"weights": {"ecog": 1.0}}, ("minimization",), "unknown factors: ['ecog']"),
    ({"weights": {"visceral_metastasis": 0}}, ("minimization", "weights", "visceral_metastasis"),
     "greater than 0"),
    ({"probability": 0.5}, ("minimization", "probability"), "greater than 0.5"),
    ({"probability": 1.01}, ("minimization", "probability"), "less than or equal to 1"),
    ({"imbalance": "entropy"}, ("minimization", "imbalance"), "range"),
])
def test_bad_minimization_settings_name_the_field(minimization: dict[str, Any],
                                                  loc: tuple[Any, ...], words: str) -> None:
    errors = _errors(_default() | {"minimization": minimization})
    _assert_located(errors, loc, words)


@pytest.mark.parametrize(("factor_change", "loc", "words"), [
    ({"levels": ["yes"]}, ("factors", 0, "levels"), "at least 2"),
    ({"levels": ["yes", "yes"]}, ("factors", 0, "levels"), "unique"),
    ({"levels": ["Yes=1", "no"]}, ("factors", 0, "levels", 0), "pattern"),
    ({"name": "Visceral Metastasis"}, ("factors", 0, "name"), "pattern"),
    ({"status": "decided"}, ("factors", 0, "status"), "site_decision"),
    ({"source": ""}, ("factors", 0, "source"), "at least 1"),
])
def test_bad_factor_names_the_field(factor_change: dict[str, Any], loc: tuple[Any, ...],
                                    words: str) -> None:
    data = _default()
    data["factors"][0] |= factor_change
    errors = _errors(data)
    _assert_located(errors, loc, words)


def test_duplicate_factor_names_are_refused() -> None:
    data = _default()
    data["factors"][1]["name"] = "visceral_metastasis"
    data["minimization"]["weights"] = {"visceral_metastasis": 1.0}
    errors = _errors(data)
    assert [e["loc"] for e in errors] == [("factors",)]
    assert "factor names must be unique" in errors[0]["msg"]


def test_unquoted_yes_no_in_yaml_is_refused() -> None:
    """YAML 1.1 (PyYAML) reads unquoted yes/no as booleans; the levels must be text."""
    data = yaml.safe_load(DEFAULT_SNIPPET.replace('["yes", "no"]', "[yes, no]"))["randomization"]
    errors = _errors(data)
    assert {e["loc"][:3] for e in errors} == {("factors", 0, "levels")}


def test_settings_are_frozen() -> None:
    cfg = RandomizationSettings.model_validate(_default())
    with pytest.raises(pydantic.ValidationError):
        cfg.method = "minimization"  # type: ignore[misc]
    factor = StratificationFactor(name="ecog", label="ECOG PS", levels=("0_1", "2"),
                                  source="test", status="to_confirm")
    assert factor.levels == ("0_1", "2")
