"""Randomization: the sealed allocation list, per-stratum counters, allocations.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 00:53:13.686904
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dawna.store.base import UTCDateTime

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('randomization_list',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=32), nullable=False),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('seed_sealed', sa.Text(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('size_per_stratum', sa.Integer(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('live_at', UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_randomization_list'))
    )
    op.create_table('stratum_counter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('list_id', sa.Integer(), nullable=False),
    sa.Column('stratum', sa.String(length=200), nullable=False),
    sa.Column('used', sa.Integer(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['list_id'], ['randomization_list.id'], name=op.f('fk_stratum_counter_list_id_randomization_list')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stratum_counter')),
    sa.UniqueConstraint('list_id', 'stratum', name='uq_stratum_counter')
    )
    op.create_table('allocation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('list_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('stratum', sa.String(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('arm', sa.String(length=8), nullable=False),
    sa.Column('factors', sa.JSON(), nullable=False),
    sa.Column('regimen', sa.JSON(), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('randomized_at', UTCDateTime(), nullable=False),
    sa.Column('randomized_by', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['list_id'], ['randomization_list.id'], name=op.f('fk_allocation_list_id_randomization_list')),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_allocation_participant_id_participant')),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_allocation_site_id_site')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_allocation')),
    sa.UniqueConstraint('list_id', 'stratum', 'position', name='uq_allocation_slot'),
    sa.UniqueConstraint('participant_id', name=op.f('uq_allocation_participant_id'))
    )
    with op.batch_alter_table('allocation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_allocation_site_id'), ['site_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('allocation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_allocation_site_id'))

    op.drop_table('allocation')
    op.drop_table('stratum_counter')
    op.drop_table('randomization_list')
