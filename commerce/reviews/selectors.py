"""Reads: who may review a product, a product's rating figures and its published reviews, the staff list."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet

from commerce.orders.models import Order, OrderLine

from .errors import ReviewError
from .models import Review

PAGE_SIZE = 5  # reviews per page on a product page
OPS_PAGE_SIZE = 20
STARS = (5, 4, 3, 2, 1)


def is_verified_buyer(*, user: Any, product_pk: int) -> bool:
    """The person received this product: a line for one of its variants in a delivered order of theirs."""
    if not getattr(user, "is_authenticated", False):
        return False
    return OrderLine.objects.filter(
        order__user_id=user.pk, order__status=Order.Status.DELIVERED, variant__product_id=product_pk
    ).exists()


def review_refusal(*, user: Any, product_pk: int) -> ReviewError | None:
    """Why this person may not review this product now (None: they may)."""
    if not getattr(user, "is_authenticated", False):
        return ReviewError.sign_in()
    if Review.objects.filter(product_id=product_pk, user_id=user.pk).exists():
        return ReviewError.already_reviewed()
    if not is_verified_buyer(user=user, product_pk=product_pk):
        return ReviewError.not_a_buyer()
    return None


@dataclass(frozen=True)
class Bar:
    stars: int
    count: int
    percent: int  # of all published reviews, rounded


@dataclass(frozen=True)
class Summary:
    product_pk: int
    count: int
    average: Decimal | None  # two places, as Product.rating_average holds it
    bars: list[Bar]


def rating_summary(product_pk: int) -> Summary:
    """The published reviews' count, average and distribution (5 down to 1 stars), in one query."""
    counts = Review.objects.filter(product_id=product_pk, status=Review.Status.PUBLISHED).aggregate(
        **{f"s{stars}": Count("pk", filter=Q(rating=stars)) for stars in STARS}
    )
    per_star = {stars: counts[f"s{stars}"] for stars in STARS}
    total = sum(per_star.values())
    average = None
    if total:
        points = sum(stars * count for stars, count in per_star.items())
        average = (Decimal(points) / Decimal(total)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    bars = [
        Bar(stars=stars, count=count, percent=round(100 * count / total) if total else 0)
        for stars, count in per_star.items()
    ]
    return Summary(product_pk=product_pk, count=total, average=average, bars=bars)


def published_reviews(product_pk: int) -> QuerySet[Review]:
    return (
        Review.objects.filter(product_id=product_pk, status=Review.Status.PUBLISHED)
        .select_related("user")
        .order_by("-created_at", "-pk")
    )


def reviews_after(product_pk: int, *, after: int | None = None) -> tuple[list[Review], int | None]:
    """A page of the product's published reviews, newest first: the first, or those older than review
    `after` (a cursor, not a page number, so reviews that arrive meanwhile shift nothing); and the
    cursor of the next page (None: this is the last)."""
    reviews = published_reviews(product_pk)
    if after is not None:
        mark = Review.objects.filter(pk=after, product_id=product_pk).values_list("created_at", flat=True).first()
        if mark is None:
            return [], None
        reviews = reviews.filter(Q(created_at__lt=mark) | Q(created_at=mark, pk__lt=after))
    shown = list(reviews[: PAGE_SIZE + 1])
    more = shown[PAGE_SIZE - 1].pk if len(shown) > PAGE_SIZE else None
    return shown[:PAGE_SIZE], more


OPS_STATUSES = [("", "All"), *Review.Status.choices]


def ops_review_page(*, status: str, number: str | int | None = 1) -> Page[Review]:
    """Reviews for staff, newest first, of one status ("" for all)."""
    reviews = Review.objects.select_related("user", "product", "replied_by").order_by("-created_at", "-pk")
    if status in Review.Status.values:
        reviews = reviews.filter(status=status)
    return Paginator(reviews, OPS_PAGE_SIZE).get_page(number)
