"""The growing delay after failed logins from one address (OWASP Authentication Cheat Sheet:
exponential back-off instead of a lockout anyone can trigger), computed by hand."""

from __future__ import annotations

from dawna.config import Settings
from dawna.services.login_throttle import delay_seconds


def test_delay_doubles_after_the_free_failures_and_stops_at_the_maximum() -> None:
    settings = Settings(env="test", login_free_failures=3, login_delay_seconds=1,
                        login_delay_max_seconds=900)
    # failures 1 and 2 are free; the 3rd waits 1 s, then 2, 4, 8 ... 512 (the 12th), and the
    # 13th would be 1024 s, above the 900 s maximum
    expected = {1: 0, 2: 0, 3: 1, 4: 2, 5: 4, 6: 8, 12: 512, 13: 900, 40: 900, 10_000: 900}
    assert {n: delay_seconds(n, settings) for n in expected} == expected


def test_base_delay_scales_the_whole_sequence() -> None:
    settings = Settings(env="test", login_free_failures=1, login_delay_seconds=5,
                        login_delay_max_seconds=60)
    assert [delay_seconds(n, settings) for n in range(1, 6)] == [5, 10, 20, 40, 60]
