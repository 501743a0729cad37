"""The trial report's figures (``dawna.analysis.report_plots``): each is a standalone SVG that
parses, keeps its text as text, says "No data" for empty input, gives the same bytes for the
same input and points at nothing outside itself. The numbers at risk are checked against a
Kaplan–Meier table written out by hand (and that table against ``survival.kaplan_meier``)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

import pytest

from dawna.analysis.report_plots import (
    ConsortFlow,
    ForestRow,
    SwimmerLane,
    WaterfallBar,
    consort_svg,
    forest_svg,
    format_hr,
    km_svg,
    number_at_risk,
    swimmer_svg,
    waterfall_svg,
)
from dawna.analysis.survival import KmArm, kaplan_meier

SVG = "{http://www.w3.org/2000/svg}"
ARMS = {"A": "Dalpiciclib + ET", "B": "Chemotherapy"}


def _row(time: float, n_risk: int, n_event: int, n_censor: int, survival: float,
         lower: float | None, upper: float | None) -> dict[str, Any]:
    return {"time": time, "n_risk": n_risk, "n_event": n_event, "n_censor": n_censor,
            "survival": survival, "lower": lower, "upper": upper}


# Arm A: 5 participants, times 1, 2, 2, 4, 6; events at 1, at 2 (the other 2 is censored) and
# at 4; censored at 6. S = 4/5 = 0.8 at 1, 0.8 * 3/4 = 0.6 at 2, 0.6 * 1/2 = 0.3 at 4.
TABLE_A = [
    _row(1, 5, 1, 0, 0.8, 0.5, 1.0),
    _row(2, 4, 1, 1, 0.6, 0.3, 1.0),
    _row(4, 2, 1, 0, 0.3, 0.07, 1.0),
    _row(6, 1, 0, 1, 0.3, 0.07, 1.0),
]
# Arm B: 4 participants, times 3, 5, 5, 8; events at 3 and both at 5; censored at 8.
# S = 3/4 = 0.75 at 3, 0.75 * 1/3 = 0.25 at 5. The log band has no bounds where S would be 0
# and R gives NA in places; a None here must be drawn as a gap, not crash.
TABLE_B = [
    _row(3, 4, 1, 0, 0.75, 0.43, 1.0),
    _row(5, 3, 2, 0, 0.25, 0.05, None),
    _row(8, 1, 0, 1, 0.25, None, None),
]


def _km() -> dict[str, KmArm]:
    return {
        "A": KmArm(arm="A", n=5, events=3, median=4.0, ci_lower=2.0, ci_upper=None,
                   transform="log", table=TABLE_A),
        "B": KmArm(arm="B", n=4, events=3, median=5.0, ci_lower=3.0, ci_upper=None,
                   transform="log", table=TABLE_B),
    }


def _parse(svg: str) -> ET.Element:
    assert svg.startswith(("<?xml", "<svg"))
    root = ET.fromstring(svg.encode("utf-8"))
    assert root.tag == f"{SVG}svg"
    return root


def _texts(svg: str) -> list[str]:
    """Every text element's content, in document order."""
    return ["".join(el.itertext()) for el in _parse(svg).iter(f"{SVG}text")]


def _by_id(svg: str, element_id: str) -> ET.Element | None:
    return next((el for el in _parse(svg).iter() if el.get("id") == element_id), None)


def _placed(svg: str, prefix: str, axis: str) -> list[str]:
    """Texts starting with ``prefix`` ordered by their SVG ``x`` or ``y`` (y grows down)."""
    found = [(float(el.get(axis, "nan")), "".join(el.itertext()))
             for el in _parse(svg).iter(f"{SVG}text")]
    return [text for _, text in sorted(found) if text.startswith(prefix)]


def _at_risk_row(svg: str, arm: str, count: int) -> list[str]:
    cells = [_by_id(svg, f"km-at-risk-{arm}-{i}") for i in range(count)]
    assert all(cell is not None for cell in cells)
    return ["".join(cell.itertext()).strip() for cell in cells if cell is not None]


