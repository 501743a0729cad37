"""The protocol deviation log (issue 20 item 6): category, date, description, importance and
action taken of every deviation, deviations recorded by the site or raised by a detection rule
(``detection_key``: one row per finding), the eligibility columns only for eligibility
violations. Existing rows (eligibility violations) get category 'eligibility', the date they
were opened, importance 'important' (ICH E3 §10.2) and their correction reason as description.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 21:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('protocol_deviation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('category', sa.String(length=24), nullable=False,
                                      server_default='eligibility'))
        batch_op.add_column(sa.Column('occurred_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('description', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('importance', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('action_taken', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('detection_key', sa.String(length=160), nullable=True))
        batch_op.add_column(sa.Column('detail', sa.JSON(), nullable=True))
        batch_op.alter_column('signed_outcome', existing_type=sa.String(length=16),
                              nullable=True)
        batch_op.alter_column('corrected_outcome', existing_type=sa.String(length=16),
                              nullable=True)
        batch_op.alter_column('corrected_result', existing_type=sa.JSON(), nullable=True)
        batch_op.create_unique_constraint('uq_protocol_deviation_detection',
                                          ['participant_id', 'detection_key'])
    op.execute("UPDATE protocol_deviation SET occurred_on = opened_on, "
               "importance = 'important', description = reason WHERE occurred_on IS NULL")


def downgrade() -> None:
    op.execute("DELETE FROM protocol_deviation WHERE signed_outcome IS NULL")
    with op.batch_alter_table('protocol_deviation', schema=None) as batch_op:
        batch_op.drop_constraint('uq_protocol_deviation_detection', type_='unique')
        batch_op.alter_column('corrected_result', existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column('corrected_outcome', existing_type=sa.String(length=16),
                              nullable=False)
        batch_op.alter_column('signed_outcome', existing_type=sa.String(length=16),
                              nullable=False)
        batch_op.drop_column('detail')
        batch_op.drop_column('detection_key')
        batch_op.drop_column('action_taken')
        batch_op.drop_column('importance')
        batch_op.drop_column('description')
        batch_op.drop_column('occurred_on')
        batch_op.drop_column('category')
