"""The demo's reviews, by the people who received the products (after `demo_orders`); safe to run again.

`seed_demo` runs it by name (`call_command("demo_reviews")`), so the catalog imports nothing of this area."""

from typing import Any

from django.core.management.base import BaseCommand

from commerce.reviews.demo import reviews_demo


class Command(BaseCommand):
    help = "Write a few published reviews for the demo's delivered orders."

    def handle(self, *args: Any, **options: Any) -> None:
        written = reviews_demo()
        self.stdout.write(self.style.SUCCESS(f"Demo reviews ready ({written} new reviews)."))
