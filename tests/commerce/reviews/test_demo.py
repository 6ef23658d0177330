import pytest

from commerce.reviews.demo import reviews_demo
from commerce.reviews.models import Review
from tests.commerce.reviews.helpers import buyer_of, shirt
from tests.factories import VariantFactory

pytestmark = pytest.mark.django_db


def test_demo_reviews_come_from_delivered_orders_once():
    variant, other = shirt(), VariantFactory()
    first, second = buyer_of(variant), buyer_of(variant)
    buyer_of(other, status="paid")  # not delivered: no review

    assert reviews_demo() == 2
    assert reviews_demo() == 0  # safe to run again

    assert set(Review.objects.values_list("user", "product", "status")) == {
        (first.pk, variant.product_id, "published"),
        (second.pk, variant.product_id, "published"),
    }
    assert all(1 <= rating <= 5 and body for rating, body in Review.objects.values_list("rating", "body"))
    assert variant.product.__class__.objects.get(pk=variant.product_id).rating_count == 2
