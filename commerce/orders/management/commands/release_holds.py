"""Release expired stock holds now, or every N seconds (the embedded mode's stand-in for beat)."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from commerce.orders.services import holds_release_expired


class Command(BaseCommand):
    help = "Cancel orders whose stock hold expired and give the stock back."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--every", type=float, default=0, help="Repeat every N seconds (0: run once).")

    def handle(self, *args: Any, every: float = 0, **options: Any) -> None:
        while True:
            released = holds_release_expired()
            if released or not every:
                self.stdout.write(f"Released {released} expired hold(s).")
            if not every:
                return
            time.sleep(every)
