"""tests/scheduling.py: the long modules first, each module's tests kept together and in their
order, and the demo's modules each a group of their own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from scheduling import LONG_FIRST, arrange


class _Item:
    """What ``arrange`` reads of a pytest item."""

    def __init__(self, module: str, name: str, groups: tuple[str, ...] = ()) -> None:
        self.path = Path(f"tests/x/{module}.py")
        self.name = name
        self.marks: list[Any] = [pytest.mark.xdist_group(g).mark for g in groups]
        self._fixtureinfo = None

    def iter_markers(self, name: str) -> list[Any]:
        return [m for m in self.marks if m.name == name]

    def add_marker(self, marker: Any) -> None:
        self.marks.append(marker.mark)

    def groups(self) -> str:
        return "_".join(sorted({m.args[0] for m in self.iter_markers("xdist_group")}))


def test_long_modules_first_and_each_module_together_in_its_order() -> None:
    long_a, long_b = LONG_FIRST[0], LONG_FIRST[1]
    items = [_Item("test_plain", "t1"), _Item(long_b, "b1"), _Item("test_other", "o1"),
             _Item(long_a, "a1"), _Item("test_plain", "t2"), _Item(long_b, "b2")]
    arrange(items)  # type: ignore[arg-type]
    assert [i.name for i in items] == ["a1", "b1", "b2", "t1", "t2", "o1"]


def test_demo_group_modules_get_a_group_each_others_keep_theirs() -> None:
    items = [_Item("test_odm", "x", ("demo_exports",)), _Item("test_fhir_export", "y",
                                                          ("demo_exports",)),
             _Item("test_forms", "z", ("browser_forms",)), _Item("test_plain", "w")]
    arrange(items)  # type: ignore[arg-type]
    groups = {i.name: i.groups() for i in items}
    assert groups == {"x": "demo_exports_test_odm", "y": "demo_exports_test_fhir_export",
                      "z": "browser_forms", "w": ""}
