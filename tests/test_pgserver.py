"""The suite's own PostgreSQL server (tests/pgserver.py): starts, hands out empty, isolated
databases, and works with SQLAlchemy. One server for the whole session keeps this fast."""

from __future__ import annotations

import pathlib
from typing import TYPE_CHECKING

import psycopg
import pytest
from sqlalchemy import create_engine, make_url, text

if TYPE_CHECKING:
    from tests.pgserver import PostgresServer

# Registers the fixtures when no conftest.py does; harmless (one server) when one does too.
# tests.pgserver is imported at run time only through this, so that pytest loads it as a plugin
# first (importing it here directly would make pytest warn that it cannot rewrite it).
pytest_plugins = ["tests.pgserver"]


def _tables(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT schemaname || '.' || tablename FROM pg_tables "
                    "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1"
                )
            )
            return [str(row[0]) for row in rows]
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_server_runs_private_and_fast(postgres_server: PostgresServer) -> None:
    url = make_url(postgres_server.url)
    assert url.drivername == "postgresql+psycopg"
    assert (url.username, url.host, url.database) == ("nazorg", "127.0.0.1", "postgres")
    assert url.port == postgres_server.port
    with psycopg.connect(postgres_server.conninfo()) as conn:
        settings: dict[str, str] = dict(
            conn.execute(
                "SELECT name, setting FROM pg_settings WHERE name = ANY(%s)",
                (["fsync", "listen_addresses", "unix_socket_directories", "TimeZone"],),
            ).fetchall()
        )
        is_superuser = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        assert is_superuser.fetchone() == (True,)
    assert settings["fsync"] == "off"
    assert settings["listen_addresses"] == "127.0.0.1"
    assert settings["unix_socket_directories"] == str(postgres_server.base_dir)
    assert settings["TimeZone"] == "UTC"


@pytest.mark.postgres
def test_fresh_database_is_empty(pg_url: str) -> None:
    assert _tables(pg_url) == []
    assert make_url(pg_url).database.startswith("t")  # type: ignore[union-attr]


@pytest.mark.postgres
def test_sqlalchemy_select_version(pg_url: str) -> None:
    engine = create_engine(pg_url)
    try:
        with engine.connect() as conn:
            version = conn.execute(text("select version()")).scalar_one()
            encoding = conn.execute(text("show server_encoding")).scalar_one()
    finally:
        engine.dispose()
    assert version.startswith("PostgreSQL ")
    assert encoding == "UTF8"


@pytest.mark.postgres
def test_databases_are_isolated(postgres_server: PostgresServer, pg_url: str) -> None:
    engine = create_engine(pg_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE incident (id integer PRIMARY KEY)"))
            conn.execute(text("INSERT INTO incident VALUES (1)"))
        # A second database, made the way pg_url makes them, sees none of it.
        with postgres_server.temporary_database("other") as other_url:
            assert other_url != pg_url
            assert _tables(other_url) == []
        assert _tables(pg_url) == ["public.incident"]
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_temporary_database_is_dropped_even_with_open_connections(
    postgres_server: PostgresServer,
) -> None:
    with postgres_server.temporary_database("leaky") as url:
        name = make_url(url).database
        assert name in postgres_server.database_names()
        leaked = create_engine(url).connect()  # a test that forgets to close its connection
    assert name not in postgres_server.database_names()
    with pytest.raises(Exception):  # noqa: B017 - the server ended it: any DBAPI error will do
        leaked.execute(text("select 1"))
    leaked.invalidate()


@pytest.mark.postgres
def test_create_database_from_template(postgres_server: PostgresServer) -> None:
    with postgres_server.temporary_database("template") as template_url:
        engine = create_engine(template_url)
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE migrated (id integer)"))
        engine.dispose()
        template = make_url(template_url).database
        assert template is not None
        copy_url = postgres_server.create_database("t_copy_of_template", template=template)
        try:
            assert _tables(copy_url) == ["public.migrated"]
        finally:
            postgres_server.drop_database("t_copy_of_template")


def test_find_pg_bin_honours_nazorg_pg_bin(
    monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path
) -> None:
    from tests.pgserver import find_pg_bin

    monkeypatch.setenv("NAZORG_PG_BIN", str(tmp_path))
    assert find_pg_bin() is None  # set but empty: no silent fallback to another version
    for tool in ("initdb", "pg_ctl", "postgres"):
        (tmp_path / tool).write_text("#!/bin/sh\n")
        (tmp_path / tool).chmod(0o755)
    assert find_pg_bin() == tmp_path.resolve()
    monkeypatch.setenv("NAZORG_PG_BIN", str(tmp_path / "initdb"))
    assert find_pg_bin() == tmp_path.resolve()


@pytest.mark.postgres
def test_name_check_rejects_overlong_names(postgres_server: PostgresServer) -> None:
    with pytest.raises(ValueError, match="63 bytes"):
        postgres_server.create_database("x" * 64)
