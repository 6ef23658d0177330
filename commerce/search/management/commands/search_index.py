"""Rebuild the search indexes from the catalog, or check them and repair drift."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from commerce.search import services
from commerce.search.errors import SearchUnavailable

BAR_WIDTH = 30


class Command(BaseCommand):
    help = "Rebuild the search indexes (--rebuild) or repair their drift from the catalog (--check)."

    def add_arguments(self, parser: CommandParser) -> None:
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--rebuild", action="store_true", help="Index every searchable product afresh.")
        group.add_argument("--check", action="store_true", help="Compare the indexes with the catalog and repair.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["check"]:
            report = services.search_index_check()
            for name, count in report.repaired.items():
                removed = report.removed.get(name, 0)
                self.stdout.write(f"{name}: {count} repaired, {removed} removed")
            if report.failed:
                raise CommandError("; ".join(f"{name}: {error}" for name, error in report.failed.items()))
            return
        try:
            counts = services.search_index_rebuild(progress=self._progress)
        except SearchUnavailable as exc:
            raise CommandError(f"The search engine failed: {exc}") from exc
        for name, count in counts.items():
            self.stdout.write(self.style.SUCCESS(f"{name}: {count} products indexed"))

    def _progress(self, name: str, total: int) -> services.Progress:
        """A progress bar on one line (redrawn in place on a terminal, every 10% otherwise)."""
        done = 0
        started = time.monotonic()
        tty = self.stdout.isatty()
        last_tenth = -1

        def advance(count: int) -> None:
            nonlocal done, last_tenth
            done += count
            fraction = done / total if total else 1.0
            filled = int(BAR_WIDTH * fraction)
            bar = "#" * filled + "." * (BAR_WIDTH - filled)
            line = f"{name:>13} [{bar}] {done}/{total} {time.monotonic() - started:.1f}s"
            if tty:
                self.stdout.write(f"\r{line}", ending="\n" if done >= total else "")
                self.stdout.flush()
            elif int(fraction * 10) != last_tenth:
                last_tenth = int(fraction * 10)
                self.stdout.write(line)

        advance(0)
        return advance
