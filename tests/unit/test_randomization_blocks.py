"""Stratified permuted blocks with random block sizes, the HMAC random stream, the list
fingerprint, sealing of the seed and verification of allocations made.

References: Schulz & Grimes, Lancet 2002;359:515-519 (random block sizes, allocation concealment);
ICH E9 §2.3.2 (blocking and stratification). The stream, the list and the sealed token are also
recomputed here from their documented constructions with :mod:`hmac` alone, independently of
the module, so that a change of algorithm (which would change every list made from an existing
seed) cannot pass unnoticed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
from collections import Counter
from collections.abc import Iterator, Sequence

import pytest

from dawna.errors import ValidationError
from dawna.protocol.randomization_config import StratificationFactor
from dawna.rules import randomization as r

SEED = bytes(range(32))
KEY = hashlib.sha256(b"server secret for tests").digest()
AB = ("A", "B")
FACTORS = (
    StratificationFactor(name="visceral_metastasis", label="Visceral metastasis",
                         levels=("yes", "no"), status="site_decision", source="test"),
    StratificationFactor(name="cdk46i_setting", label="Setting of the prior CDK4/6 inhibitor",
                         levels=("adjuvant", "advanced"), status="site_decision", source="test"),
)


def _blocks(slots: Sequence[r.Slot]) -> dict[int, list[r.Slot]]:
    out: dict[int, list[r.Slot]] = {}
    for s in slots:
        out.setdefault(s.block, []).append(s)
    return out


# -- Independent reference of the documented construction --------------------------------------

def _words(seed: bytes, label: str) -> Iterator[int]:
    for counter in itertools.count():
        digest = hmac.new(seed, f"{label}|{counter}".encode(), hashlib.sha256).digest()
        for i in range(4):
            yield int.from_bytes(digest[8 * i:8 * i + 8], "big")


def _below(words: Iterator[int], n: int) -> int:
    while True:
        x = next(words)
        if x < 2**64 - 2**64 % n:
            return x % n


def _reference_arms(seed: bytes, stratum: str, size: int, arms: Sequence[str],
                    ratio: Sequence[int], sizes: Sequence[int]) -> list[tuple[str, int, int]]:
    words, block = _words(seed, f"blocks|{stratum}"), 0
    out: list[tuple[str, int, int]] = []
    while len(out) < size:
        block += 1
        b = sizes[_below(words, len(sizes))]
        content = [a for a, k in zip(arms, ratio, strict=True) for _ in range(k * b // sum(ratio))]
        for i in reversed(range(1, len(content))):  # Fisher-Yates, Knuth's algorithm P
            j = _below(words, i + 1)
            content[i], content[j] = content[j], content[i]
        out += [(a, block, b) for a in content]
    return out


def test_list_is_the_documented_hmac_fisher_yates_construction() -> None:
    for stratum, ratio, sizes in [("visceral_metastasis=yes|cdk46i_setting=advanced", (1, 1),
                                   (2, 4)), ("s", (2, 1), (3, 6)), ("t", (1, 1), (4, 6, 8))]:
        slots = r.permuted_block_list(SEED, stratum, 50, AB, ratio, sizes)
        assert [(s.arm, s.block, s.block_size) for s in slots] == _reference_arms(
            SEED, stratum, 50, AB, ratio, sizes)
        assert [s.position for s in slots] == list(range(1, len(slots) + 1))
        assert {s.stratum for s in slots} == {stratum}


def test_uniform_and_randbelow_are_the_documented_hmac_draws() -> None:
    for n in range(20):
        digest = hmac.new(SEED, f"min:{n}#{n}|0".encode(), hashlib.sha256).digest()
        assert r.uniform(SEED, f"min:{n}", n) == (int.from_bytes(digest[:8], "big") >> 11) / 2**53
        assert r.randbelow(SEED, "x", n, 7) == _below(_words(SEED, f"x#{n}"), 7)


def test_randbelow_is_in_range_and_even() -> None:
    draws = [r.randbelow(SEED, "die", n, 6) for n in range(6000)]
    assert draws == [r.randbelow(SEED, "die", n, 6) for n in range(6000)]
    counts = Counter(draws)
    assert set(counts) == set(range(6))
    # 1000 expected per face, sd = sqrt(6000 * 1/6 * 5/6) = 28.9: allow about 5 sd
    assert all(850 < c < 1150 for c in counts.values()), counts
    assert r.randbelow(SEED, "one", 0, 1) == 0
    with pytest.raises(ValidationError):
        r.randbelow(SEED, "none", 0, 0)


# -- Blocks --------------------------------------------------------------------------------------

def test_every_block_holds_the_arms_in_the_ratio() -> None:
    slots = r.permuted_block_list(SEED, "s", 400, AB, (1, 1), (2, 4))
    for block in _blocks(slots).values():
        arms = [s.arm for s in block]
        assert len(arms) == block[0].block_size
        assert arms.count("A") == arms.count("B")
        assert {s.block_size for s in block} == {len(block)}


def test_block_sizes_come_only_from_the_set_and_all_occur() -> None:
    slots = r.permuted_block_list(SEED, "s", 600, AB, (1, 1), (2, 4, 6))
    sizes = Counter(block[0].block_size for block in _blocks(slots).values())
    assert set(sizes) == {2, 4, 6}
    n = sum(sizes.values())  # each size drawn with probability 1/3
    assert all(abs(c - n / 3) < 4 * (n * 2 / 9) ** 0.5 for c in sizes.values()), sizes


def test_the_last_block_is_completed() -> None:
    for size in (1, 2, 3, 5, 17, 60):
        slots = r.permuted_block_list(SEED, "s", size, AB, (1, 1), (2, 4))
        assert size <= len(slots) < size + 4
        last = _blocks(slots)[slots[-1].block]
        assert len(last) == last[0].block_size


@pytest.mark.parametrize("sizes", [(2,), (2, 4), (4, 6, 8)])
def test_running_imbalance_never_exceeds_half_the_largest_block(sizes: tuple[int, ...]) -> None:
    """1:1 blocks: the difference A − B returns to 0 at each block's end and moves by one per
    patient, so within a block it can reach at most block_size / 2."""
    for seed_no in range(20):
        seed = hashlib.sha256(bytes([seed_no])).digest()
        slots = r.permuted_block_list(seed, "s", 200, AB, (1, 1), sizes)
        running, worst = 0, 0
        for s in slots:
            running += 1 if s.arm == "A" else -1
            worst = max(worst, abs(running))
            if s.position == sum(b[0].block_size for b in _blocks(slots[:s.position]).values()):
                assert running == 0  # balanced at every block's end
        assert worst <= max(sizes) // 2


def test_two_to_one_ratio() -> None:
    slots = r.permuted_block_list(SEED, "s", 90, AB, (2, 1), (3, 6))
    for block in _blocks(slots).values():
        arms = [s.arm for s in block]
        assert arms.count("A") == 2 * arms.count("B")
    totals = Counter(s.arm for s in slots)
    assert totals["A"] == 2 * totals["B"]
    three = r.permuted_block_list(SEED, "s", 30, ("A", "B", "C"), (1, 2, 1), (4, 8))
    for block in _blocks(three).values():
        arms = [s.arm for s in block]
        assert arms.count("B") == 2 * arms.count("A") == 2 * arms.count("C")


def test_arms_are_not_predictable_from_position() -> None:
    """Over many seeds the first patient of a stratum gets A about half the time and both block
    sizes are drawn about equally often (no modulo bias, no fixed pattern)."""
    firsts: Counter[str] = Counter()
    sizes: Counter[int] = Counter()
    for n in range(2000):
        seed = hashlib.sha256(n.to_bytes(4, "big")).digest()
        slot = r.permuted_block_list(seed, "s", 1, AB, (1, 1), (2, 4))[0]
        firsts[slot.arm] += 1
        sizes[slot.block_size] += 1
    # binomial(2000, 1/2): sd 22.4; allow 4.5 sd
    assert abs(firsts["A"] - 1000) < 100 and abs(sizes[2] - 1000) < 100


def test_same_seed_and_stratum_reproduce_other_stratum_or_seed_differ() -> None:
    one = r.permuted_block_list(SEED, "x", 60, AB, (1, 1), (2, 4))
    assert one == r.permuted_block_list(SEED, "x", 60, AB, (1, 1), (2, 4))
    other_stratum = r.permuted_block_list(SEED, "y", 60, AB, (1, 1), (2, 4))
    other_seed = r.permuted_block_list(bytes(32), "x", 60, AB, (1, 1), (2, 4))
    assert [s.arm for s in one] != [s.arm for s in other_stratum]
    assert [s.arm for s in one] != [s.arm for s in other_seed]
    # a longer list starts with the shorter one: the size only decides where generation stops
    assert r.permuted_block_list(SEED, "x", 100, AB, (1, 1), (2, 4))[:len(one)] == one


@pytest.mark.parametrize(("args", "field"), [
    ((60, AB, (1, 1, 1), (2, 4)), "ratio"),
    ((60, AB, (1, 0), (2, 4)), "ratio"),
    ((60, AB, (1, 1), (3,)), "block_sizes"),
    ((60, AB, (1, 1), ()), "block_sizes"),
    ((60, ("A",), (1,), (2,)), "arms"),
    ((60, ("A", "A"), (1, 1), (2,)), "arms"),
    ((0, AB, (1, 1), (2, 4)), "size"),
])
def test_inconsistent_designs_are_refused(args: tuple, field: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ValidationError) as info:
        r.permuted_block_list(SEED, "s", *args)
    assert info.value.field == field


# -- Strata --------------------------------------------------------------------------------------

def test_strata_are_named_in_factor_order() -> None:
    assert r.stratum_key({"cdk46i_setting": "advanced", "visceral_metastasis": "yes"},
                         FACTORS) == "visceral_metastasis=yes|cdk46i_setting=advanced"
    assert r.all_strata(FACTORS) == [
        "visceral_metastasis=yes|cdk46i_setting=adjuvant",
        "visceral_metastasis=yes|cdk46i_setting=advanced",
        "visceral_metastasis=no|cdk46i_setting=adjuvant",
        "visceral_metastasis=no|cdk46i_setting=advanced",
    ]


@pytest.mark.parametrize(("levels", "field"), [
    ({"visceral_metastasis": "maybe", "cdk46i_setting": "advanced"}, "visceral_metastasis"),
    ({"visceral_metastasis": "yes"}, "cdk46i_setting"),
    ({"visceral_metastasis": "yes", "cdk46i_setting": ""}, "cdk46i_setting"),
    ({"visceral_metastasis": "yes", "cdk46i_setting": "advanced", "ecog": "0"}, "ecog"),
])
def test_stratum_key_refuses_unknown_and_missing_levels(levels: dict[str, str],
                                                        field: str) -> None:
    with pytest.raises(ValidationError) as info:
        r.stratum_key(levels, FACTORS)
    assert info.value.field == field


# -- Fingerprint ---------------------------------------------------------------------------------

def test_fingerprint_is_sha256_of_the_documented_lines() -> None:
    slots = [r.Slot("b", 1, "B", 1, 2), r.Slot("a", 2, "A", 1, 2), r.Slot("a", 1, "B", 1, 2)]
    text = "a\t1\tB\t1\t2\na\t2\tA\t1\t2\nb\t1\tB\t1\t2\n"
    assert r.list_fingerprint(slots) == hashlib.sha256(text.encode()).hexdigest()
    assert r.list_fingerprint(list(reversed(slots))) == r.list_fingerprint(slots)


def test_fingerprint_changes_when_one_arm_changes() -> None:
    slots = r.permuted_block_list(SEED, "x", 60, AB, (1, 1), (2, 4))
    for i in (0, 29, len(slots) - 1):
        s = slots[i]
        changed = [*slots[:i], r.Slot(s.stratum, s.position, "B" if s.arm == "A" else "A",
                                      s.block, s.block_size), *slots[i + 1:]]
        assert r.list_fingerprint(changed) != r.list_fingerprint(slots)


# -- Sealing -------------------------------------------------------------------------------------

def test_seal_round_trip_and_the_seed_is_not_readable() -> None:
    token = r.seal(SEED, KEY, "dawna-randomization-seed-v1")
    assert r.unseal(token, KEY, "dawna-randomization-seed-v1") == SEED
    for visible in (SEED.hex(), SEED.hex().upper(), base64.b64encode(SEED).decode(),
                    base64.urlsafe_b64encode(SEED).decode().rstrip("=")):
        assert visible not in token
    assert r.seal(SEED, KEY, "dawna-randomization-seed-v1") == token  # pure: same in, same out


def test_token_is_the_documented_encrypt_then_mac() -> None:
    """iv = HMAC(key, "siv|ctx|seed")[:16]; cipher = seed XOR HMAC(key, "enc|ctx|iv|0")...;
    tag = HMAC(key, "mac-v2|ctx|iv‖cipher"); token = "v2." + base64url(iv‖cipher‖tag)."""
    def h(data: bytes) -> bytes:
        return hmac.new(KEY, data, hashlib.sha256).digest()

    iv = h(b"siv|ctx|" + SEED)[:16]
    stream = h(b"enc|ctx|" + iv + b"|0")
    cipher = bytes(a ^ b for a, b in zip(SEED, stream, strict=True))
    tag = h(b"mac-v2|ctx|" + iv + cipher)
    assert r.seal(SEED, KEY, "ctx") == "v2." + base64.urlsafe_b64encode(iv + cipher + tag).decode()


def test_two_seeds_never_share_a_keystream() -> None:
    """With a fixed keystream, cipher1 XOR cipher2 = seed1 XOR seed2 would leak; the synthetic IV
    makes each seed's keystream different."""
    other = bytes(reversed(SEED))
    raw1 = base64.urlsafe_b64decode(r.seal(SEED, KEY, "ctx")[3:])
    raw2 = base64.urlsafe_b64decode(r.seal(other, KEY, "ctx")[3:])
    c1, c2 = raw1[16:-32], raw2[16:-32]
    assert bytes(a ^ b for a, b in zip(c1, c2, strict=True)) != bytes(
        a ^ b for a, b in zip(SEED, other, strict=True))


