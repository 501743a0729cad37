"""Permuted blocks, sealing, verification and Pocock–Simon minimization, against hand counts."""

from __future__ import annotations

import pytest

from dawna.errors import ValidationError
from dawna.protocol.randomization_config import RandomizationSettings, StratificationFactor
from dawna.rules import randomization as r

SEED = bytes(range(32))
FACTORS = (
    StratificationFactor(name="visceral_metastasis", label="Visceral", levels=("yes", "no"),
                         status="site_decision", source="test"),
    StratificationFactor(name="cdk46i_setting", label="CDK4/6i", levels=("adjuvant", "advanced"),
                         status="site_decision", source="test"),
)


def test_every_block_holds_the_ratio_and_sizes_come_from_the_set() -> None:
    slots = r.permuted_block_list(SEED, "s", 400, ("A", "B"), (1, 1), (2, 4))
    blocks: dict[int, list[str]] = {}
    for s in slots:
        blocks.setdefault(s.block, []).append(s.arm)
    assert {len(b) for b in blocks.values()} == {2, 4}  # both sizes occur over a long list
    for arms in blocks.values():
        assert arms.count("A") == arms.count("B")
    running = 0
    for s in slots:  # 1:1 with blocks of at most 4: never more than 2 apart
        running += 1 if s.arm == "A" else -1
        assert abs(running) <= 2
    assert [s.position for s in slots] == list(range(1, len(slots) + 1))


def test_two_to_one_ratio() -> None:
    slots = r.permuted_block_list(SEED, "s", 30, ("A", "B"), (2, 1), (3, 6))
    blocks: dict[int, list[str]] = {}
    for s in slots:
        blocks.setdefault(s.block, []).append(s.arm)
    for arms in blocks.values():
        assert arms.count("A") == 2 * arms.count("B")


def test_lists_reproduce_from_the_seed_and_differ_by_stratum_and_seed() -> None:
    one = r.permuted_block_list(SEED, "x", 40, ("A", "B"), (1, 1), (2, 4))
    assert one == r.permuted_block_list(SEED, "x", 40, ("A", "B"), (1, 1), (2, 4))
    assert [s.arm for s in one] != [s.arm for s in r.permuted_block_list(
        SEED, "y", 40, ("A", "B"), (1, 1), (2, 4))]
    assert [s.arm for s in one] != [s.arm for s in r.permuted_block_list(
        bytes(32), "x", 40, ("A", "B"), (1, 1), (2, 4))]
    changed = [*one[:-1], r.Slot("x", one[-1].position, "B" if one[-1].arm == "A" else "A",
                                 one[-1].block, one[-1].block_size)]
    assert r.list_fingerprint(one) != r.list_fingerprint(changed)


def test_strata_are_named_in_factor_order_and_bad_levels_refused() -> None:
    assert r.stratum_key({"cdk46i_setting": "advanced", "visceral_metastasis": "no"},
                         FACTORS) == "visceral_metastasis=no|cdk46i_setting=advanced"
    assert len(r.all_strata(FACTORS)) == 4
    with pytest.raises(ValidationError) as info:
        r.stratum_key({"visceral_metastasis": "maybe", "cdk46i_setting": "advanced"}, FACTORS)
    assert info.value.field == "visceral_metastasis"
    with pytest.raises(ValidationError) as info:
        r.stratum_key({"visceral_metastasis": "no"}, FACTORS)
    assert info.value.field == "cdk46i_setting"


def test_seal_round_trip_and_tampering() -> None:
    token = r.seal(SEED, b"k" * 32, "ctx")
    assert SEED.hex() not in token
    assert r.unseal(token, b"k" * 32, "ctx") == SEED
    with pytest.raises(ValidationError):
        r.unseal(token, b"j" * 32, "ctx")
    with pytest.raises(ValidationError):
        r.unseal(token, b"k" * 32, "other")
    tampered = ("A" if token[0] != "A" else "B") + token[1:]
    with pytest.raises(ValidationError):
        r.unseal(tampered, b"k" * 32, "ctx")


def test_verification_finds_wrong_arm_reuse_and_gap() -> None:
    slots = r.permuted_block_list(SEED, "s", 8, ("A", "B"), (1, 1), (2, 4))
    good = [("s", s.position, s.arm) for s in slots[:5]]
    assert r.verify_allocations({"s": slots}, good) == []
    wrong = [*good[:4], ("s", 5, "B" if slots[4].arm == "A" else "A")]
    assert len(r.verify_allocations({"s": slots}, wrong)) == 1
    reused = [*good, ("s", 5, slots[4].arm)]
    assert any("twice" in m for m in r.verify_allocations({"s": slots}, reused))
    gap = [g for g in good if g[1] != 3]
    assert any("skipped: [3]" in m for m in r.verify_allocations({"s": slots}, gap))
    assert any("not in the list" in m for m in r.verify_allocations({"s": slots},
                                                                     [("t", 1, "A")]))


