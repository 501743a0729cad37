"""PET/CT studies (FES and FDG): scan facts, then the lesion read.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 04:34:53.943276
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dawna.store.base import UTCDateTime

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('pet_study',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('tracer', sa.String(length=8), nullable=False),
    sa.Column('scan_date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('registered_by', sa.String(length=64), nullable=False),
    sa.Column('read_by', sa.String(length=64), nullable=True),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_pet_study_participant_id_participant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pet_study')),
    sa.UniqueConstraint('participant_id', 'tracer', 'scan_date', name='uq_pet_study_scan')
    )
    with op.batch_alter_table('pet_study', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pet_study_participant_id'), ['participant_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('pet_study', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pet_study_participant_id'))

    op.drop_table('pet_study')
