"""`commerce_checkout_place` runs its statements on generic plans (PostgreSQL only).

PL/pgSQL plans each statement with the call's values (a custom plan) for a connection's first
five calls before it may settle on a generic plan. The function's statements are lookups by key
whose best plan never depends on the values, so those first calls only cost planning: about ten
plans per checkout. In a sell-out, where fresh connections (CONN_MAX_AGE 0, or a pool growing)
meet a row everyone wants, that planning was most of the database's CPU per checkout
(see BENCHMARKS.md, section 3).
"""

from django.db import migrations

SIGNATURE = "commerce_checkout_place(bigint, bigint, text, jsonb, text, text, timestamptz, text)"


def generic(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER FUNCTION {SIGNATURE} SET plan_cache_mode = force_generic_plan")


def default(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER FUNCTION {SIGNATURE} RESET plan_cache_mode")


class Migration(migrations.Migration):
    dependencies = [("orders", "0002_checkout_function")]

    operations = [migrations.RunPython(generic, default)]