def test_first_format_tokens_still_open() -> None:
    """Tokens sealed before the IV: cipher = seed XOR HMAC(key, "enc|ctx|counter"),
    tag = HMAC(key, "mac|ctx|cipher"), base64url(cipher‖tag), no prefix."""
    stream = hmac.new(KEY, b"enc|ctx|0", hashlib.sha256).digest()
    cipher = bytes(a ^ b for a, b in zip(SEED, stream, strict=True))
    tag = hmac.new(KEY, b"mac|ctx|" + cipher, hashlib.sha256).digest()
    token = base64.urlsafe_b64encode(cipher + tag).decode()
    assert r.unseal(token, KEY, "ctx") == SEED
    with pytest.raises(ValidationError):
        r.unseal(token, bytes(32), "ctx")


def _flip(token: str, i: int) -> str:
    return token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1:]


@pytest.mark.parametrize("tamper", [
    lambda t: r.unseal(t, hashlib.sha256(b"another server").digest(), "ctx"),
    lambda t: r.unseal(t, KEY, "another context"),
    lambda t: r.unseal(_flip(t, 3), KEY, "ctx"),            # first byte of the IV
    lambda t: r.unseal(_flip(t, 30), KEY, "ctx"),           # inside the cipher text
    lambda t: r.unseal(_flip(t, len(t) - 5), KEY, "ctx"),   # inside the tag
    lambda t: r.unseal(t[:-4], KEY, "ctx"),                 # truncated
    lambda t: r.unseal("v2." + t[3:20], KEY, "ctx"),        # too short to hold IV and tag
    lambda t: r.unseal(t[3:], KEY, "ctx"),                  # passed off as the first format
    lambda t: r.unseal("v2.%%%", KEY, "ctx"),                # not base64
    lambda t: r.unseal("", KEY, "ctx"),
    lambda t: r.unseal(t + "%", KEY, "ctx"),                # a character outside base64url
])
def test_wrong_key_context_or_tampered_token_is_refused(tamper) -> None:  # type: ignore[no-untyped-def]
    token = r.seal(SEED, KEY, "ctx")
    with pytest.raises(ValidationError) as info:
        tamper(token)
    assert info.value.field == "seed"


