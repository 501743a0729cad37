"""Allocation rules: strata, stratified permuted blocks, sealing, verification, minimization replay.

Sources
-------
* ICH E9 (1998) §2.3.2 "Randomization": blocking, stratification by prognostic factors;
  investigators should be blind to the block length, e.g. by two or more block lengths chosen at
  random for each block.
* Schulz & Grimes, Lancet 2002;359:515-519 ("Allocation concealment in randomised trials"):
  block sizes varied at random so that the allocation at the end of a block cannot be guessed.
* Pocock & Simon, Biometrics 1975;31:103-115: minimization. The scores and the biased-coin
  choice live in :mod:`dawna.rules.minimization` (re-exported here); this module adds the
  sequential replay from the seed, :func:`replay_minimization`.

Randomness
----------
Every random choice is drawn from HMAC-SHA256 of the secret seed in counter mode
(``HMAC(seed, "<label>|<counter>")``, 32 bytes per call, read as four big-endian 64-bit integers),
never from :mod:`random` or the clock. A list therefore reproduces bit for bit from the seed alone
on any Python version and platform, which is what verification relies on; without the seed the
stream cannot be predicted (HMAC-SHA256 as a pseudorandom function). Integers in ``[0, k)`` use
rejection sampling (no modulo bias); uniforms in ``[0, 1)`` take the top 53 bits of one word.
The algorithms are frozen: changing them changes every list generated from an existing seed.
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
from dawna.rules.minimization import (
    Counts,
    MinimizationDecision,
    imbalance_scores,
    minimization_assign,
)

__all__ = [
    "Counts",
    "MinimizationDecision",
    "Slot",
    "all_strata",
    "imbalance_scores",
    "list_fingerprint",
    "minimization_assign",
    "permuted_block_list",
    "randbelow",
    "replay_minimization",
    "seal",
    "stratum_key",
    "uniform",
    "unseal",
    "verify_allocations",
]


@dataclass(frozen=True)
class Slot:
    """One position of a stratum's allocation list (``position`` and ``block`` are 1-based)."""

    stratum: str
    position: int
    arm: str
    block: int
    block_size: int


# -- Strata ------------------------------------------------------------------------------------

def stratum_key(levels: Mapping[str, str], factors: Sequence[StratificationFactor]) -> str:
    """Canonical stratum name, factors in protocol order: ``visceral_metastasis=yes|...``.

    An unknown factor, a missing factor or a level the protocol does not list raises
    :class:`~dawna.errors.ValidationError` with the factor's name as ``field`` (ICH E9 §2.3.2:
    stratification by factors fixed in the protocol).
    """
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
    """Every stratum key (the product of the factors' levels), in protocol order."""
    combos = itertools.product(*[[(f.name, lv) for lv in f.levels] for f in factors])
    return ["|".join(f"{n}={lv}" for n, lv in combo) for combo in combos]


# -- Deterministic randomness from the secret seed ---------------------------------------------

def _stream(seed: bytes, label: str) -> Iterator[int]:
    """64-bit integers from HMAC-SHA256(seed, ``label|counter``), counter = 0, 1, 2, ..."""
    for counter in itertools.count():
        digest = hmac.new(seed, f"{label}|{counter}".encode(), hashlib.sha256).digest()
        for i in range(0, 32, 8):
            yield int.from_bytes(digest[i:i + 8], "big")


def _below(stream: Iterator[int], n: int) -> int:
    """Uniform integer in [0, n) by rejection sampling (no modulo bias)."""
    if n < 1:
        raise ValidationError(f"cannot draw below {n}: need at least 1", field="k")
    limit = (1 << 64) - ((1 << 64) % n)
    while True:
        x = next(stream)
        if x < limit:
            return x % n


def uniform(seed: bytes, label: str, n: int) -> float:
    """The ``n``-th uniform draw in [0, 1) for ``label``: the top 53 bits of the first word of
    ``_stream(seed, f"{label}#{n}")``; reproducible from the seed alone."""
    x = next(_stream(seed, f"{label}#{n}"))
    return (x >> 11) / float(1 << 53)


