"""Reviews in the admin: read, hidden or published again through the services; never edited."""

from decimal import Decimal

import pytest
from django.urls import reverse

from commerce.catalog.models import Product
from commerce.reviews.models import Review
from tests.commerce.reviews.helpers import client_of, reviewed, shirt
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:reviews_review_changelist")


def test_an_admin_hides_and_publishes_from_the_list_and_the_figures_follow():
    variant = shirt()
    low, _ = reviewed(variant, 1, body="Awful."), reviewed(variant, 5, body="Great.")
    client = client_of(UserFactory(is_staff=True, is_superuser=True))

    listing = client.get(CHANGELIST, {"status__exact": "published"})
    assert listing.status_code == 200
    assert "Awful." not in listing.content.decode()  # the list shows titles, not bodies
    client.post(CHANGELIST, {"action": "hide_selected", "_selected_action": [low.pk]}, follow=True)

    low.refresh_from_db()
    assert low.status == Review.Status.HIDDEN
    assert Product.objects.get(pk=variant.product_id).rating_average == Decimal("5.00")

    client.post(CHANGELIST, {"action": "publish_selected", "_selected_action": [low.pk]}, follow=True)
    assert Product.objects.get(pk=variant.product_id).rating_average == Decimal("3.00")


def test_staff_without_a_role_see_nothing_and_nobody_edits_a_customers_words():
    review = reviewed(shirt(), 4, body="Mine.")

    assert client_of(UserFactory(is_staff=True)).get(CHANGELIST).status_code == 403
    change = reverse("admin:reviews_review_change", args=[review.pk])
    client = client_of(UserFactory(is_staff=True, is_superuser=True))
    client.post(change, {"body": "Changed by staff.", "rating": "1"})
    review.refresh_from_db()
    assert (review.body, review.rating) == ("Mine.", 4)