def test_seal_refuses_an_empty_seed_or_a_short_key() -> None:
    with pytest.raises(ValidationError) as info:
        r.seal(b"", KEY, "ctx")
    assert info.value.field == "seed"
    with pytest.raises(ValidationError) as info:
        r.seal(SEED, b"short", "ctx")
    assert info.value.field == "key"


# -- Verification --------------------------------------------------------------------------------

def _made(slots: Sequence[r.Slot], n: int) -> list[tuple[str, int, str]]:
    return [(s.stratum, s.position, s.arm) for s in slots[:n]]


def _other(arm: str) -> str:
    return "B" if arm == "A" else "A"


def test_verification_of_a_faithful_run_finds_nothing() -> None:
    x = r.permuted_block_list(SEED, "x", 12, AB, (1, 1), (2, 4))
    y = r.permuted_block_list(SEED, "y", 12, AB, (1, 1), (2, 4))
    made = [m for pair in itertools.zip_longest(_made(x, 7), _made(y, 4)) for m in pair if m]
    assert r.verify_allocations({"x": x, "y": y}, made) == []
    assert r.verify_allocations({"x": x}, []) == []


def test_verification_detects_a_wrong_arm() -> None:
    x = r.permuted_block_list(SEED, "x", 12, AB, (1, 1), (2, 4))
    made = _made(x, 6)
    made[3] = ("x", 4, _other(x[3].arm))
    assert r.verify_allocations({"x": x}, made) == [
        f"x position 4: arm {_other(x[3].arm)} recorded, {x[3].arm} in the list"]


