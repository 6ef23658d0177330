"""Posting and moderating reviews: who may review, once per product, and the product's figures."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, connection, transaction

from commerce.catalog.cache import catalog_version
from commerce.orders.models import Order
from commerce.reviews import selectors, services
from commerce.reviews.errors import ReviewError
from commerce.reviews.models import Review
from tests.commerce.reviews.helpers import buyer_of, product_of, reviewed, shirt, staff
from tests.factories import VariantFactory
from tests.races import race

pytestmark = pytest.mark.django_db
S = Order.Status


def post(user, variant, rating=4, title="", body="Nice."):  # type: ignore[no-untyped-def]
    return services.review_post(user=user, product_pk=variant.product_id, rating=rating, title=title, body=body)


def test_a_buyer_whose_order_was_delivered_may_review():
    variant = shirt()
    person = buyer_of(variant)

    assert selectors.review_refusal(user=person, product_pk=variant.product_id) is None
    review = post(person, variant, rating=5, title="Great", body="Fits well.")

    assert (review.rating, review.title, review.body, review.status) == (5, "Great", "Fits well.", "published")
    assert Review.objects.count() == 1


@pytest.mark.parametrize("status", [S.PENDING_PAYMENT, S.PAID, S.SHIPPED, S.CANCELLED])
def test_an_order_not_delivered_does_not_make_a_verified_buyer(status):
    variant = shirt()
    person = buyer_of(variant, status=status)

    with pytest.raises(ReviewError) as refused:
        post(person, variant)

    assert (refused.value.code, refused.value.status) == ("not_a_buyer", 403)
    assert refused.value.message == "Only customers who received this product can review it."
    assert Review.objects.count() == 0


def test_another_persons_delivered_order_or_another_products_does_not_count():
    variant, other_product = shirt(), VariantFactory()
    buyer_of(variant)  # someone else received the shirt
    person = buyer_of(other_product)  # this person received something else

    with pytest.raises(ReviewError) as refused:
        post(person, variant)

    assert refused.value.code == "not_a_buyer"
    assert Review.objects.count() == 0


def test_a_guest_is_asked_to_sign_in():
    variant = shirt()

    refusal = selectors.review_refusal(user=AnonymousUser(), product_pk=variant.product_id)

    assert refusal is not None
    assert (refusal.code, refusal.message) == ("sign_in", "Sign in to review this product.")


def test_a_second_review_of_the_same_product_is_refused_and_the_first_kept():
    variant = shirt()
    person = buyer_of(variant)
    post(person, variant, rating=5, body="First.")

    with pytest.raises(ReviewError) as refused:
        post(person, variant, rating=1, body="Second.")

    assert (refused.value.code, refused.value.message) == (
        "already_reviewed",
        "You have already reviewed this product.",
    )
    assert list(Review.objects.values_list("rating", "body")) == [(5, "First.")]
    assert product_of(variant).rating_count == 1


@pytest.mark.parametrize(
    ("rating", "title", "body", "code"),
    [(0, "", "Fine.", "bad_rating"), (6, "", "Fine.", "bad_rating"), (4, "", "   ", "no_body"),
     (4, "", "x" * 2001, "too_long"), (4, "t" * 121, "Fine.", "too_long")],
)  # fmt: skip
def test_bad_input_is_refused_and_nothing_written(rating, title, body, code):
    variant = shirt()
    person = buyer_of(variant)

    with pytest.raises(ReviewError) as refused:
        post(person, variant, rating=rating, title=title, body=body)

    assert refused.value.code == code
    assert Review.objects.count() == 0
    assert product_of(variant).rating_count == 0


def test_figures_are_exact_after_several_reviews_and_after_a_hide_and_a_publish():
    variant = shirt()
    reviews = [reviewed(variant, rating) for rating in (5, 4, 4, 2)]

    product = product_of(variant)
    assert (product.rating_average, product.rating_count) == (Decimal("3.75"), 4)
    summary = selectors.rating_summary(variant.product_id)
    assert [(bar.stars, bar.count, bar.percent) for bar in summary.bars] == [
        (5, 1, 25), (4, 2, 50), (3, 0, 0), (2, 1, 25), (1, 0, 0)
    ]  # fmt: skip

    moderator = staff("support")
    services.review_hide(review_pk=reviews[3].pk, actor=moderator)
    product.refresh_from_db()
    assert (product.rating_average, product.rating_count) == (Decimal("4.33"), 3)
    assert [bar.count for bar in selectors.rating_summary(variant.product_id).bars] == [1, 2, 0, 0, 0]

    services.review_hide(review_pk=reviews[3].pk, actor=moderator)  # again: nothing changes
    services.review_publish(review_pk=reviews[3].pk, actor=moderator)
    product.refresh_from_db()
    assert (product.rating_average, product.rating_count) == (Decimal("3.75"), 4)


def test_hiding_the_only_review_clears_the_average():
    variant = shirt()
    review = reviewed(variant, 3)

    services.review_hide(review_pk=review.pk, actor=staff("ops"))

    product = product_of(variant)
    assert (product.rating_average, product.rating_count) == (None, 0)


def test_a_new_review_moves_the_catalog_version_on_so_cached_cards_show_it(django_capture_on_commit_callbacks):
    variant = shirt()
    person = buyer_of(variant)
    before = catalog_version()

    with django_capture_on_commit_callbacks(execute=True):
        post(person, variant)

    assert catalog_version() != before


def test_a_reply_is_kept_with_who_wrote_it_and_an_empty_one_removes_it():
    variant = shirt()
    review = reviewed(variant, 4)
    moderator = staff("support")

    services.review_reply(review_pk=review.pk, text="  Thanks for the kind words!  ", actor=moderator)
    review.refresh_from_db()
    assert (review.reply, review.replied_by) == ("Thanks for the kind words!", moderator)
    assert review.replied_at is not None

    services.review_reply(review_pk=review.pk, text="", actor=moderator)
    review.refresh_from_db()
    assert (review.reply, review.replied_by, review.replied_at) == ("", None, None)


def test_moderating_a_review_that_does_not_exist_is_refused():
    with pytest.raises(ReviewError) as refused:
        services.review_hide(review_pk=987654, actor=staff("ops"))

    assert (refused.value.code, refused.value.status) == ("not_found", 404)


@pytest.mark.django_db(transaction=True)
def test_a_double_post_at_the_same_moment_writes_one_review():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    variant = shirt()
    person = buyer_of(variant)

    results = race(2, lambda i: post(person, variant, rating=4 + i, body=f"Post {i}."))

    written = [r for r in results if isinstance(r, Review)]
    refused = [r for r in results if isinstance(r, ReviewError)]
    assert (len(written), len(refused)) == (1, 1), results
    assert refused[0].code == "already_reviewed"
    assert Review.objects.count() == 1
    assert product_of(variant).rating_count == 1


@pytest.mark.django_db(transaction=True)
def test_reviews_of_one_product_by_many_at_once_all_count():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    variant = shirt()
    people = [buyer_of(variant) for _ in range(6)]

    results = race(6, lambda i: post(people[i], variant, rating=1 + i % 5))

    assert all(isinstance(r, Review) for r in results), results
    product = product_of(variant)
    assert (product.rating_count, product.rating_average) == (6, Decimal("2.67"))  # 16 / 6


@pytest.mark.parametrize("fields", [{"rating": 0}, {"rating": 6}, {"body": "x" * 2001}, {"reply": "x" * 2001}])
def test_the_database_refuses_what_the_services_refuse_from_any_writer(fields):
    variant = shirt()
    person = buyer_of(variant)
    row = {"product_id": variant.product_id, "user": person, "rating": 4, "body": "Fine.", **fields}

    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(**row)

    assert Review.objects.count() == 0