# ---- Kaplan–Meier -------------------------------------------------------------------------------

def test_hand_table_equals_kaplan_meier_counts_and_survival() -> None:
    km = kaplan_meier([1, 2, 2, 4, 6, 3, 5, 5, 8], [1, 1, 0, 1, 0, 1, 1, 1, 0], list("AAAAABBBB"))
    for arm, table in (("A", TABLE_A), ("B", TABLE_B)):
        for mine, theirs in zip(table, km[arm].table, strict=True):
            for key in ("time", "n_risk", "n_event", "n_censor"):
                assert mine[key] == theirs[key]
            assert mine["survival"] == pytest.approx(theirs["survival"], abs=1e-12)


def test_number_at_risk_counts_those_with_time_at_or_after_t() -> None:
    arm = _km()["A"]
    # t=0: first row at or after 0 is t=1, n_risk 5 (everyone). t=2: row t=2 has n_risk 4
    # (the two 2s, the 4 and the 6). t=3: no row at 3, next is t=4 with n_risk 2. t=4: 2.
    # t=6: 1. t=8: after the last row, 1 - 0 events - 1 censored = 0.
    assert [number_at_risk(arm, t) for t in (0, 2, 3, 4, 6, 8)] == [5, 4, 2, 2, 1, 0]
    empty = KmArm(arm="C", n=0, events=0, median=None, ci_lower=None, ci_upper=None,
                  transform="log", table=[])
    assert number_at_risk(empty, 0) == 0


def test_km_numbers_at_risk_row_at_given_times() -> None:
    svg = km_svg(_km(), arm_labels=ARMS, at_risk_times=[0, 2, 4, 8, 10])
    # A as above: 5, 4, 2, then 0 after its last time 6 (at 8 and 10).
    assert _at_risk_row(svg, "A", 5) == ["5", "4", "2", "0", "0"]
    # B (times 3, 5, 5, 8): all 4 at 0 and 2; at 4 the row t=5 has n_risk 3; at 8 the row
    # t=8 has n_risk 1; at 10, after the last row, 1 - 0 - 1 = 0.
    assert _at_risk_row(svg, "B", 5) == ["4", "4", "3", "1", "0"]


def test_km_default_at_risk_times_every_3_to_the_last_time() -> None:
    svg = km_svg(_km(), arm_labels=ARMS)
    # last time 8 → 0, 3, 6. A: 5; row t=4 → 2; row t=6 → 1. B: 4; row t=3 → 4; row t=8 → 1.
    assert _at_risk_row(svg, "A", 3) == ["5", "2", "1"]
    assert _at_risk_row(svg, "B", 3) == ["4", "4", "1"]
    assert _by_id(svg, "km-at-risk-A-3") is None
    texts = _texts(svg)
    for tick in ("0", "3", "6"):
        assert tick in texts


def test_km_labels_censor_marks_and_options() -> None:
    svg = km_svg(_km(), arm_labels=ARMS, title="PFS by arm", at_risk_label="At risk",
                 time_label="Months", survival_label="PFS probability", median_lines=True)
    texts = _texts(svg)
    for text in ("PFS by arm", "At risk", "Months", "PFS probability", *ARMS.values()):
        assert text in texts
    assert _by_id(svg, "km-censor-A") is not None  # censored at 2 and 6
    assert _by_id(svg, "km-censor-B") is not None  # censored at 8
    plain = km_svg(_km(), arm_labels=ARMS, censor_marks=False, show_ci=False)
    assert _by_id(plain, "km-censor-A") is None
    assert len(plain) < len(svg)


