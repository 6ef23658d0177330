"""`commerce_checkout_place` stamps the time of the call, not of its transaction (PostgreSQL only).

The new version is orders/sql/0005_checkout_function_call_time.sql, run as it is; going back
installs version 1 again, with the setting migration 0003 gave it.
"""

from pathlib import Path

from django.db import migrations

SQL = Path(__file__).resolve().parent.parent / "sql"
SIGNATURE = "commerce_checkout_place(bigint, bigint, text, jsonb, text, text, timestamptz, text)"


def call_time(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute((SQL / "0005_checkout_function_call_time.sql").read_text(encoding="utf-8"))


def transaction_time(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute((SQL / "0002_checkout_function.sql").read_text(encoding="utf-8"))
        schema_editor.execute(f"ALTER FUNCTION {SIGNATURE} SET plan_cache_mode = force_generic_plan")


class Migration(migrations.Migration):
    dependencies = [("orders", "0004_event_kind_choices")]

    operations = [migrations.RunPython(call_time, transaction_time)]
