"""Screening case report forms and investigators' eligibility signatures.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 00:22:59.003202
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dawna.store.base import UTCDateTime

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('eligibility_signature',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('signer_id', sa.Integer(), nullable=False),
    sa.Column('signer_name', sa.String(length=200), nullable=False),
    sa.Column('signed_at', UTCDateTime(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('meaning', sa.Text(), nullable=False),
    sa.Column('record_sha256', sa.String(length=64), nullable=False),
    sa.Column('result', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_eligibility_signature_participant_id_participant'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['signer_id'], ['app_user.id'], name=op.f('fk_eligibility_signature_signer_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_eligibility_signature'))
    )
    with op.batch_alter_table('eligibility_signature', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_eligibility_signature_participant_id'), ['participant_id'], unique=False)

    op.create_table('screening',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('record', sa.JSON(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('decision_date', sa.Date(), nullable=True),
    sa.Column('failed_criteria', sa.String(length=200), nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_screening_participant_id_participant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_screening')),
    sa.UniqueConstraint('participant_id', name=op.f('uq_screening_participant_id'))
    )


def downgrade() -> None:
    op.drop_table('screening')
    with op.batch_alter_table('eligibility_signature', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_eligibility_signature_participant_id'))

    op.drop_table('eligibility_signature')
