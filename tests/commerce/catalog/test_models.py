"""What a variant refuses to hold: a "price before the sale" that is not above its price."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tests.factories import VariantFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("compare_at", ["12.00", "11.99"])
def test_a_compare_at_price_not_above_the_price_is_refused(compare_at):
    variant = VariantFactory(price="12.00")
    variant.compare_at_price = Decimal(compare_at)

    with pytest.raises(ValidationError, match="price before the sale must be above the price"):
        variant.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        variant.save()


def test_a_variant_on_sale_or_not_is_kept():
    on_sale = VariantFactory(price="12.00", compare_at_price=Decimal("15.00"), weight=250)
    full_price = VariantFactory(price="12.00")

    on_sale.full_clean()
    full_price.full_clean()
    assert full_price.compare_at_price is None
    assert full_price.weight == 0
