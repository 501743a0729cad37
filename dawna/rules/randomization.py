"""Allocation rules: strata, stratified permuted blocks, Pocock–Simon minimization, sealing.

Sources: ICH E9 §2.3.1 (randomization, blocking, stratification); Schulz & Grimes, Lancet
2002;359:515-519 (allocation concealment; randomly varied block sizes so the next allocation
cannot be guessed at a block's end); Pocock & Simon, Biometrics 1975;31:103-115 (minimization).

Randomness comes from HMAC-SHA256 of the secret seed in counter mode, so a list reproduces bit for
bit on any Python version from the seed alone (verification), and nothing is drawn from the clock.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from dawna.errors import ValidationError
from dawna.protocol.randomization_config import StratificationFactor


@dataclass(frozen=True)
class Slot:
    stratum: str
    position: int
    arm: str
    block: int
    block_size: int


def stratum_key(levels: Mapping[str, str], factors: Sequence[StratificationFactor]) -> str:
    """Canonical stratum name, factors in protocol order: ``a=x|b=y``."""
    names = {f.name for f in factors}
    for name in levels:
        if name not in names:
            raise ValidationError(f"{name} is not a stratification factor", field=name)
    parts = []
    for f in factors:
        level = levels.get(f.name)
        if level is None or level == "":
            raise ValidationError(f"{f.label} is required", field=f.name)
        if level not in f.levels:
            raise ValidationError(f"{level!r} is not a level of {f.label} "
                                  f"({', '.join(f.levels)})", field=f.name)
        parts.append(f"{f.name}={level}")
    return "|".join(parts)


def all_strata(factors: Sequence[StratificationFactor]) -> list[str]:
    combos = itertools.product(*[[(f.name, lv) for lv in f.levels] for f in factors])
    return ["|".join(f"{n}={lv}" for n, lv in combo) for combo in combos]


def _stream(seed: bytes, label: str) -> Iterator[int]:
    """64-bit integers from HMAC-SHA256(seed, label|counter)."""
    for counter in itertools.count():
        digest = hmac.new(seed, f"{label}|{counter}".encode(), hashlib.sha256).digest()
        for i in range(0, 32, 8):
            yield int.from_bytes(digest[i:i + 8], "big")


def _below(stream: Iterator[int], n: int) -> int:
    """Uniform integer in [0, n) by rejection sampling (no modulo bias)."""
    limit = (1 << 64) - ((1 << 64) % n)
    while True:
        x = next(stream)
        if x < limit:
            return x % n


def uniform(seed: bytes, label: str, n: int) -> float:
    """The n-th uniform draw in [0, 1) for ``label``, reproducible from the seed."""
    x = next(_stream(seed, f"{label}#{n}"))
    return (x >> 11) / float(1 << 53)


def permuted_block_list(seed: bytes, stratum: str, size: int, arms: Sequence[str],
                        ratio: Sequence[int], block_sizes: Sequence[int]) -> list[Slot]:
    """Blocks of a size drawn at random from ``block_sizes``, each holding the arms in
    ``ratio`` and shuffled (Fisher–Yates); blocks are added until ``size`` positions exist."""
    unit = sum(ratio)
    stream = _stream(seed, f"blocks|{stratum}")
    slots: list[Slot] = []
    block = 0
    while len(slots) < size:
        block += 1
        bsize = block_sizes[_below(stream, len(block_sizes))]
        content = [arm for arm, r in zip(arms, ratio, strict=True)
                   for _ in range(r * bsize // unit)]
        for i in range(len(content) - 1, 0, -1):
            j = _below(stream, i + 1)
            content[i], content[j] = content[j], content[i]
        for arm in content:
            slots.append(Slot(stratum, len(slots) + 1, arm, block, bsize))
    return slots


def list_fingerprint(slots: Sequence[Slot]) -> str:
    h = hashlib.sha256()
    for s in sorted(slots, key=lambda x: (x.stratum, x.position)):
        h.update(f"{s.stratum}\t{s.position}\t{s.arm}\t{s.block}\t{s.block_size}\n".encode())
    return h.hexdigest()


def _keystream(key: bytes, context: str, n: int) -> bytes:
    out = b""
    for counter in itertools.count():
        if len(out) >= n:
            return out[:n]
        out += hmac.new(key, f"enc|{context}|{counter}".encode(), hashlib.sha256).digest()
    raise AssertionError  # pragma: no cover


def seal(seed: bytes, key: bytes, context: str) -> str:
    """Encrypt-then-MAC with HMAC-SHA256 (stdlib only): unreadable without ``key``."""
    cipher = bytes(a ^ b for a, b in zip(seed, _keystream(key, context, len(seed)), strict=True))
    tag = hmac.new(key, b"mac|" + context.encode() + b"|" + cipher, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(cipher + tag).decode()


def unseal(token: str, key: bytes, context: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(token.encode())
    except ValueError as exc:
        raise ValidationError("sealed seed is not valid", field="seed") from exc
    cipher, tag = raw[:-32], raw[-32:]
    expected = hmac.new(key, b"mac|" + context.encode() + b"|" + cipher, hashlib.sha256).digest()
    if len(raw) <= 32 or not hmac.compare_digest(tag, expected):
        raise ValidationError("sealed seed cannot be opened with this key", field="seed")
    return bytes(a ^ b for a, b in zip(cipher, _keystream(key, context, len(cipher)), strict=True))


def verify_allocations(expected: Mapping[str, Sequence[Slot]],
                       made: Sequence[tuple[str, int, str]]) -> list[str]:
    """Compare allocations made (stratum, position, arm) with the list; describe mismatches:
    unknown stratum or position, wrong arm, a position used twice, a position skipped."""
    problems: list[str] = []
    used: dict[str, list[int]] = {}
    for stratum, position, arm in made:
        slots = expected.get(stratum)
        if slots is None:
            problems.append(f"stratum {stratum} is not in the list")
            continue
        if not 1 <= position <= len(slots):
            problems.append(f"{stratum} position {position} is outside the list")
            continue
        if slots[position - 1].arm != arm:
            problems.append(f"{stratum} position {position}: arm {arm} recorded, "
                            f"{slots[position - 1].arm} in the list")
        used.setdefault(stratum, []).append(position)
    for stratum, positions in sorted(used.items()):
        seen: set[int] = set()
        for p in positions:
            if p in seen:
                problems.append(f"{stratum} position {p} used twice")
            seen.add(p)
        missing = sorted(set(range(1, max(seen) + 1)) - seen)
        if missing:
            problems.append(f"{stratum} positions skipped: {missing}")
    return problems


@dataclass(frozen=True)
class MinimizationDecision:
    arm: str
    scores: dict[str, float]
    preferred_arms: tuple[str, ...]
    random_draw_used: float


def imbalance_scores(counts: Mapping[str, Mapping[str, Mapping[str, int]]],
                     levels: Mapping[str, str], arms: Sequence[str],
                     weights: Mapping[str, float], method: str) -> dict[str, float]:
    """G_k for each candidate arm k (Pocock & Simon 1975 §2): add the patient to arm k, take,
    for each factor, the counts of the patient's own level across arms, measure their imbalance
    (range: max − min; variance: population variance), and sum with the factor weights."""
    scores: dict[str, float] = {}
    for k in arms:
        total = 0.0
        for factor, level in levels.items():
            row = [counts[factor][level][a] + (1 if a == k else 0) for a in arms]
            if method == "range":
                imbalance = float(max(row) - min(row))
            else:
                mean = sum(row) / len(row)
                imbalance = sum((x - mean) ** 2 for x in row) / len(row)
            total += weights.get(factor, 1.0) * imbalance
        scores[k] = total
    return scores


def minimization_assign(counts: Mapping[str, Mapping[str, Mapping[str, int]]],
                        levels: Mapping[str, str], arms: Sequence[str],
                        weights: Mapping[str, float], method: str, p: float,
                        u: float) -> MinimizationDecision:
    """The arm with the smallest G is given with probability ``p`` (u < p), otherwise one of the
    others uniformly; ties among the smallest are broken uniformly by ``u`` (Pocock & Simon §3)."""
    scores = imbalance_scores(counts, levels, arms, weights, method)
    best = min(scores.values())
    preferred = tuple(a for a in arms if scores[a] == best)
    if len(preferred) > 1:
        arm = preferred[min(int(u * len(preferred)), len(preferred) - 1)]
    elif u < p:
        arm = preferred[0]
    else:
        others = [a for a in arms if a != preferred[0]]
        share = (u - p) / (1 - p) if p < 1 else 0.0
        arm = others[min(int(share * len(others)), len(others) - 1)]
    return MinimizationDecision(arm, scores, preferred, u)
