"""The reviews section's shared parts: the same for every shopper, rendered once per change of a product's reviews.

The summary (average, distribution) and the first page of reviews are kept in Django's cache under a
per-product token; every committed change of the product's reviews replaces the token (after commit),
so the next page load renders afresh. A render reads the token before its queries and stores under the
token it read: a render that raced a change is stored under a dead token and never read.
"""

import logging
import uuid
from typing import Any

from django.core.cache import cache
from django.template.loader import render_to_string

from realtime.broadcast import on_commit_once

from . import selectors
from .models import Review

logger = logging.getLogger(__name__)
PART_SECONDS = 3600


def summary_html(summary: selectors.Summary, *, oob: bool = False) -> str:
    return render_to_string("reviews/_summary.html", {"summary": summary, "oob": oob})


def title_rating_html(summary: selectors.Summary, *, oob: bool = False) -> str:
    """The product title's `#rating-<pk>` (catalog/_rating.html), from the same figures as the summary."""
    product = {"pk": summary.product_pk, "rating_average": summary.average, "rating_count": summary.count}
    return render_to_string("catalog/_rating.html", {"product": product, "oob": oob, "with_id": True})


def review_html(review: Review) -> str:
    return render_to_string("reviews/_review.html", {"review": review})


def list_html(product_pk: int, *, after: int | None = None, whole: bool | None = None) -> str:
    """One page of reviews (the first, or the one after review `after`) and the "More reviews" link:
    `whole` (the first page, or a page of its own) as `#review-list`, else items to append to it."""
    reviews, more = selectors.reviews_after(product_pk, after=after)
    first = after is None if whole is None else whole
    return render_to_string(
        "reviews/_list.html", {"reviews": reviews, "more": more, "product_pk": product_pk, "first": first}
    )


def _token_key(product_pk: int) -> str:
    return f"reviews:token:{product_pk}"


def shared_parts(product_pk: int) -> dict[str, Any]:
    """The summary and first page of the product's reviews, from the cache when they have not changed."""
    try:
        token = cache.get(_token_key(product_pk))
        if token is None:
            cache.add(_token_key(product_pk), uuid.uuid4().hex, timeout=None)
            token = cache.get(_token_key(product_pk))
        entry = cache.get(f"reviews:part:{product_pk}:{token}") if token else None
    except Exception:  # a cache outage must not take the product page down
        logger.warning("reviews cache unavailable", exc_info=True)
        token = entry = None
    if entry is not None:
        return dict(entry)
    summary = selectors.rating_summary(product_pk)
    entry = {"count": summary.count, "summary": summary_html(summary), "list": list_html(product_pk)}
    if token:
        try:
            cache.set(f"reviews:part:{product_pk}:{token}", entry, timeout=PART_SECONDS)
        except Exception:
            logger.warning("reviews cache unavailable", exc_info=True)
    return entry


def parts_changed_on_commit(product_pk: int) -> None:
    """Render the product's shared parts afresh once the current transaction commits."""

    def renew() -> None:
        try:
            cache.set(_token_key(product_pk), uuid.uuid4().hex, timeout=None)
        except Exception:  # entries of the old token then live until they expire (PART_SECONDS)
            logger.exception("reviews parts not renewed", extra={"product": product_pk})

    on_commit_once(("reviews", "parts", product_pk), renew)
