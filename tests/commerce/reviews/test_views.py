"""The product page's reviews section, posting a review over HTTP, paging, and the stars on cards."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commerce.reviews import services
from commerce.reviews.models import Review
from tests.commerce.reviews.helpers import buyer_of, client_of, reviewed, shirt, staff
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PAGE = "/products/harbour-tee/"


def post_url(variant) -> str:  # type: ignore[no-untyped-def]
    return reverse("reviews:post", args=[variant.product_id])


def test_a_verified_buyer_is_offered_the_form():
    variant = shirt()
    html = client_of(buyer_of(variant)).get(PAGE).content.decode()

    assert '<section id="reviews"' in html
    assert 'id="review-form"' in html
    assert "Post review" in html
    assert all(f'name="rating" value="{stars}"' in html for stars in range(1, 6))
    assert 'name="title"' in html
    assert 'name="body"' in html
    assert "No reviews yet." in html


def test_a_guest_is_asked_to_sign_in_and_a_non_buyer_told_why():
    shirt()
    guest = Client().get(PAGE).content.decode()
    non_buyer = client_of(UserFactory()).get(PAGE).content.decode()

    assert 'id="review-form"' not in guest
    assert "/accounts/login/?next=/products/harbour-tee/%23reviews" in guest
    assert 'id="review-form"' not in non_buyer
    assert "Only customers who received this product can review it." in non_buyer


def test_posting_publishes_the_review_and_the_page_shows_it_with_the_new_figures():
    variant = shirt()
    reviewed(variant, 3)
    client = client_of(buyer_of(variant, first_name="Ada", last_name="Byron"), htmx=True)

    answer = client.post(post_url(variant), {"rating": "5", "title": "Lovely", "body": "Soft and warm."})

    assert answer.status_code == 200
    html = answer.content.decode()
    assert "Thank you: your review is published." in html
    assert 'hx-swap-oob="afterbegin:#review-list"' in html
    assert "4.0 out of 5, 2 reviews" in html
    review = Review.objects.get(title="Lovely")
    assert (review.rating, review.body, review.status) == (5, "Soft and warm.", "published")
    page = Client().get(PAGE).content.decode()
    assert "Lovely" in page
    assert "Ada B." in page
    assert "4.0 out of 5, 2 reviews" in page
    assert f'id="rating-{variant.product_id}"' in page
    assert "(2 reviews)" in page
    mine = client.get(PAGE).content.decode()
    assert 'id="review-form"' not in mine
    assert "You reviewed this product on" in mine


def test_a_non_buyer_and_a_guest_are_refused_and_nothing_is_written():
    variant = shirt()
    buyer_of(variant, status="shipped")  # shipped, not yet delivered
    data = {"rating": "5", "body": "Great."}

    non_buyer = client_of(UserFactory(), htmx=True).post(post_url(variant), data)
    guest = Client().post(post_url(variant), data)

    assert non_buyer.status_code == 403
    assert "Only customers who received this product can review it." in non_buyer["HX-Trigger"]
    assert guest.status_code == 403
    assert "Sign in to review this product." in guest.content.decode()
    assert Review.objects.count() == 0


def test_a_second_post_is_refused():
    variant = shirt()
    client = client_of(buyer_of(variant), htmx=True)
    client.post(post_url(variant), {"rating": "4", "body": "First."})

    again = client.post(post_url(variant), {"rating": "1", "body": "Second."})

    assert again.status_code == 409
    assert list(Review.objects.values_list("body", flat=True)) == ["First."]


def test_markup_is_shown_as_typed_never_run():
    variant = shirt()
    client = client_of(buyer_of(variant), htmx=True)
    client.post(
        post_url(variant), {"rating": "4", "title": "<i>Hi</i>", "body": '<script>alert("x")</script> <b>bold</b>'}
    )

    html = Client().get(PAGE).content.decode()

    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &lt;b&gt;bold&lt;/b&gt;" in html
    assert "&lt;i&gt;Hi&lt;/i&gt;" in html
    assert '<script>alert("x")' not in html
    assert "<b>bold</b>" not in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"rating": "4", "body": "x" * 2001}, "Ensure this value has at most 2000 characters (it has 2001)."),
        (
            {"rating": "4", "title": "t" * 121, "body": "Fine."},
            "Ensure this value has at most 120 characters (it has 121).",
        ),
        ({"body": "Fine."}, "Choose a rating from 1 to 5 stars."),
        ({"rating": "9", "body": "Fine."}, "Choose a rating from 1 to 5 stars."),
        ({"rating": "4", "body": ""}, "Write a few words about the product."),
    ],
)
def test_bad_input_shows_the_form_again_with_the_field_error(data, message):
    variant = shirt()
    answer = client_of(buyer_of(variant), htmx=True).post(post_url(variant), data)

    assert answer.status_code == 422
    html = answer.content.decode()
    assert 'id="review-form"' in html
    assert 'class="field__error"' in html
    assert message in html
    assert Review.objects.count() == 0


def test_reviews_are_paged_newest_first_with_more_reviews_after_a_cursor():
    variant = shirt()
    reviews = [reviewed(variant, 4, body=f"Review number {n}.") for n in range(7)]

    page = Client().get(PAGE).content.decode()
    shown = [n for n in range(7) if f"Review number {n}." in page]
    assert shown == [2, 3, 4, 5, 6]
    assert page.index("Review number 6.") < page.index("Review number 2.")
    more_url = f"{reverse('reviews:list', args=[variant.product_id])}?after={reviews[2].pk}"
    assert f'hx-get="{more_url}"' in page

    reviewed(variant, 5, body="Arrived meanwhile.")  # a cursor is not shifted by what arrives later
    more = Client(headers={"HX-Request": "true"}).get(more_url).content.decode()
    assert [n for n in range(7) if f"Review number {n}." in more] == [0, 1]
    assert "Arrived meanwhile." not in more
    assert 'id="reviews-more" class="reviews__more" hx-swap-oob="true"' in more
    assert "More reviews" not in more

    whole = Client().get(more_url).content.decode()  # without htmx: a page of its own
    assert '<ol id="review-list"' in whole
    assert "Review number 1." in whole


def test_a_hidden_review_is_not_shown():
    variant = shirt()
    review = reviewed(variant, 1, body="Rude words here.")
    reviewed(variant, 5, body="Kind words.")
    services.review_hide(review_pk=review.pk, actor=staff("support"))

    page = Client().get(PAGE).content.decode()

    assert "Rude words here." not in page
    assert "Kind words." in page
    assert "5.0 out of 5, 1 review<" in page


def test_cards_show_the_average_and_count():
    variant = shirt()
    for rating in (5, 4):
        reviewed(variant, rating)

    html = Client().get("/").content.decode()

    assert 'aria-label="Rated 4.5 out of 5"' in html
    assert "(2 reviews)" in html


def test_without_javascript_a_post_lands_back_on_the_product_or_on_the_form_with_its_errors():
    variant = shirt()
    client = client_of(buyer_of(variant))

    refused = client.post(post_url(variant), {"rating": "4", "body": ""})
    assert refused.status_code == 422
    assert "<title>Review Harbour Tee" in refused.content.decode()
    assert "Write a few words about the product." in refused.content.decode()

    posted = client.post(post_url(variant), {"rating": "4", "body": "Fine."})
    assert posted.status_code == 302
    assert posted["Location"] == "/products/harbour-tee/#reviews"


def test_the_section_is_cheap_a_guests_repeat_visit_reads_the_reviews_from_the_cache():
    variant = shirt()
    for rating in (5, 4, 3, 5, 4, 2, 1):
        reviewed(variant, rating)
    guest = Client()
    guest.get(PAGE)  # renders and keeps the shared parts

    with CaptureQueriesContext(connection) as again:
        html = guest.get(PAGE).content.decode()

    assert "3.4 out of 5, 7 reviews" in html
    assert not [q["sql"] for q in again.captured_queries if "reviews_review" in q["sql"]]
