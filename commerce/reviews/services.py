"""Writes: posting a review, staff moderation (publish, hide, reply), the product's rating figures.

Every service is one transaction. A change of what counts (a new published review, a hide, a
publish) locks the product row first and recomputes `Product.rating_average/rating_count` from the
published reviews before it commits: concurrent reviews of one product queue on that lock, so the
figures are always those of the committed rows. The lock order is product, then review.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from commerce.accounts.models import User
from commerce.catalog.cache import catalog_changed_on_commit
from commerce.catalog.models import Product

from . import live, parts, selectors
from .errors import ReviewError
from .models import BODY_MAX, REPLY_MAX, TITLE_MAX, Review


def _figures_update(product_pk: int) -> None:
    """Recompute the product's average and count (its row locked by the caller); the catalog shows them."""
    summary = selectors.rating_summary(product_pk)
    Product.objects.filter(pk=product_pk).update(rating_average=summary.average, rating_count=summary.count)
    catalog_changed_on_commit()
    parts.parts_changed_on_commit(product_pk)


def _product_locked(product_pk: int) -> Product:
    product = Product.objects.select_for_update().filter(pk=product_pk).first()
    if product is None:
        raise ReviewError("no_product", "That product is no longer in the shop.", status=404)
    return product


def _checked_text(*, rating: int, title: str, body: str) -> tuple[str, str]:
    title, body = title.strip(), body.strip()
    if rating not in range(1, 6):
        raise ReviewError("bad_rating", "Choose a rating from 1 to 5 stars.")
    if not body:
        raise ReviewError("no_body", "Write a few words about the product.")
    if len(title) > TITLE_MAX or len(body) > BODY_MAX:
        raise ReviewError("too_long", f"Keep the title to {TITLE_MAX} and the review to {BODY_MAX} characters.")
    return title, body


@transaction.atomic
def review_post(*, user: User, product_pk: int, rating: int, title: str, body: str) -> Review:
    """Publish a verified buyer's review of a product: once per product and person.

    Refused (nothing written) for a guest, someone who has not received the product, and a second
    review. Text is stored as typed and escaped wherever it is shown."""
    title, body = _checked_text(rating=rating, title=title, body=body)
    product = _product_locked(product_pk)  # also queues a double post of one person behind the first
    refusal = selectors.review_refusal(user=user, product_pk=product.pk)
    if refusal is not None:
        raise refusal
    try:
        with transaction.atomic():
            review = Review.objects.create(product=product, user=user, rating=rating, title=title, body=body)
    except IntegrityError as exc:  # the unique constraint: a second review that got past the look above
        raise ReviewError.already_reviewed() from exc
    _figures_update(product.pk)
    live.publish_review_on_commit(review, action="add")
    return review


def _review_locked(review_pk: int) -> Review:
    """The review, its product's row locked first, then its own (the one lock order of this area)."""
    product_pk = Review.objects.filter(pk=review_pk).values_list("product_id", flat=True).first()
    if product_pk is None:
        raise ReviewError.not_found()
    _product_locked(product_pk)
    review = (
        Review.objects.select_for_update(of=("self",)).select_related("user", "replied_by").filter(pk=review_pk).first()
    )
    if review is None:
        raise ReviewError.not_found()
    return review


def _status_set(review_pk: int, status: str) -> Review:
    review = _review_locked(review_pk)
    if review.status == status:
        return review  # already so: nothing changes, nothing is pushed
    review.status = status
    review.save(update_fields=["status", "updated_at"])
    _figures_update(review.product_id)
    live.publish_review_on_commit(review, action="add" if status == Review.Status.PUBLISHED else "remove")
    return review


@transaction.atomic
def review_hide(*, review_pk: int, actor: User) -> Review:
    """Take a review off the product page (staff); its figures leave the average. Idempotent."""
    return _status_set(review_pk, Review.Status.HIDDEN)


@transaction.atomic
def review_publish(*, review_pk: int, actor: User) -> Review:
    """Show a hidden review again (staff). Idempotent."""
    return _status_set(review_pk, Review.Status.PUBLISHED)


@transaction.atomic
def review_reply(*, review_pk: int, text: str, actor: User) -> Review:
    """Set the store's reply under a review (empty text removes it). Idempotent: the same text changes nothing."""
    text = text.strip()
    if len(text) > REPLY_MAX:
        raise ReviewError("too_long", f"Keep the reply to {REPLY_MAX} characters.")
    review = (
        Review.objects.select_for_update(of=("self",)).select_related("user", "replied_by").filter(pk=review_pk).first()
    )
    if review is None:
        raise ReviewError.not_found()
    if review.reply == text:
        return review
    review.reply = text
    review.replied_at = timezone.now() if text else None
    review.replied_by = actor if text else None
    review.save(update_fields=["reply", "replied_at", "replied_by", "updated_at"])
    parts.parts_changed_on_commit(review.product_id)
    if review.is_published:
        live.publish_review_on_commit(review, action="replace")
    return review
