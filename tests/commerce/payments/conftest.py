import pytest

from commerce.orders.models import Order
from commerce.orders.services import checkout_start
from commerce.payments.models import Payment
from tests.factories import ADDRESS, CartFactory, CartLineFactory, UserFactory, VariantFactory
from tests.fault_proxy import FaultProxy


@pytest.fixture
def buyer(db):  # type: ignore[no-untyped-def]
    return UserFactory(email="buyer@example.com", password="buyer-pass-123")


@pytest.fixture
def tee(db):  # type: ignore[no-untyped-def]
    return VariantFactory(product__name="Tee", name="M", sku="TEE-M", price="24.00", stock=5)


@pytest.fixture
def order(buyer, tee) -> Order:  # type: ignore[no-untyped-def]
    """An order awaiting payment: 2 × Tee at 24.00 (48.00 USD, 4800 cents); stock 5 -> 3 held."""
    cart = CartFactory(user=buyer)
    CartLineFactory(cart=cart, variant=tee, quantity=2)
    return checkout_start(cart=cart, user=buyer, email=buyer.email, address=ADDRESS)


@pytest.fixture
def payment(order) -> Payment:  # type: ignore[no-untyped-def]
    """A Payment row for the order, as payment_start leaves it (no Stripe call needed)."""
    return Payment.objects.create(
        order=order,
        intent_id="pi_test_1",
        client_secret="pi_test_1_secret_x",
        amount_minor=order.total_minor,
        currency="USD",
    )


@pytest.fixture
def proxy(settings, localstripe_url):  # type: ignore[no-untyped-def]
    """Every Stripe call of the test goes through the proxy (the SDK retries nothing by itself)."""
    with FaultProxy(localstripe_url) as running:
        settings.STRIPE_API_BASE = running.url
        yield running


@pytest.fixture
def worker_retries():  # type: ignore[no-untyped-def]
    """Eager tasks retry as on a worker (a retry runs at once instead of after its countdown),
    rather than raising celery's Retry to the caller."""
    from project.celery import app

    previous = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = previous
