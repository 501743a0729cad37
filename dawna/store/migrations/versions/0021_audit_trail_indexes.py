"""Indexes for reading the audit trail (issue 20 item 5): a form's records by table and row (the
participant of each record on a page, a form's history), by user (the trail's user filter), and
the rows created for a participant or an adverse event (the participant's trail finds every row
ever created for them from the insert's ``participant_id`` / ``adverse_event_id`` record). The
last two are partial indexes (only those fields), so long JSON values never enter an index.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 21:20:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

OWNER_FIELDS = {"ix_audit_record_participant_rows": "participant_id",
                "ix_audit_record_event_rows": "adverse_event_id"}


def upgrade() -> None:
    op.create_index('ix_audit_record_table_row', 'audit_record', ['table_name', 'row_id'])
    op.create_index('ix_audit_record_actor', 'audit_record', ['actor'])
    for name, field in OWNER_FIELDS.items():
        where = sa.text(f"field = '{field}'")
        op.create_index(name, 'audit_record', ['table_name', 'new_value'],
                        sqlite_where=where, postgresql_where=where)


def downgrade() -> None:
    for name in OWNER_FIELDS:
        op.drop_index(name, table_name='audit_record')
    op.drop_index('ix_audit_record_actor', table_name='audit_record')
    op.drop_index('ix_audit_record_table_row', table_name='audit_record')