def test_km_draws_an_unknown_arm_and_a_curve_reaching_zero() -> None:
    km = kaplan_meier([1, 2, 3, 2, 4, 6, 1.5, 2.5], [1, 1, 1, 1, 0, 1, 1, 0],
                      ["A", "A", "A", "B", "B", "B", "C", "C"])
    assert km["A"].table[-1]["survival"] == 0.0  # no log bounds there (None)
    svg = km_svg(km, arm_labels={**ARMS, "C": "Arm C"})
    assert "Arm C" in _texts(svg)
    assert _at_risk_row(svg, "C", 1) == ["2"]
    # default times 0, 3, 6 (last time 6, arm B): A's times 1, 2, 3 → 3 at 0, 1 at 3, 0 at 6
    assert _at_risk_row(svg, "A", 3) == ["3", "1", "0"]


# ---- forest -------------------------------------------------------------------------------------

def test_format_hr_uses_two_decimals_and_an_en_dash() -> None:
    assert format_hr(0.5712, 0.3467, 0.9321) == "0.57 (0.35–0.93)"
    assert format_hr(None, None, None) == "not estimable"
    assert format_hr(None, None, None, not_estimable="无法估计") == "无法估计"
    assert format_hr(1.2, None, None) == "1.20"


FOREST = [
    ForestRow("All participants", 120, 80, 0.5712, 0.3467, 0.9321),
    ForestRow("Age < 65", 80, 50, 0.61, 0.33, 1.12, note="a"),
    ForestRow("ECOG 1", 10, 3, None, None, None),
    ForestRow("Visceral disease", 40, 20, 0.2, 0.004, 3.5),
]


def test_forest_rows_columns_and_not_estimable() -> None:
    svg = forest_svg(FOREST, title="PFS by subgroup", favours=("Favours dalpiciclib",
                                                               "Favours chemotherapy"))
    texts = _texts(svg)
    for text in ("PFS by subgroup", "All participants", "Age < 65", "ECOG 1", "120 (80)",
                 "10 (3)", "0.57 (0.35–0.93)", "0.61 (0.33–1.12)  a", "0.20 (0.00–3.50)",
                 "Subgroup", "n (events)", "HR (95% CI)", "Hazard ratio (A vs B, 95% CI)"):
        assert text in texts
    assert texts.count("not estimable") == 2  # in place of the square and in the HR column
    assert any("Favours dalpiciclib" in t for t in texts)
    assert any("Favours chemotherapy" in t for t in texts)
    # the reference line at 1 is a tick of the log axis
    assert "1" in texts


# ---- waterfall ----------------------------------------------------------------------------------

BARS = [
    WaterfallBar("S-01", "A", -45.0, "PR"),
    WaterfallBar("S-02", "B", 250.0, "PD"),
    WaterfallBar("S-03", "A", 10.0, "SD"),
    WaterfallBar("S-04", "B", -100.0, "CR"),
    WaterfallBar("S-05", "C", 30.0, "PD"),
]


def test_waterfall_sorted_descending_and_clipped_above_100() -> None:
    svg = waterfall_svg(BARS, arm_labels={**ARMS, "C": "Arm C"})
    texts = _texts(svg)
    # left to right: 250, 30, 10, -45, -100
    assert _placed(svg, "S-", "x") == ["S-02", "S-05", "S-03", "S-01", "S-04"]
    assert _by_id(svg, "waterfall-clipped") is not None
    assert "+250" in texts  # the clipped bar's true value
    for text in (*ARMS.values(), "Arm C", "Best change in target sum from baseline (%)"):
        assert text in texts
    unclipped = waterfall_svg(BARS[:1] + BARS[2:], arm_labels=ARMS)
    assert _by_id(unclipped, "waterfall-clipped") is None


# ---- swimmer ------------------------------------------------------------------------------------

LANES = [
    SwimmerLane("S-01", "A", 14.0, True, ((2.0, "PR"), (6.0, "CR"), (8.0, "dose_reduction"))),
    SwimmerLane("S-02", "B", 6.0, False, ((2.0, "PD"), (5.5, "eot"), (6.0, "death"))),
    SwimmerLane("S-03", "A", 9.0, False, ((9.0, "PD"),)),
    SwimmerLane("S-04", "B", 11.0, True, ()),
]


