"""Live reviews: the public `reviews.<product>` topic that open product pages follow.

The figures (the section's summary and the title's `#rating-<pk>`) are state: pushed from the
database through the coalescer, and sent again as the snapshot on every (re)connect. A review's
own entry is an event: inserted at the top of `#review-list` when published (a hidden review published
again too, out of date order until the page is reloaded), replaced when staff reply, removed when hidden.
What a page missed while disconnected is healed for the figures (the snapshot), and for the list on
reload. Every fragment is the same for every viewer: nothing personal in it.
"""

from django.template.loader import render_to_string

from realtime import topics
from realtime.broadcast import publish_on_commit, publish_state_on_commit

from . import parts, selectors
from .models import Review

KIND = "reviews"


def topic(product_pk: int) -> str:
    return f"{KIND}.{product_pk}"


def figures_fragment(product_pk: int) -> str:
    summary = selectors.rating_summary(product_pk)
    return parts.summary_html(summary, oob=True) + parts.title_rating_html(summary, oob=True)


def reviews_snapshot(key: str) -> str | None:
    return figures_fragment(int(key)) if key.isdigit() else None


def review_added_fragment(review: Review) -> str:
    """Insert the review at the top of the list, replacing a copy the page already shows (this tab's own
    answer and the push both carry it)."""
    return render_to_string("reviews/_review_push.html", {"review": review, "action": "add"})


def review_changed_fragment(review: Review) -> str:
    return render_to_string("reviews/_review_push.html", {"review": review, "action": "replace"})


def review_removed_fragment(review: Review) -> str:
    return render_to_string("reviews/_review_push.html", {"review": review, "action": "remove"})


def publish_review_on_commit(review: Review, *, action: str) -> None:
    """After commit: the review's entry on open pages (`add`, `replace`, `remove`), and the figures."""
    render = {"add": review_added_fragment, "replace": review_changed_fragment, "remove": review_removed_fragment}
    publish_on_commit(topic(review.product_id), render[action](review), part=f"review-{review.pk}")
    if action != "replace":
        publish_state_on_commit(topic(review.product_id))


def register() -> None:
    topics.register(KIND, reviews_snapshot, allowed=topics.public)
