"""Stop `make test` at once, with a helpful message, if PostgreSQL or Redis is unreachable."""

import os
import sys

import psycopg
import redis

HINTS = {
    "PostgreSQL": (
        "start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n"
        "  (or any PostgreSQL 14+, then set DATABASE_URL=postgres://USER@HOST:PORT/DBNAME)"
    ),
    "Redis": (
        'start it with: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no\n'
        "  (or any Redis 6+, then set REDIS_URL=redis://HOST:PORT/0)"
    ),
}


def main() -> int:
    failures = []
    database_url = os.environ["DATABASE_URL"]
    redis_url = os.environ["REDIS_URL"]
    try:
        # Connect to the maintenance database: the test database is created by the tests.
        with psycopg.connect(database_url.rsplit("/", 1)[0] + "/postgres", connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        failures.append(("PostgreSQL", database_url, exc))
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        failures.append(("Redis", redis_url, exc))
    for name, url, exc in failures:
        print(f"make test: {name} is not reachable at {url}: {exc}\n  {HINTS[name]}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
