"""Create the PostgreSQL database DATABASE_URL names, if it is not there yet (`make run-services`)."""

import os
import sys

import psycopg
from psycopg import sql


def main() -> int:
    url = os.environ["DATABASE_URL"]
    server, name = url.rsplit("/", 1)
    name = name.split("?", 1)[0]
    with psycopg.connect(f"{server}/postgres", autocommit=True, connect_timeout=5) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