def test_swimmer_order_markers_and_ongoing_arrows() -> None:
    svg = swimmer_svg(LANES, arm_labels=ARMS, marker_labels={"PR": "Partial response (PR)"})
    texts = _texts(svg)
    # top down: arm A first, longest first (14, 9), a blank row, then arm B (11, 6)
    assert _placed(svg, "S-", "y") == ["S-01", "S-03", "S-04", "S-02"]
    arrows = [el.get("id") for el in _parse(svg).iter()
              if (el.get("id") or "").startswith("swimmer-ongoing-")]
    # lanes top down: S-01 (0), S-03 (1), blank (2), S-04 (3), S-02 (4): ongoing S-01, S-04
    assert arrows == ["swimmer-ongoing-0", "swimmer-ongoing-3"]
    for text in ("Partial response (PR)", "Complete response", "Progressive disease", "Death",
                 "Dose reduction", "End of treatment", "Ongoing", *ARMS.values(),
                 "Months since randomization"):
        assert text in texts


def test_swimmer_unknown_marker_kind_is_labelled_by_name() -> None:
    svg = swimmer_svg([SwimmerLane("S-09", "X", 3.0, False, ((1.0, "biopsy"),))],
                      arm_labels={})
    texts = _texts(svg)
    assert "biopsy" in texts
    assert "X" in texts
    assert "Ongoing" not in texts


# ---- CONSORT ------------------------------------------------------------------------------------

FLOW = ConsortFlow(
    assessed=152, excluded=31,
    exclusion_reasons=[("Not meeting inclusion criteria", 21), ("Declined to participate", 7),
                       ("Other reasons", 3)],
    randomized=121, allocated={"A": 61, "B": 60}, received={"A": 59, "B": 56},
    discontinued={"A": 22, "B": 33},
    discontinuation_reasons={"A": [("Progressive disease", 17), ("Adverse event", 5)],
                             "B": [("Progressive disease", 24), ("Adverse event", 8),
                                   ("Withdrew consent", 1)]},
    analysed={"A": 61, "B": 60},
    arm_labels={"A": "Arm A", "B": "Arm B"},
)


def test_consort_shows_every_count_and_stage() -> None:
    text = "\n".join(_texts(consort_svg(FLOW)))
    for line in ("Assessed for eligibility (n=152)", "Excluded (n=31)",
                 "Not meeting inclusion criteria (n=21)", "Declined to participate (n=7)",
                 "Other reasons (n=3)", "Randomized (n=121)", "Allocated to Arm A (n=61)",
                 "Allocated to Arm B (n=60)", "Received allocated intervention (n=59)",
                 "Received allocated intervention (n=56)",
                 "Did not receive allocated intervention (n=2)",   # 61 - 59
                 "Did not receive allocated intervention (n=4)",   # 60 - 56
                 "Discontinued intervention (n=22)", "Discontinued intervention (n=33)",
                 "Progressive disease (n=17)", "Adverse event (n=5)",
                 "Progressive disease (n=24)", "Adverse event (n=8)", "Withdrew consent (n=1)",
                 "Analysed (n=61)", "Analysed (n=60)",
                 "Enrolment", "Allocation", "Follow-up", "Analysis"):
        assert line in text


def test_consort_texts_are_the_callers_and_a_broken_template_still_shows_its_number() -> None:
    svg = consort_svg(FLOW, texts={"assessed": "评估合格性 (n={n})", "analysed": "分析 {count}",
                                   "enrolment": "入组"})
    text = "\n".join(_texts(svg))
    assert "评估合格性 (n=152)" in text
    assert "入组" in text
    assert "分析 {count} (n=61)" in text


# ---- every figure -------------------------------------------------------------------------------

