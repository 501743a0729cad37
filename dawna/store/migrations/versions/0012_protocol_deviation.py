"""Protocol deviations: eligibility violations found after randomization (issue 18 item 3).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 18:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dawna.store.base import UTCDateTime

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('protocol_deviation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('opened_at', UTCDateTime(), nullable=False),
    sa.Column('opened_by', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('signature_id', sa.Integer(), nullable=True),
    sa.Column('signed_outcome', sa.String(length=16), nullable=False),
    sa.Column('corrected_outcome', sa.String(length=16), nullable=False),
    sa.Column('corrected_result', sa.JSON(), nullable=False),
    sa.Column('acknowledged_at', UTCDateTime(), nullable=True),
    sa.Column('acknowledged_by', sa.String(length=64), nullable=True),
    sa.Column('acknowledgement', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_protocol_deviation_participant_id_participant'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['signature_id'], ['eligibility_signature.id'], name=op.f('fk_protocol_deviation_signature_id_eligibility_signature')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_protocol_deviation'))
    )
    with op.batch_alter_table('protocol_deviation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_protocol_deviation_participant_id'), ['participant_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('protocol_deviation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_protocol_deviation_participant_id'))

    op.drop_table('protocol_deviation')
