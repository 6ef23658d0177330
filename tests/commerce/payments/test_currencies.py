"""A yen store and a dollar store, end to end at localstripe: what Stripe is asked for, what pages show,
and what a refund sends. Stripe counts yen whole (¥1,200 is 1200), dollars in cents ($12.00 is 1200)."""

from uuid import uuid4

import pytest
from django.test import Client
from django.urls import reverse

from commerce.orders.models import Order, OrderEvent
from commerce.payments import services
from commerce.payments.models import Payment, Refund
from tests.factories import OrderFactory, UserFactory
from tests.fake_stripe import pay_at_stripe, stripe_api

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stripe_settings")]
S = Order.Status

STORES = [
    pytest.param("USD", "12.00", "$12.00", id="dollars"),
    pytest.param("JPY", "1200", "¥1,200", id="yen"),
]


@pytest.fixture
def buyer(db):  # type: ignore[no-untyped-def]
    return UserFactory(email="kei@example.com", password="kei-pass-123")


def signed_in(user) -> Client:  # type: ignore[no-untyped-def]
    browser = Client()
    browser.force_login(user)
    return browser


@pytest.mark.parametrize(("currency", "price", "shown"), STORES)
def test_stripe_is_asked_for_the_amount_in_its_own_unit_and_pages_show_the_currency(
    settings, buyer, currency, price, shown
):
    settings.STORE_CURRENCY = currency
    order = OrderFactory(variant__price=price, user=buyer)
    assert (order.currency, order.total_minor) == (currency, 1200)

    page = signed_in(buyer).get(reverse("payments:pay", args=[order.number]))

    payment = Payment.objects.get(order=order)
    intent = stripe_api().v1.payment_intents.retrieve(payment.intent_id)
    assert (intent.amount, intent.currency) == (1200, currency.lower())
    assert (payment.amount_minor, payment.currency) == (1200, currency)
    html = page.content.decode()
    assert f'<span id="pay-total" data-amount="total">{shown}</span>' in html
    assert f'<span class="pay-button__label">Pay {shown}</span>' in html

    pay_at_stripe(payment)
    services.payment_sync(order=order)  # the amount Stripe took is the order's total: paid, no mismatch noted
    assert Order.objects.get(pk=order.pk).status == S.PAID
    assert not OrderEvent.objects.filter(order=order, kind="note").exists()
    detail = signed_in(buyer).get(order.get_absolute_url()).content.decode()
    assert f'<span>Total</span> <span data-amount="total">{shown}</span>' in detail


@pytest.fixture
def ops_client(db) -> Client:  # type: ignore[no-untyped-def]
    from django.contrib.auth.models import Group

    staff = UserFactory(email="oli@example.com", is_staff=True)
    staff.groups.add(Group.objects.get_or_create(name="ops")[0])
    return signed_in(staff)


def refund(ops_client: Client, order: Order, amount: str):  # type: ignore[no-untyped-def]
    """Refund from the ops order page, each time with a new form (its own one-time key)."""
    data = {"action": "refund", "seen": order.status, "amount": amount, "confirm": "yes", "key": uuid4().hex}
    return ops_client.post(
        reverse("ops:action", args=[order.number]), data, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="ops-actions"
    )


def stripe_refunds(order: Order) -> list[int]:
    ids = Refund.objects.filter(payment__order=order).order_by("pk").values_list("stripe_refund_id", flat=True)
    return [stripe_api().v1.refunds.retrieve(refund_id).amount for refund_id in ids]


def test_a_yen_refund_sends_stripe_whole_yen(settings, buyer, ops_client):
    settings.STORE_CURRENCY = "JPY"
    order = OrderFactory(paid=True, at_stripe=True, variant__price="1200", user=buyer)

    part = refund(ops_client, order, "500")
    rest = refund(ops_client, order, "")

    assert f"Refunded 500 JPY for order {order.number}." in part.content.decode()
    assert f"Refunded 700 JPY for order {order.number}." in rest.content.decode()
    assert stripe_refunds(order) == [500, 700]
    assert list(Refund.objects.order_by("pk").values_list("amount_minor", "status")) == [
        (500, Refund.Status.SUCCEEDED),
        (700, Refund.Status.SUCCEEDED),
    ]
    order.refresh_from_db()
    assert order.status == S.REFUNDED
    timeline = OrderEvent.objects.filter(order=order, kind__in=["refund_partial", "refunded"]).order_by("pk")
    assert list(timeline.values_list("kind", "note")) == [
        ("refund_partial", "Refunded ¥500."),
        ("refund_partial", "Refunded ¥700."),
        ("refunded", "Refunded ¥1,200."),
    ]
    file = ops_client.get(reverse("ops:order", args=[order.number])).content.decode()
    assert "<td>¥1,200</td>" in file  # the payment
    assert "<td>−¥500</td>" in file  # its refunds
    assert "<td>−¥700</td>" in file


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("12.5", "The amount is in whole Japanese yen: no decimals."),
        ("1201", "The refund must be more than 0 and at most 1200 (what is left to refund)."),
    ],
)
def test_a_yen_refund_with_a_fraction_or_too_much_is_refused_and_sends_nothing(
    settings, buyer, ops_client, typed, message
):
    settings.STORE_CURRENCY = "JPY"
    order = OrderFactory(paid=True, at_stripe=True, variant__price="1200", user=buyer)

    response = refund(ops_client, order, typed)

    assert response.status_code == 422
    assert f'<p class="alert alert--error" role="alert">{message}</p>' in response.content.decode()
    assert not Refund.objects.exists()
    assert Order.objects.get(pk=order.pk).status == S.PAID


def test_a_dollar_refund_still_sends_cents(settings, buyer, ops_client):
    settings.STORE_CURRENCY = "USD"
    order = OrderFactory(paid=True, at_stripe=True, variant__price="12.00", user=buyer)

    response = refund(ops_client, order, "2.50")

    assert f"Refunded 2.50 USD for order {order.number}." in response.content.decode()
    assert stripe_refunds(order) == [250]
    assert OrderEvent.objects.get(order=order, kind="refund_partial").note == "Refunded $2.50."


def test_an_intent_made_at_stripe_in_yen_reads_back_as_yen(settings, buyer):
    settings.STORE_CURRENCY = "JPY"
    order = OrderFactory(variant__price="1200", user=buyer)
    payment = services.payment_start(order=order)

    again = services.payment_start(order=order)  # reads the intent back from Stripe

    assert again.pk == payment.pk
    assert Payment.objects.get(pk=payment.pk).amount_minor == 1200
