"""The data version of each participant (issue 23 item 4): where the audit chain stood after
the last change of one participant's data, and (participant 0) of data that is no single
participant's, so that the pages kept until the data change (``services/page_cache.py``) keep a
participant's pages through a change of another participant's data. Empty at first: a missing
row is a participant unchanged since, and the next change writes it.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 13:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'data_version',
        sa.Column('scope', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('last_id', sa.Integer(), nullable=True),
        sa.Column('hash', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('scope', name=op.f('pk_data_version')),
    )


def downgrade() -> None:
    op.drop_table('data_version')