def randbelow(seed: bytes, label: str, n: int, k: int) -> int:
    """The ``n``-th uniform integer in [0, k) for ``label`` (rejection sampling on
    ``_stream(seed, f"{label}#{n}")``); no :mod:`random`, so identical on every Python."""
    return _below(_stream(seed, f"{label}#{n}"), k)


# -- Stratified permuted blocks ----------------------------------------------------------------

def _check_design(arms: Sequence[str], ratio: Sequence[int], block_sizes: Sequence[int]) -> int:
    if len(arms) < 2 or len(set(arms)) != len(arms):
        raise ValidationError("need at least two distinct arms", field="arms")
    if len(ratio) != len(arms) or any(r < 1 for r in ratio):
        raise ValidationError("ratio must give one positive number per arm", field="ratio")
    unit = sum(ratio)
    if not block_sizes or any(b < 1 or b % unit for b in block_sizes):
        raise ValidationError(f"block sizes must be multiples of the ratio sum {unit}",
                              field="block_sizes")
    return unit


def permuted_block_list(seed: bytes, stratum: str, size: int, arms: Sequence[str],
                        ratio: Sequence[int], block_sizes: Sequence[int]) -> list[Slot]:
    """One stratum's list: blocks whose size is drawn uniformly from ``block_sizes``, each holding
    the arms in ``ratio`` (``r_a · size / Σr`` of arm ``a``) shuffled by Fisher–Yates, all from
    the stream ``blocks|<stratum>`` of the seed; blocks are added until at least ``size``
    positions exist (the last block is completed, so balance holds at every block's end).

    Sources: ICH E9 §2.3.2 (blocking within strata); Schulz & Grimes, Lancet 2002;359:515-519
    (random block sizes keep the next allocation unpredictable).
    """
    if size < 1:
        raise ValidationError("list size must be at least 1", field="size")
    unit = _check_design(arms, ratio, block_sizes)
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
    """SHA-256 (hex) of the slots sorted by (stratum, position), one line each:
    ``stratum TAB position TAB arm TAB block TAB block_size LF``. Stored when the list is sealed,
    it shows later that the list recomputed from the seed is the list that was used."""
    h = hashlib.sha256()
    for s in sorted(slots, key=lambda x: (x.stratum, x.position)):
        h.update(f"{s.stratum}\t{s.position}\t{s.arm}\t{s.block}\t{s.block_size}\n".encode())
    return h.hexdigest()


# -- Sealing the seed --------------------------------------------------------------------------

_SIV_BYTES = 16
_TAG_BYTES = 32
_V2 = "v2."


def _mac(key: bytes, label: bytes, context: str, data: bytes) -> bytes:
    return hmac.new(key, label + b"|" + context.encode() + b"|" + data, hashlib.sha256).digest()


def _keystream(key: bytes, context: str, n: int, iv: bytes = b"") -> bytes:
    """HMAC-SHA256(key, ``enc|context|[iv|]counter``) blocks, cut to ``n`` bytes."""
    prefix = f"enc|{context}|".encode() + (iv + b"|" if iv else b"")
    out = b""
    for counter in itertools.count():
        if len(out) >= n:
            return out[:n]
        out += hmac.new(key, prefix + str(counter).encode(), hashlib.sha256).digest()
    raise AssertionError  # pragma: no cover


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b, strict=True))


def seal(seed: bytes, key: bytes, context: str) -> str:
    """Encrypt the seed under the server key, then MAC (stdlib only); text ``v2.<base64url>``.

    ``iv = HMAC(key, "siv|context|seed")[:16]`` (a synthetic IV: deterministic, as a pure function
    must be, yet different for every seed, so two sealed seeds never share a keystream);
    ``cipher = seed XOR HMAC-SHA256(key, "enc|context|iv|counter")...``;
    ``tag = HMAC-SHA256(key, "mac-v2|context|iv‖cipher")`` (its own label, so a token cannot be
    passed off as one of the first format); token = ``v2.`` + base64url(iv‖cipher‖tag).
    A database dump holds only the token: without the server key the seed, and so every future
    allocation, cannot be read (allocation concealment, Schulz & Grimes 2002), and a token that
    was altered or moved to another ``context`` is refused by :func:`unseal`.
    """
    if not seed:
        raise ValidationError("the seed is empty", field="seed")
    if len(key) < 16:
        raise ValidationError("the sealing key must have at least 16 bytes", field="key")
    iv = _mac(key, b"siv", context, seed)[:_SIV_BYTES]
    cipher = _xor(seed, _keystream(key, context, len(seed), iv))
    tag = _mac(key, b"mac-v2", context, iv + cipher)
    return _V2 + base64.urlsafe_b64encode(iv + cipher + tag).decode()


