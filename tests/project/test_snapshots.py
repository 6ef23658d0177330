"""The shop's terms kept per process (project/snapshots.py): read once, read again when staff change
them (here or in another process), never kept from inside a transaction, and never an error when the
cache is down. Transactional tests: what a snapshot keeps depends on commits."""

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from commerce.shipping.models import ShippingMethod
from commerce.shipping.selectors import ZONES, methods_for
from commerce.tax.selectors import RATES, rate_for
from tests.commerce.shipping.factories import ShippingMethodFactory
from tests.commerce.tax.factories import TaxRateFactory

pytestmark = pytest.mark.django_db(transaction=True)


def quoted(country: str = "US") -> list[tuple[str, Decimal]]:
    return [(q.name, q.price) for q in methods_for(country=country, subtotal=Decimal("10.00"), weight=0)]


def queries_of(read) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as queries:
        read()
    return len(queries)


def test_the_terms_are_read_once_then_kept(settings):
    settings.SNAPSHOT_CHECK_SECONDS = 60
    ShippingMethodFactory(name="Standard", price="5.00")
    TaxRateFactory(country="US", rate="8")

    assert queries_of(quoted) == 3  # zones, their methods, the methods' brackets
    assert queries_of(lambda: rate_for(country="US")) == 1
    assert queries_of(quoted) == queries_of(lambda: rate_for(country="US")) == 0
    assert quoted() == [("Standard", Decimal("5.00"))]


def test_a_change_saved_here_is_seen_at_once():
    method = ShippingMethodFactory(name="Standard", price="5.00")
    assert quoted() == [("Standard", Decimal("5.00"))]

    method.price = Decimal("6.00")
    method.save()

    assert quoted() == [("Standard", Decimal("6.00"))]


def test_a_change_made_by_another_process_is_seen_once_its_token_moves(settings):
    """Another process's save moves the token in the shared cache; this process's copy then goes."""
    settings.SNAPSHOT_CHECK_SECONDS = 0
    method = ShippingMethodFactory(name="Standard", price="5.00")
    assert quoted() == [("Standard", Decimal("5.00"))]
    ShippingMethod.objects.filter(pk=method.pk).update(price="7.00")  # no signal: as if elsewhere, token kept

    assert quoted() == [("Standard", Decimal("5.00"))]  # kept: nothing said it changed
    cache.set(ZONES.key, "another process's token")

    assert quoted() == [("Standard", Decimal("7.00"))]


def test_what_a_transaction_reads_is_not_kept():
    ShippingMethodFactory(name="Standard", price="5.00")
    with transaction.atomic():
        ShippingMethod.objects.update(price="9.00")
        assert quoted() == [("Standard", Decimal("9.00"))]  # its own write, read inside it
        transaction.set_rollback(True)

    assert quoted() == [("Standard", Decimal("5.00"))]


def test_with_the_cache_down_every_read_asks_the_database(monkeypatch):
    TaxRateFactory(country="US", rate="8")

    def down(*args: object, **kwargs: object) -> None:
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(cache, "get", down)
    assert rate_for(country="US").rate == Decimal("8")  # type: ignore[union-attr]
    assert queries_of(lambda: rate_for(country="US")) == 1
    assert RATES.key == "snapshot:tax-rates"
