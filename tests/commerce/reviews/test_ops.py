"""Staff moderation at /ops/reviews/: who gets in, the list, publish, hide, reply."""

import pytest
from django.test import Client
from django.urls import reverse

from commerce.catalog.models import Product
from commerce.reviews.models import Review
from tests.commerce.reviews.helpers import client_of, reviewed, shirt, staff
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
LIST = "/ops/reviews/"


def act(client: Client, review: Review, action: str, **data: str):  # type: ignore[no-untyped-def]
    return client.post(reverse("reviews:act", args=[review.pk, action]), data, HTTP_HX_REQUEST="true")


def test_shoppers_cannot_open_the_list_or_act_and_guests_are_sent_to_sign_in():
    review = reviewed(shirt(), 4)
    shopper = client_of(UserFactory())
    plain_staff = client_of(UserFactory(is_staff=True))  # staff without a role

    assert shopper.get(LIST).status_code == 403
    assert plain_staff.get(LIST).status_code == 403
    assert act(shopper, review, "hide").status_code == 403
    assert act(shopper, review, "reply", reply="Mine now").status_code == 403
    guest = Client().get(LIST)
    assert guest.status_code == 302
    assert guest["Location"].startswith("/accounts/login/")
    review.refresh_from_db()
    assert (review.status, review.reply) == ("published", "")


@pytest.mark.parametrize("role", ["support", "ops"])
def test_support_and_ops_staff_see_the_reviews_newest_first_filtered_by_status(role):
    variant = shirt()
    old, new = reviewed(variant, 2, body="Older words."), reviewed(variant, 5, body="Newer words.")
    client = client_of(staff(role))
    act(client, old, "hide")

    html = client.get(LIST).content.decode()
    assert html.index("Newer words.") < html.index("Older words.")
    hidden = client.get(LIST, {"status": "hidden"}).content.decode()
    assert "Older words." in hidden
    assert "Newer words." not in hidden
    assert f'data-review="{new.pk}"' not in hidden


def test_hiding_and_publishing_again_moves_the_product_figures():
    variant = shirt()
    low, _ = reviewed(variant, 1), reviewed(variant, 5)
    client = client_of(staff("support"))

    hidden = act(client, low, "hide")
    assert hidden.status_code == 200
    assert 'data-status="hidden"' in hidden.content.decode()
    product = Product.objects.get(pk=variant.product_id)
    assert (str(product.rating_average), product.rating_count) == ("5.00", 1)

    published = act(client, low, "publish")
    assert 'data-status="published"' in published.content.decode()
    assert "Published." in published.content.decode()
    product.refresh_from_db()
    assert (str(product.rating_average), product.rating_count) == ("3.00", 2)


def test_a_reply_shows_under_the_review_on_the_product_page():
    variant = shirt()
    review = reviewed(variant, 3)
    client = client_of(staff("ops"))

    answer = act(client, review, "reply", reply="Thanks, we will <b>look</b> into it.")

    assert answer.status_code == 200
    assert "Reply saved." in answer.content.decode()
    page = Client().get("/products/harbour-tee/").content.decode()
    assert "Reply from the store" in page
    assert "Thanks, we will &lt;b&gt;look&lt;/b&gt; into it." in page


def test_an_over_long_reply_is_refused_with_its_message():
    review = reviewed(shirt(), 3)

    answer = act(client_of(staff("ops")), review, "reply", reply="x" * 2001)

    assert answer.status_code == 422
    assert "Keep the reply to 2000 characters." in answer.content.decode()
    review.refresh_from_db()
    assert review.reply == ""


def test_the_dashboard_links_to_the_reviews():
    html = client_of(staff("ops")).get("/ops/").content.decode()

    assert f'href="{LIST}"' in html


def test_support_staff_get_no_link_to_the_dashboard_they_cannot_open():
    support = client_of(staff("support")).get(LIST).content.decode()
    ops = client_of(staff("ops")).get(LIST).content.decode()

    assert 'href="/ops/"' not in support
    assert 'href="/ops/"' in ops
