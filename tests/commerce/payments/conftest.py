import pytest

from commerce.payments.models import Payment
from tests.fault_proxy import FaultProxy


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