def unseal(token: str, key: bytes, context: str) -> bytes:
    """The seed sealed by :func:`seal`; a wrong key, another context or any altered character
    raises :class:`~dawna.errors.ValidationError` (field ``seed``). Also opens tokens of the first
    format (no ``v2.`` prefix, keystream without IV) sealed before the IV was added."""
    v2 = token.startswith(_V2)
    try:
        raw = base64.b64decode(token[len(_V2):] if v2 else token, altchars=b"-_", validate=True)
    except ValueError as exc:
        raise ValidationError("sealed seed is not valid", field="seed") from exc
    iv_len = _SIV_BYTES if v2 else 0
    if len(raw) <= iv_len + _TAG_BYTES:
        raise ValidationError("sealed seed is not valid", field="seed")
    iv, cipher, tag = raw[:iv_len], raw[iv_len:-_TAG_BYTES], raw[-_TAG_BYTES:]
    if not hmac.compare_digest(tag, _mac(key, b"mac-v2" if v2 else b"mac", context, iv + cipher)):
        raise ValidationError("sealed seed cannot be opened with this key", field="seed")
    return _xor(cipher, _keystream(key, context, len(cipher), iv))


# -- Verification ------------------------------------------------------------------------------

def verify_allocations(expected: Mapping[str, Sequence[Slot]],
                       made: Sequence[tuple[str, int, str]]) -> list[str]:
    """Compare the allocations made, ``(stratum, position, arm)`` in the order they were made,
    with the lists recomputed from the seed. Returns one plain sentence per problem: unknown
    stratum, position outside the list, wrong arm, a position used twice, a position taken after
    a later one (order), positions skipped (gaps below the highest position used)."""
    problems: list[str] = []
    used: dict[str, list[int]] = {}
    for stratum, position, arm in made:
        slots = expected.get(stratum)
        if slots is None:
            problems.append(f"stratum {stratum} is not in the list")
            continue
        by_position = {s.position: s for s in slots}
        slot = by_position.get(position)
        if slot is None:
            problems.append(f"{stratum} position {position} is outside the list")
            continue
        if slot.arm != arm:
            problems.append(f"{stratum} position {position}: arm {arm} recorded, "
                            f"{slot.arm} in the list")
        earlier = used.setdefault(stratum, [])
        if position in earlier:
            problems.append(f"{stratum} position {position} used twice")
        elif earlier and position < max(earlier):
            problems.append(f"{stratum} position {position} allocated after position "
                            f"{max(earlier)} (out of order)")
        earlier.append(position)
    for stratum, positions in sorted(used.items()):
        missing = sorted(set(range(1, max(positions) + 1)) - set(positions))
        if missing:
            problems.append(f"{stratum} positions skipped: {missing}")
    return problems


# -- Minimization replay (rules in dawna.rules.minimization) ----------------------------------

def replay_minimization(seed: bytes, patients: Sequence[Mapping[str, str]], arms: Sequence[str],
                        weights: Mapping[str, float], method: str, p: float, *,
                        ratio: Sequence[int] | None = None) -> list[str]:
    """The arms minimization gives ``patients`` (their factor levels, in order of entry), starting
    from no allocations; patient n (1-based) uses ``uniform(seed, f"min:{n}", n)``, as the
    randomization service does, so a run can be recomputed from the seed to verify it."""
    counts: dict[str, dict[str, dict[str, int]]] = {}
    given: list[str] = []
    for n, levels in enumerate(patients, start=1):
        decision = minimization_assign(counts, levels, arms, weights, method, p,
                                       uniform(seed, f"min:{n}", n), ratio=ratio)
        for factor, level in levels.items():
            cell = counts.setdefault(factor, {}).setdefault(level, {})
            cell[decision.arm] = cell.get(decision.arm, 0) + 1
        given.append(decision.arm)
    return given
