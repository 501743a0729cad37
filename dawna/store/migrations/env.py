"""Alembic environment: online migrations against the URL set by ``dawna.store.migrate``."""

from __future__ import annotations

from alembic import context

from dawna.store import models  # noqa: F401 - registers the tables
from dawna.store.base import Base
from dawna.store.db import make_engine

config = context.config
target_metadata = Base.metadata


def run() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url is not None
    engine = make_engine(url)
    role = config.attributes.get("role")
    with engine.connect() as connection:
        if role and connection.dialect.name == "postgresql":
            quoted = connection.dialect.identifier_preparer.quote(role)
            connection.exec_driver_sql(f"SET ROLE {quoted}")
            connection.commit()
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=connection.dialect.name == "sqlite",
                          compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run()
