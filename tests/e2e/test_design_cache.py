"""The design page computes a design's simulation once (it depends only on the design, the
trial count and the seed) and draws its curve once per language."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from dawna.web.routes import design as design_route


def test_the_same_design_is_simulated_once_and_drawn_per_language(
        client_for: Callable[..., TestClient], monkeypatch: pytest.MonkeyPatch) -> None:
    design_route._simulated.cache_clear()
    design_route._curve.cache_clear()
    calls: list[Any] = []
    real = design_route.design_report

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(design_route, "design_report", counted)
    params = {"trials": 300, "seed": 7, "median_a": 8.0}
    english = client_for("coord_a", "en")
    first = english.get("/design", params=params)
    again = english.get("/design", params=params)
    assert first.status_code == again.status_code == 200
    assert first.text == again.text and "Hazard ratio (A vs B)" in first.text
    chinese = client_for("coord_a", "zh-CN").get("/design", params=params)
    assert chinese.status_code == 200 and "Hazard ratio (A vs B)" not in chinese.text
    assert len(calls) == 1  # three pages, one simulation
    other = english.get("/design", params=params | {"seed": 8})
    assert other.status_code == 200 and len(calls) == 2  # another seed is another simulation
