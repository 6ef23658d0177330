"""The demo shopper's delivered orders and the co-purchases they make; safe to run again.

`seed_demo` can run it by name (`call_command("demo_orders")`), so the catalog imports nothing of this area."""

from typing import Any

from django.core.management.base import BaseCommand

from commerce.recommendations.demo import delivered_orders_demo


class Command(BaseCommand):
    help = "Write the demo shopper's delivered orders (after seed_demo) and count the co-purchases again."

    def handle(self, *args: Any, **options: Any) -> None:
        written = delivered_orders_demo()
        self.stdout.write(self.style.SUCCESS(f"Demo order history ready ({written} new orders)."))
