"""Live stock figures: the `stock.<variant>` topic."""

from django.template.loader import render_to_string

from realtime import topics
from realtime.broadcast import publish_on_commit

from .models import Variant


def stock_fragment(variant: Variant) -> str:
    """`#stock-<pk>` with `data-stock`, swapped out of band wherever the variant is shown."""
    return render_to_string("catalog/_stock.html", {"variant": variant, "oob": True})


def stock_snapshot(key: str) -> str | None:
    variant = Variant.objects.filter(pk=int(key)).first() if key.isdigit() else None
    return stock_fragment(variant) if variant else None


def stock_publish(variant_pks: list[int]) -> None:
    """After commit, push the figure of each variant whose stock just changed (read fresh, rendered once)."""
    for variant in Variant.objects.filter(pk__in=variant_pks):
        publish_on_commit(f"stock.{variant.pk}", stock_fragment(variant))


def register() -> None:
    topics.register("stock", stock_snapshot)
