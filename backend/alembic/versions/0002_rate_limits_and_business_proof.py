"""rate limits and business proof (issue 9)

Identity challenges record the client that asked and may be for a business's contact phone;
businesses get a contact phone; business tokens prove a business before a bulk reservation; one
table counts throttled attempts (staff login, order look-up, staff token exchange).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("businesses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contact_phone", sa.String(length=20), nullable=True))

    with op.batch_alter_table("identity_challenges", schema=None) as batch_op:
        batch_op.add_column(sa.Column("client_key", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column(
                "purpose", sa.String(length=20), nullable=False, server_default="identity"
            )
        )
        batch_op.add_column(sa.Column("business_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_identity_challenges_business_id", "businesses", ["business_id"], ["id"]
        )
        batch_op.create_index(
            "ix_challenges_conversation_created", ["conversation_id", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_challenges_client_key_created", ["client_key", "created_at"], unique=False
        )
        batch_op.create_index("ix_challenges_created", ["created_at"], unique=False)

    op.create_table(
        "business_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("business_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=200), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("issued_by", sa.String(length=100), nullable=False),
        sa.Column("used", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["business_id"], ["businesses.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_table(
        "rate_limit_hits",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("rate_limit_hits", schema=None) as batch_op:
        batch_op.create_index(
            "ix_rate_limit_scope_subject_at", ["scope", "subject", "at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("rate_limit_hits", schema=None) as batch_op:
        batch_op.drop_index("ix_rate_limit_scope_subject_at")
    op.drop_table("rate_limit_hits")
    op.drop_table("business_tokens")
    with op.batch_alter_table("identity_challenges", schema=None) as batch_op:
        batch_op.drop_index("ix_challenges_created")
        batch_op.drop_index("ix_challenges_client_key_created")
        batch_op.drop_index("ix_challenges_conversation_created")
        batch_op.drop_constraint("fk_identity_challenges_business_id", type_="foreignkey")
        batch_op.drop_column("business_id")
        batch_op.drop_column("purpose")
        batch_op.drop_column("client_key")
    with op.batch_alter_table("businesses", schema=None) as batch_op:
        batch_op.drop_column("contact_phone")
