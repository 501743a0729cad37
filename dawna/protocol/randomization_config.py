"""The protocol file's ``randomization:`` section.

What the sources fix and what they leave to the site:

* Registry record NCT05861830: randomized, parallel, 80 participants, two arms ("A" dalpiciclib +
  endocrine therapy, "B" chemotherapy); allocation 1:1 follows from the record's two equal arms.
* The record names **no stratification factors** and no method. The bundled default (stratified
  permuted blocks on visceral metastasis yes/no and the setting of the prior CDK4/6 inhibitor,
  adjuvant/advanced) is a site decision that the trial statistician may change before go-live.
* ICH E9 §2.3.2 (randomization, blocking, stratification); Schulz & Grimes, Lancet
  2002;359:515-519 (block sizes varied at random so that allocations cannot be predicted);
  Pocock & Simon, Biometrics 1975;31:103-115 (minimization: imbalance function, factor weights,
  probability of the arm that minimises imbalance).

Every check raises a pydantic error located at the offending field (``ratio``, ``block_sizes``,
``factors``, ``minimization``), which the protocol loader reports with its path in the file.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

__all__ = [
    "DecisionStatus",
    "MinimizationSettings",
    "RandomizationSettings",
    "StratificationFactor",
]

# Factor names and levels go into stratum keys "name=level|name=level": slugs keep "=" and "|"
# out of them (a level may start with a digit, e.g. ECOG "0_1"; quote it in YAML). Arm codes go
# into list fingerprints, so they too are plain words.
Slug = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
LevelSlug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_]*$")]
ArmCode = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$")]
DecisionStatus = Literal["confirmed", "to_confirm", "site_decision"]


# Field order matters: the randomization service fingerprints ``model_dump()`` of these settings
# when a list is generated, so reordering or adding fields changes that fingerprint.


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StratificationFactor(_Model):
    """One stratification (or minimization) factor and its levels, in the order the protocol
    lists them; strata are named in this order."""

    name: Slug
    label: str = Field(min_length=1)
    levels: tuple[LevelSlug, ...] = Field(min_length=2)
    status: DecisionStatus
    source: str = Field(min_length=1)

    @field_validator("levels")
    @classmethod
    def _unique_levels(cls, levels: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(levels)) != len(levels):
            raise ValueError("levels must be unique")
        return levels


class MinimizationSettings(_Model):
    """Pocock & Simon (1975): imbalance function (range or variance of the arm counts at the new
    patient's level of each factor), weight of each factor (1 when not named) and the probability
    of giving the arm that minimises the weighted imbalance (biased coin; p = 1 is deterministic
    minimization, which ICH E9 §2.3.2 advises against). ``tie_rule``: when several arms share the
    smallest imbalance, ``random`` gives one of them with equal probability (Pocock & Simon §3;
    R Minirand), the only rule dawna implements, named so that the protocol states it."""

    imbalance: Literal["range", "variance"] = "range"
    weights: Mapping[str, Annotated[float, Field(gt=0)]] = Field(default_factory=dict)
    probability: Annotated[float, Field(gt=0.5, le=1.0)] = 0.8
    tie_rule: Literal["random"] = "random"


class RandomizationSettings(_Model):
    """Method, arms and ratio, block sizes, factors, list size and minimization settings.

    ``list_size_per_stratum`` is the number of positions generated in each stratum's list (the
    last block is completed, so a list may be a little longer). 60 per stratum is a wide margin
    for 80 patients over 4 strata, since the split of patients between strata is not known.
    ``status``/``source`` document who decided the method and the factors.
    """

    method: Literal["permuted_blocks", "minimization"]
    arms: tuple[ArmCode, ...] = Field(min_length=2)
    ratio: tuple[Annotated[int, Field(gt=0)], ...]
    block_sizes: tuple[Annotated[int, Field(gt=0)], ...] = Field(default=(2, 4), min_length=1)
    factors: tuple[StratificationFactor, ...] = Field(min_length=1)
    list_size_per_stratum: Annotated[int, Field(gt=0)] = 60
    minimization: MinimizationSettings = MinimizationSettings()
    status: DecisionStatus = "site_decision"
    source: str = ""

    @field_validator("arms")
    @classmethod
    def _unique_arms(cls, arms: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(arms)) != len(arms):
            raise ValueError("arms must be unique")
        return arms

    @field_validator("ratio")
    @classmethod
    def _one_number_per_arm(cls, ratio: tuple[int, ...], info: ValidationInfo
                            ) -> tuple[int, ...]:
        arms = info.data.get("arms")
        if arms is not None and len(ratio) != len(arms):
            raise ValueError(f"ratio must give one number per arm ({len(arms)} arms, "
                             f"{len(ratio)} numbers)")
        return ratio

    @field_validator("block_sizes")
    @classmethod
    def _blocks_hold_the_ratio(cls, sizes: tuple[int, ...], info: ValidationInfo
                               ) -> tuple[int, ...]:
        if len(set(sizes)) != len(sizes):
            raise ValueError("block sizes must be unique")
        ratio = info.data.get("ratio")
        if ratio:
            unit = sum(ratio)
            for size in sizes:
                if size % unit:
                    raise ValueError(f"block size {size} is not a multiple of the ratio sum "
                                     f"{unit}")
        return sizes

    @field_validator("factors")
    @classmethod
    def _unique_factor_names(cls, factors: tuple[StratificationFactor, ...]
                             ) -> tuple[StratificationFactor, ...]:
        names = [f.name for f in factors]
        if len(set(names)) != len(names):
            raise ValueError("factor names must be unique")
        return factors

    @field_validator("minimization")
    @classmethod
    def _weights_name_factors(cls, m: MinimizationSettings, info: ValidationInfo
                              ) -> MinimizationSettings:
        factors = info.data.get("factors")
        if factors is not None:
            unknown = set(m.weights) - {f.name for f in factors}
            if unknown:
                raise ValueError(f"minimization weights name unknown factors: {sorted(unknown)}")
        return m
