"""The report's deviation tables (ICH E3 §10.2: by centre and category; appendix 16.2.2: the
important ones listed by centre and participant), counted by hand from five rows."""

from __future__ import annotations

from datetime import date

from dawna.services.deviation_log import DeviationRow, report_tables


def _row(n: int, site: str, category: str, importance: str | None,
         acknowledged_by: str | None = None) -> DeviationRow:
    return DeviationRow(id=n, pseudonym=f"DF-{n}", site_code=site, kind="recorded",
                        category=category, occurred_on=date(2025, 1, n),
                        opened_on=date(2025, 1, n), opened_by="coord", description=f"d{n}",
                        importance=importance, action_taken=None, acknowledged_at=None,
                        acknowledged_by=acknowledged_by, acknowledgement=None, version=1)


def test_counts_by_site_and_category_and_the_important_ones_listed() -> None:
    rows = [_row(1, "A", "dose", "important", "inv"), _row(2, "A", "dose", "not_important"),
            _row(3, "A", "consent", "important"), _row(4, "B", "dose", None),
            _row(5, "B", "other", "not_important")]
    summary, listing = report_tables(rows)
    # A/consent 1 (1 important), A/dose 2 (1), B/dose 1 (0), B/other 1 (0)
    assert [(s["site"], s["category"], s["total"], s["important"]) for s in summary] == [
        ("A", "Consent", 1, 1), ("A", "Missed or wrong dose", 2, 1),
        ("B", "Missed or wrong dose", 1, 0), ("B", "Other", 1, 0)]
    assert [(r["participant"], r["acknowledged"]) for r in listing] == [
        ("DF-1", "inv"), ("DF-3", "awaiting the investigator")]
