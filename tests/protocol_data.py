"""Amended protocol files for the tests: the bundled file with the ANC threshold of IN8
(site setting ``anc_min``, 1.5 x 10^9/L in version 1) changed, and any other text replaced."""

from __future__ import annotations

from dawna.services import protocol_versions as pv

ANC_V1 = ("  anc_min:\n    label: Absolute neutrophil count\n    label_zh: \"中性粒细胞绝对计数\"\n"
          "    group: organ_function\n    value: 1.5\n")


def v2_text(anc: str = "2.5", extra: tuple[tuple[str, str], ...] = ()) -> str:
    text = pv.bundled_text()
    assert ANC_V1 in text
    text = text.replace(ANC_V1, ANC_V1.replace("1.5", anc))
    for old, new in extra:
        assert old in text
        text = text.replace(old, new)
    return text
