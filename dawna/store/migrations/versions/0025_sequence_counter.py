"""The list's allocation sequence kept in a counter row (issue 19 item 8, issue 23 item 3): a
randomization takes its number with one ``UPDATE ... RETURNING`` instead of locking the list row
and reading ``max(allocation.sequence)``. Each existing list's counter starts at its last number.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 03:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'sequence_counter',
        sa.Column('list_id', sa.Integer(), nullable=False),
        sa.Column('used', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['list_id'], ['randomization_list.id'],
                                name=op.f('fk_sequence_counter_list_id_randomization_list')),
        sa.PrimaryKeyConstraint('list_id', name=op.f('pk_sequence_counter')),
    )
    op.execute("INSERT INTO sequence_counter (list_id, used) "
               "SELECT l.id, COALESCE((SELECT max(a.sequence) FROM allocation a "
               "WHERE a.list_id = l.id), 0) FROM randomization_list l")


def downgrade() -> None:
    op.drop_table('sequence_counter')
