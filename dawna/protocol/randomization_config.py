"""The protocol file's ``randomization:`` section (ICH E9 §2.3; the registry record says only
"RANDOMIZED", 1:1 by its two arms; method, factors and list size are site decisions)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Slug = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StratificationFactor(_Model):
    name: Slug
    label: str = Field(min_length=1)
    levels: tuple[Slug, ...] = Field(min_length=2)
    status: Literal["confirmed", "to_confirm", "site_decision"]
    source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_levels(self) -> StratificationFactor:
        if len(set(self.levels)) != len(self.levels):
            raise ValueError("levels must be unique")
        return self


class MinimizationSettings(_Model):
    """Pocock & Simon (Biometrics 1975;31:103-115): imbalance function, factor weights, and the
    probability of giving the arm that minimises imbalance (biased coin)."""

    imbalance: Literal["range", "variance"] = "range"
    weights: Mapping[str, Annotated[float, Field(gt=0)]] = Field(default_factory=dict)
    probability: Annotated[float, Field(gt=0.5, le=1.0)] = 0.8


class RandomizationSettings(_Model):
    method: Literal["permuted_blocks", "minimization"]
    arms: tuple[str, ...] = Field(min_length=2)
    ratio: tuple[Annotated[int, Field(gt=0)], ...]
    block_sizes: tuple[Annotated[int, Field(gt=0)], ...] = (2, 4)
    factors: tuple[StratificationFactor, ...] = Field(min_length=1)
    list_size_per_stratum: Annotated[int, Field(gt=0)] = 60
    minimization: MinimizationSettings = MinimizationSettings()
    status: Literal["confirmed", "to_confirm", "site_decision"] = "site_decision"
    source: str = ""

    @model_validator(mode="after")
    def _check(self) -> RandomizationSettings:
        if len(self.ratio) != len(self.arms):
            raise ValueError("ratio must give one number per arm")
        if len(set(self.arms)) != len(self.arms):
            raise ValueError("arms must be unique")
        unit = sum(self.ratio)
        for size in self.block_sizes:
            if size % unit:
                raise ValueError(f"block size {size} is not a multiple of the ratio sum {unit}")
        names = [f.name for f in self.factors]
        if len(set(names)) != len(names):
            raise ValueError("factor names must be unique")
        unknown = set(self.minimization.weights) - set(names)
        if unknown:
            raise ValueError(f"minimization weights name unknown factors: {sorted(unknown)}")
        return self