FIGURES: dict[str, Callable[[], str]] = {
    "km": lambda: km_svg(_km(), arm_labels=ARMS, median_lines=True),
    "forest": lambda: forest_svg(FOREST),
    "waterfall": lambda: waterfall_svg(BARS, arm_labels=ARMS),
    "swimmer": lambda: swimmer_svg(LANES, arm_labels=ARMS),
    "consort": lambda: consort_svg(FLOW),
}


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_same_input_gives_the_same_bytes(name: str) -> None:
    assert FIGURES[name]() == FIGURES[name]()


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_self_contained_text_as_text(name: str) -> None:
    svg = FIGURES[name]()
    _parse(svg)
    for external in ("href=\"http", "url(http", "@import", "<image", "@font-face", "<!DOCTYPE",
                     "<metadata"):
        assert external not in svg
    assert "Noto Sans CJK SC" in svg  # the font family list reaches the browser
    assert "<text" in svg


EMPTY: dict[str, Callable[[str], str]] = {
    "km": lambda text: km_svg({}, arm_labels=ARMS, empty_label=text),
    "forest": lambda text: forest_svg([], empty_label=text),
    "waterfall": lambda text: waterfall_svg([], arm_labels=ARMS, empty_label=text),
    "swimmer": lambda text: swimmer_svg([], arm_labels=ARMS, empty_label=text),
}


@pytest.mark.parametrize("name", sorted(EMPTY))
def test_empty_input_says_so(name: str) -> None:
    assert "No data" in _texts(EMPTY[name]("No data"))
    assert "暂无数据" in _texts(EMPTY[name]("暂无数据"))


def test_km_with_only_empty_arms_says_no_data() -> None:
    empty = KmArm(arm="A", n=0, events=0, median=None, ci_lower=None, ci_upper=None,
                  transform="log", table=[])
    assert "No data" in _texts(km_svg({"A": empty}, arm_labels=ARMS))


def test_consort_of_a_trial_with_nobody_yet_draws_zeros() -> None:
    flow = ConsortFlow(assessed=0, excluded=0, exclusion_reasons=[], randomized=0,
                       allocated={}, received={}, discontinued={}, discontinuation_reasons={},
                       analysed={}, arm_labels={"A": "Arm A", "B": "Arm B"})
    text = "\n".join(_texts(consort_svg(flow)))
    assert "Assessed for eligibility (n=0)" in text
    assert "Allocated to Arm B (n=0)" in text


def test_chinese_labels_do_not_crash() -> None:
    zh = {"A": "达尔西利 + 内分泌治疗", "B": "化疗"}
    svgs = [
        km_svg(_km(), arm_labels=zh, time_label="随机化后月数", survival_label="无进展生存",
               at_risk_label="风险人数", title="无进展生存期"),
        forest_svg([ForestRow("全部患者", 120, 80, 0.57, 0.35, 0.93),
                    ForestRow("年龄 < 65 岁", 10, 2, None, None, None)],
                   x_label="风险比", favours=("支持 A 组", "支持 B 组"),
                   headers=("亚组", "例数（事件）", "HR（95% CI）"), not_estimable="无法估计"),
        waterfall_svg(BARS, arm_labels=zh, y_label="靶病灶直径总和最佳变化（%）"),
        swimmer_svg(LANES, arm_labels=zh, x_label="随机化后月数",
                    marker_labels={"CR": "完全缓解", "ongoing": "仍在随访"}),
        consort_svg(ConsortFlow(
            assessed=10, excluded=2,
            exclusion_reasons=[("不符合入选标准（一条很长的原因，需要在方框内换行显示）", 2)],
            randomized=8, allocated={"A": 4, "B": 4}, received={"A": 4, "B": 3},
            discontinued={"A": 1, "B": 2}, discontinuation_reasons={"B": [("疾病进展", 2)]},
            analysed={"A": 4, "B": 4}, arm_labels=zh), texts={"assessed": "评估合格性（n={n}）"}),
    ]
    joined = "\n".join(t for svg in svgs for t in _texts(svg))
    for text in ("达尔西利 + 内分泌治疗", "风险人数", "全部患者", "无法估计", "完全缓解",
                 "仍在随访", "评估合格性（n=10）", "疾病进展 (n=2)"):
        assert text in joined
