"""Tell localstripe where to send webhooks (it forgets on restart): our URL and STRIPE_WEBHOOK_SECRET."""

import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Register this store's Stripe webhook endpoint with localstripe (STRIPE_API_BASE)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", required=True, help="e.g. http://127.0.0.1:8000/payments/stripe/webhook/")
        parser.add_argument("--name", default="storefront", help="localstripe's id for this webhook")
        parser.add_argument("--wait", type=float, default=15, help="seconds to wait for localstripe to answer")

    def handle(self, *args: Any, url: str, name: str, wait: float, **options: Any) -> None:
        base = settings.STRIPE_API_BASE.rstrip("/")
        if not base:
            raise CommandError("STRIPE_API_BASE is empty: that is real Stripe, configure webhooks in its dashboard.")
        endpoint = f"{base}/_config/webhooks/{urllib.parse.quote(name)}"
        body = urllib.parse.urlencode({"url": url, "secret": settings.STRIPE_WEBHOOK_SECRET}).encode()
        deadline = time.monotonic() + wait
        while True:
            try:
                request = urllib.request.Request(endpoint, data=body, method="POST")  # noqa: S310 - configured base
                with urllib.request.urlopen(request, timeout=2):  # noqa: S310
                    break
            except (urllib.error.URLError, OSError) as error:
                if time.monotonic() >= deadline:
                    raise CommandError(f"localstripe at {base} did not answer: {error}") from error
                time.sleep(0.2)
        self.stdout.write(f"localstripe at {base} now sends webhooks to {url}")
