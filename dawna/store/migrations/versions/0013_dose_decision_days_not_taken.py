"""Dose decisions: the cycle a decision was made in, the oral-dosing days not taken because of
a mid-cycle interruption (capecitabine label §2), and whether the investigator overrode a
resume refused for a cause without a recheck.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 17:45:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('dose_decision', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cycle', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('days_not_taken', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('override', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('dose_decision', schema=None) as batch_op:
        batch_op.drop_column('override')
        batch_op.drop_column('days_not_taken')
        batch_op.drop_column('cycle')
