"""tests/pg_pool.py: every PostgreSQL test database is fresh, its own, made from its template,
and gone after the pool closes (the catalogue ``pg_database`` is the reference)."""

from __future__ import annotations

import pytest
from pg_pool import Pool, admin_conn, url_of
from sqlalchemy import create_engine, text

pytestmark = pytest.mark.postgres


def _databases() -> set[str]:
    with admin_conn() as conn:
        return {row[0] for row in conn.execute("SELECT datname FROM pg_database")}


def test_each_database_is_fresh_and_all_are_dropped_at_the_end(pg_template: str) -> None:
    pool = Pool(admin_conn, url_of)
    seen: list[str] = []
    try:
        for _ in range(3):
            fresh = pool.fresh(pg_template)
            url = next(fresh)
            name = url.rsplit("/", 1)[1]
            assert name not in seen and name in _databases()
            engine = create_engine(url)
            with engine.begin() as conn:  # the template's tables, and nothing a test wrote
                assert conn.execute(text("SELECT count(*) FROM site")).scalar() == 0
                conn.execute(text("CREATE TABLE written_by_this_test (x int)"))
            engine.dispose()
            seen.append(name)
            for _ in fresh:  # the test's end: dropped in the background
                pass
        prepared = pool._ready[pg_template].result()  # the next one, made ahead of need
        assert prepared in _databases()
    finally:
        pool.close()
    assert not {*seen, prepared} & _databases()
