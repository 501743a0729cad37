"""Sign-off and locks (issue 20 item 4): investigators' signatures of forms and casebooks
(``form_signature``), form and casebook locks (``form_lock``) and data freezes for an analysis cut
(``data_freeze``). ``active_key`` is unique while a signature or lock is in force (NULL after), so
at most one is in force per form or casebook.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 20:44:37.890040
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dawna.store.base import UTCDateTime

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('data_freeze',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('cut_off', sa.Date(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('frozen_at', UTCDateTime(), nullable=False),
    sa.Column('frozen_by', sa.String(length=64), nullable=False),
    sa.Column('chain_last_id', sa.Integer(), nullable=False),
    sa.Column('chain_hash', sa.String(length=64), nullable=False),
    sa.Column('unfrozen_at', UTCDateTime(), nullable=True),
    sa.Column('unfrozen_by', sa.String(length=64), nullable=True),
    sa.Column('unfreeze_reason', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_freeze')),
    sa.UniqueConstraint('name', name=op.f('uq_data_freeze_name'))
    )
    op.create_table('form_signature',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=16), nullable=False),
    sa.Column('table_name', sa.String(length=64), nullable=True),
    sa.Column('row_id', sa.String(length=64), nullable=True),
    sa.Column('signer_id', sa.Integer(), nullable=False),
    sa.Column('signer_username', sa.String(length=64), nullable=False),
    sa.Column('signer_name', sa.String(length=200), nullable=False),
    sa.Column('signed_at', UTCDateTime(), nullable=False),
    sa.Column('meaning_code', sa.String(length=32), nullable=False),
    sa.Column('meaning', sa.Text(), nullable=False),
    sa.Column('content_sha256', sa.String(length=64), nullable=False),
    sa.Column('content_version', sa.Integer(), nullable=True),
    sa.Column('voided_at', UTCDateTime(), nullable=True),
    sa.Column('void_reason', sa.Text(), nullable=True),
    sa.Column('active_key', sa.String(length=160), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_form_signature_participant_id_participant'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['signer_id'], ['app_user.id'], name=op.f('fk_form_signature_signer_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_form_signature')),
    sa.UniqueConstraint('active_key', name=op.f('uq_form_signature_active_key'))
    )
    with op.batch_alter_table('form_signature', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_form_signature_participant_id'), ['participant_id'], unique=False)

    op.create_table('form_lock',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=16), nullable=False),
    sa.Column('table_name', sa.String(length=64), nullable=True),
    sa.Column('row_id', sa.String(length=64), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('signature_id', sa.Integer(), nullable=True),
    sa.Column('locked_at', UTCDateTime(), nullable=False),
    sa.Column('locked_by', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('unlocked_at', UTCDateTime(), nullable=True),
    sa.Column('unlocked_by', sa.String(length=64), nullable=True),
    sa.Column('unlock_reason', sa.Text(), nullable=True),
    sa.Column('active_key', sa.String(length=160), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_form_lock_participant_id_participant'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['signature_id'], ['form_signature.id'], name=op.f('fk_form_lock_signature_id_form_signature')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_form_lock')),
    sa.UniqueConstraint('active_key', name=op.f('uq_form_lock_active_key'))
    )
    with op.batch_alter_table('form_lock', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_form_lock_participant_id'), ['participant_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('form_lock', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_form_lock_participant_id'))

    op.drop_table('form_lock')
    with op.batch_alter_table('form_signature', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_form_signature_participant_id'))

    op.drop_table('form_signature')
    op.drop_table('data_freeze')
