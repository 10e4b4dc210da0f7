"""single sign-on links: e-mail and OpenID Connect subject on patients and therapists

A therapist may now have no password (single sign-on only).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04 20:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ('patients', 'therapists'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('email', sa.String(length=320), nullable=True))
            batch_op.add_column(sa.Column('oidc_subject', sa.String(length=255), nullable=True))
            batch_op.create_unique_constraint(f'uq_{table}_email', ['email'])
            batch_op.create_unique_constraint(f'uq_{table}_oidc_subject', ['oidc_subject'])
    with op.batch_alter_table('therapists', schema=None) as batch_op:
        batch_op.alter_column('password_hash', existing_type=sa.String(length=200), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table('therapists', schema=None) as batch_op:
        batch_op.alter_column('password_hash', existing_type=sa.String(length=200), nullable=False)
    for table in ('therapists', 'patients'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f'uq_{table}_oidc_subject', type_='unique')
            batch_op.drop_constraint(f'uq_{table}_email', type_='unique')
            batch_op.drop_column('oidc_subject')
            batch_op.drop_column('email')