def test_verification_detects_a_reused_position() -> None:
    x = r.permuted_block_list(SEED, "x", 12, AB, (1, 1), (2, 4))
    made = [*_made(x, 5), ("x", 5, x[4].arm)]
    assert r.verify_allocations({"x": x}, made) == ["x position 5 used twice"]


def test_verification_detects_a_skipped_position() -> None:
    x = r.permuted_block_list(SEED, "x", 12, AB, (1, 1), (2, 4))
    made = [m for m in _made(x, 8) if m[1] not in (3, 6)]
    assert r.verify_allocations({"x": x}, made) == ["x positions skipped: [3, 6]"]


def test_verification_detects_order_unknown_stratum_and_outside_positions() -> None:
    x = r.permuted_block_list(SEED, "x", 4, AB, (1, 1), (2, 4))
    made = _made(x, 4)
    swapped = [made[0], made[2], made[1], made[3]]
    assert r.verify_allocations({"x": x}, swapped) == [
        "x position 2 allocated after position 3 (out of order)"]
    assert r.verify_allocations({"x": x}, [("z", 1, "A")]) == ["stratum z is not in the list"]
    beyond = len(x) + 1
    assert r.verify_allocations({"x": x}, [*made, ("x", beyond, "A")]) == [
        f"x position {beyond} is outside the list"]
    assert r.verify_allocations({"x": x}, [("x", 0, "A")]) == ["x position 0 is outside the list"]
