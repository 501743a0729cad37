"""Race and ethnicity on the screening record (``screening.record``, a JSON document): no table
or column changes, but servers of an earlier version cannot read a record holding them (their
record model refuses unknown fields). This revision marks the change, so that ``dawna serve``'s
start check and the running servers' schema guard (``web/schema_guard.py``) keep servers of
another version from serving this database. Going back to an earlier version after records
hold race or ethnicity is not supported (docs/deployment.md, "Upgrading").

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-08 02:05:00
"""
from __future__ import annotations

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to change in the tables."""


def downgrade() -> None:
    """Nothing to change in the tables (records holding race or ethnicity stay as they are)."""
