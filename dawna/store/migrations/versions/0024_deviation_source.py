"""A protocol deviation withdrawn when the record it was found in is deleted or corrected, or
flagged for the investigator's review once acknowledged (``docs/deviations.md``).

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 03:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dawna.store.base import UTCDateTime

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('protocol_deviation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawn_at', UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_by', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('withdrawal', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('review', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('protocol_deviation', schema=None) as batch_op:
        batch_op.drop_column('review')
        batch_op.drop_column('withdrawal')
        batch_op.drop_column('withdrawn_by')
        batch_op.drop_column('withdrawn_at')
