"""Protocol versions (issue 20 item 8): the ``protocol_version`` table (each version of the
protocol file: label, YAML text and SHA-256, ethics approval and effective dates, summary, the
consent form version it requires, who loaded it when), and the version each decision was made
under on ``screening``, ``eligibility_signature``, ``allocation`` and ``dose_decision``.

Existing decisions were all made under the bundled file: their ``protocol_version`` is "1".
The bundled file's own row is written by the application when the first amendment is loaded
(docs/protocol-amendments.md), not here, so that this migration does not freeze whichever file
happened to be installed when it ran.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 21:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dawna.store.base import UTCDateTime

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

_DECISIONS = ('screening', 'eligibility_signature', 'allocation', 'dose_decision')


def upgrade() -> None:
    op.create_table(
        'protocol_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('label', sa.String(length=20), nullable=False),
        sa.Column('yaml_text', sa.Text(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('approved_on', sa.Date(), nullable=False),
        sa.Column('effective_on', sa.Date(), nullable=False),
        sa.Column('summary', sa.Text(), nullable=False),
        sa.Column('consent_version', sa.String(length=20), nullable=True),
        sa.Column('loaded_by', sa.String(length=64), nullable=False),
        sa.Column('loaded_at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_protocol_version')),
        sa.UniqueConstraint('label', name=op.f('uq_protocol_version_label')),
        sa.UniqueConstraint('effective_on', name=op.f('uq_protocol_version_effective_on')),
    )
    for table in _DECISIONS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('protocol_version', sa.String(length=20),
                                          nullable=False, server_default='1'))


def downgrade() -> None:
    for table in reversed(_DECISIONS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('protocol_version')
    op.drop_table('protocol_version')