COUNTS = {  # patients already allocated, by factor level and arm
    "visceral": {"yes": {"A": 5, "B": 3}, "no": {"A": 4, "B": 6}},
    "setting": {"adjuvant": {"A": 2, "B": 4}, "advanced": {"A": 7, "B": 5}},
}


def test_minimization_hand_worked_example_following_pocock_simon_1975_method() -> None:
    """Pocock & Simon (1975) §2-3, worked by hand for a new patient (visceral = yes,
    setting = advanced), two arms, equal weights:

    put in A: visceral=yes counts (6, 3) range 3; advanced (8, 5) range 3 → G_A = 6
    put in B: visceral=yes counts (5, 4) range 1; advanced (7, 6) range 1 → G_B = 2
    B minimises imbalance; with p = 0.8 it is given when u < 0.8 (u = 0.79), otherwise A
    (u = 0.81). Variance (population, 2 arms = (d/2)²): A: 2.25 + 2.25 = 4.5; B: 0.25 + 0.25 = 0.5.
    """
    levels = {"visceral": "yes", "setting": "advanced"}
    w = {"visceral": 1.0, "setting": 1.0}
    assert r.imbalance_scores(COUNTS, levels, ("A", "B"), w, "range") == {"A": 6.0, "B": 2.0}
    assert r.imbalance_scores(COUNTS, levels, ("A", "B"), w, "variance") == {"A": 4.5, "B": 0.5}
    d = r.minimization_assign(COUNTS, levels, ("A", "B"), w, "range", 0.8, 0.79)
    assert (d.arm, d.preferred_arms) == ("B", ("B",))
    assert r.minimization_assign(COUNTS, levels, ("A", "B"), w, "range", 0.8, 0.81).arm == "A"


def test_weights_change_the_preferred_arm() -> None:
    """New patient visceral = no, setting = adjuvant; the factors disagree:
    visceral=no (A 6, B 4), adjuvant (A 2, B 4).
    Into A: 3 and 1; into B: 1 and 3. Equal weights tie; weight 3 on setting → A (3+3=6 vs 1+9=10),
    weight 3 on visceral → B (9+1=10 vs 3+3=6)."""
    counts = {"visceral": {"no": {"A": 6, "B": 4}}, "setting": {"adjuvant": {"A": 2, "B": 4}}}
    levels = {"visceral": "no", "setting": "adjuvant"}
    tie = r.minimization_assign(counts, levels, ("A", "B"), {}, "range", 0.8, 0.3)
    assert tie.preferred_arms == ("A", "B") and tie.arm == "A"  # u < 1/2 picks the first
    assert r.minimization_assign(counts, levels, ("A", "B"), {}, "range", 0.8, 0.7).arm == "B"
    assert r.minimization_assign(counts, levels, ("A", "B"), {"setting": 3.0}, "range", 0.8,
                                 0.1).arm == "A"
    assert r.minimization_assign(counts, levels, ("A", "B"), {"visceral": 3.0}, "range", 0.8,
                                 0.1).arm == "B"


def test_range_and_variance_differ_with_three_arms() -> None:
    """Counts of the patient's level (A 0, B 2, C 4). Into A → (1,2,4): range 3, var 14/9;
    into B → (0,3,4): range 4; into C → (0,2,5): range 5. Both prefer A here; with
    (A 3, B 3, C 0): into C → (3,3,1) range 2, var 8/9; into A → (4,3,0) range 4, var 26/9."""
    counts = {"f": {"x": {"A": 3, "B": 3, "C": 0}}}
    scores = r.imbalance_scores(counts, {"f": "x"}, ("A", "B", "C"), {}, "variance")
    assert scores["C"] == pytest.approx(8 / 9) and scores["A"] == pytest.approx(26 / 9)
    assert r.imbalance_scores(counts, {"f": "x"}, ("A", "B", "C"), {}, "range")["C"] == 2


def test_uniform_draws_are_reproducible_and_spread() -> None:
    draws = [r.uniform(SEED, "min", n) for n in range(2000)]
    assert draws == [r.uniform(SEED, "min", n) for n in range(2000)]
    assert all(0 <= u < 1 for u in draws)
    assert 0.45 < sum(draws) / len(draws) < 0.55


@pytest.mark.parametrize(("change", "field"), [
    ({"ratio": (1, 1, 1)}, "ratio"), ({"block_sizes": (3,)}, "block size"),
    ({"minimization": {"weights": {"nope": 1.0}}}, "unknown factors"),
])
def test_settings_refuse_inconsistent_values(change: dict, field: str) -> None:  # type: ignore[type-arg]
    base = {"method": "permuted_blocks", "arms": ("A", "B"), "ratio": (1, 1),
            "factors": [f.model_dump() for f in FACTORS]}
    with pytest.raises(Exception, match=field):
        RandomizationSettings.model_validate(base | change)
