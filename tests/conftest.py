import pytest
from django.test import Client

from tests.factories import UserFactory, VariantFactory


@pytest.fixture
def htmx_client(client: Client) -> Client:
    """A test client whose requests look like htmx's (HX-Request header)."""
    client.defaults["HTTP_HX_REQUEST"] = "true"
    return client


@pytest.fixture
def shopper(db):  # type: ignore[no-untyped-def]
    return UserFactory(email="shopper@example.com", password="shopper-pass-123")


@pytest.fixture
def variant(db):  # type: ignore[no-untyped-def]
    return VariantFactory(stock=5, price="12.50", name="M / Navy", product__name="Harbour Tee")
