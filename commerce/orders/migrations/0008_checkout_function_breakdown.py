"""`commerce_checkout_place` writes the order's breakdown and takes its discount code's use, and
`commerce_checkout_lines` reads a cart's lines for pricing it (PostgreSQL only).

The new version is orders/sql/0008_checkout_function_breakdown.sql, run as it is. It takes one more
argument, so version 2 is dropped first; going back drops version 3 and installs version 2 again.
"""

from pathlib import Path

from django.db import migrations

SQL = Path(__file__).resolve().parent.parent / "sql"
VERSION_2 = "commerce_checkout_place(bigint, bigint, text, jsonb, text, text, timestamptz, text)"
VERSION_3 = "commerce_checkout_place(bigint, bigint, text, jsonb, text, text, timestamptz, text, jsonb)"


def breakdown(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {VERSION_2}")
        schema_editor.execute((SQL / "0008_checkout_function_breakdown.sql").read_text(encoding="utf-8"))


def subtotal_only(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {VERSION_3}")
        schema_editor.execute("DROP FUNCTION IF EXISTS commerce_checkout_lines(bigint)")
        schema_editor.execute((SQL / "0005_checkout_function_call_time.sql").read_text(encoding="utf-8"))


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0007_orderline_discount_tax"),
        ("cart", "0002_cart_code_estimate"),
        ("discounts", "0001_initial"),
    ]

    operations = [migrations.RunPython(breakdown, subtotal_only)]
