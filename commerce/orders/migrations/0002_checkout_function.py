"""Install `commerce_checkout_place`, a checkout in one database call (PostgreSQL only).

The function, and why it exists, are in orders/sql/0002_checkout_function.sql, run as it is.
SQLite (the embedded mode) has no such function: checkout takes the Python path there.
"""

from pathlib import Path

from django.db import migrations

SQL = Path(__file__).resolve().parent.parent / "sql" / "0002_checkout_function.sql"
DROP = "DROP FUNCTION IF EXISTS commerce_checkout_place(bigint, bigint, text, jsonb, text, text, timestamptz, text);"


def create(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(SQL.read_text(encoding="utf-8"))


def drop(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0001_initial"),
        ("cart", "0001_initial"),
        ("catalog", "0001_initial"),
        ("inventory", "0002_initial"),
    ]

    operations = [migrations.RunPython(create, drop)]
