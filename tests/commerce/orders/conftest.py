import pytest

from tests.factories import CartFactory, CartLineFactory, UserFactory, VariantFactory


@pytest.fixture
def buyer(db):  # type: ignore[no-untyped-def]
    return UserFactory(email="buyer@example.com")


@pytest.fixture
def filled_cart(db, buyer):  # type: ignore[no-untyped-def]
    """A user's cart: 2 × Tee at 24.00 (stock 5) and 1 × Mug at 14.00 (stock 3)."""
    cart = CartFactory(user=buyer)
    tee = VariantFactory(product__name="Tee", name="M", sku="TEE-M", price="24.00", stock=5)
    mug = VariantFactory(product__name="Mug", name="11 oz", sku="MUG-11", price="14.00", stock=3)
    CartLineFactory(cart=cart, variant=tee, quantity=2)
    CartLineFactory(cart=cart, variant=mug, quantity=1)
    return cart


@pytest.fixture(params=["database", "python"])
def checkout_path(request, settings) -> str:  # type: ignore[no-untyped-def]
    """Run a test with both ways of placing an order: the database function (PostgreSQL's
    default) and the Python path (SQLite, and a cart with an earlier unpaid order)."""
    settings.CHECKOUT_IN_DATABASE = request.param == "database"
    return str(request.param)
