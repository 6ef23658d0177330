"""Refunds from the ops order page, through the payments service against localstripe: confirmation,
sent once per form, bad amounts, and what the customer is told."""

from uuid import uuid4

import pytest
from django.test import Client
from django.urls import reverse

from commerce.catalog.models import Variant
from commerce.orders.models import Order, OrderEvent
from tests.commerce.ops.helpers import act, events
from tests.factories import OrderFactory, UserFactory, VariantFactory

pytestmark = pytest.mark.django_db
S = Order.Status


@pytest.fixture
def paid_at_stripe(stripe_settings):  # type: ignore[no-untyped-def]
    """An order paid through localstripe: 2 × 24.00, stock 5 -> 3."""
    variant = VariantFactory(stock=5, price="24.00")
    return OrderFactory(paid=True, at_stripe=True, variant=variant, quantity=2), variant


def test_a_full_refund_needs_confirmation_and_is_sent_once(ops_client, paid_at_stripe, ops_user):
    from commerce.payments.models import Refund

    order, variant = paid_at_stripe
    page = ops_client.get(reverse("ops:order", args=[order.number])).content.decode()
    assert "Refund…" in page
    form = {"action": "refund", "seen": "paid", "key": uuid4().hex}  # keys live in the shared cache

    assert act(ops_client, order, row=False, **form).status_code == 422
    assert not Refund.objects.exists()

    first = act(ops_client, order, row=False, **form, confirm="yes")
    second = act(ops_client, order, row=False, **form, confirm="yes")

    assert first.status_code == 200
    assert f"Refunded 48.00 USD for order {order.number}." in first.content.decode()
    assert second.status_code == 200
    assert "already refunded: nothing changed" in second.content.decode()
    refund = Refund.objects.get()
    assert (refund.amount_minor, refund.status, refund.created_by) == (4800, "succeeded", ops_user)
    order.refresh_from_db()
    assert order.status == S.REFUNDED
    assert Variant.objects.get(pk=variant.pk).stock == 5


def test_a_partial_refund_sent_twice_from_one_form_is_sent_once(ops_client, paid_at_stripe):
    from commerce.payments.models import Refund

    order, _variant = paid_at_stripe
    form = {
        "action": "refund",
        "seen": "paid",
        "amount": "10.00",
        "reason": "Scuffed",
        "confirm": "yes",
        "key": uuid4().hex,
    }

    first = act(ops_client, order, row=False, **form)
    second = act(ops_client, order, row=False, **form)

    assert f"Refunded 10.00 USD for order {order.number}." in first.content.decode()
    assert "This refund was already sent: nothing more was refunded." in second.content.decode()
    assert list(Refund.objects.values_list("amount_minor", "reason")) == [(1000, "Scuffed")]
    assert Order.objects.get(pk=order.pk).status == S.PAID
    # A new form (another key) may refund more, up to what is left.
    too_much = act(ops_client, order, row=False, **{**form, "key": uuid4().hex, "amount": "38.01"})
    assert too_much.status_code == 422
    assert "at most 38.00" in too_much.content.decode()
    rest = act(ops_client, order, row=False, **{**form, "key": uuid4().hex, "amount": ""})
    assert "Refunded 38.00 USD" in rest.content.decode()
    assert Order.objects.get(pk=order.pk).status == S.REFUNDED


NOT_AN_AMOUNT = "is not an amount. Enter one such as 12.50, or leave it empty to refund all."
BAD_AMOUNTS = [
    ("NaN", f"“NaN” {NOT_AN_AMOUNT}"),
    ("Infinity", f"“Infinity” {NOT_AN_AMOUNT}"),
    ("-Infinity", f"“-Infinity” {NOT_AN_AMOUNT}"),
    ("1e30", f"“1e30” {NOT_AN_AMOUNT}"),
    ("abc", f"“abc” {NOT_AN_AMOUNT}"),
    ("12,34.5.6", f"“1234.5.6” {NOT_AN_AMOUNT}"),
    ("-5", "The amount must be more than 0."),
    ("-1", "The amount must be more than 0."),
    ("0", "The amount must be more than 0."),
    ("0.00", "The amount must be more than 0."),
    ("12.345", "The amount has at most two decimals (cents)."),
    ("1.001", "The amount has at most two decimals (cents)."),
]


@pytest.mark.parametrize(("amount", "message"), BAD_AMOUNTS)
def test_a_bad_refund_amount_gets_a_clear_422_and_changes_nothing(ops_client, amount, message):
    from commerce.payments.models import Refund

    order = OrderFactory(paid=True)

    response = act(ops_client, order, row=False, action="refund", seen="paid", amount=amount, confirm="yes", key="k1")

    assert response.status_code == 422
    assert f'<p class="alert alert--error" role="alert">{message}</p>' in response.content.decode()
    assert Order.objects.get(pk=order.pk).status == S.PAID
    assert not Refund.objects.exists()
    assert events(order, "refund_partial") == events(order, "refunded") == 0


def test_an_unpaid_order_cannot_be_refunded(ops_client):
    order = OrderFactory()

    response = act(ops_client, order, row=False, action="refund", seen="pending_payment", confirm="yes")

    assert response.status_code == 422
    assert "This order cannot be refunded: it is awaiting payment." in response.content.decode()


# --- Refund reasons: for staff, unless marked for the customer -------------------------------------

CRUSHED = "Box arrived crushed"


def refunded_by_ops(ops_client, *, amount: str, public: bool):  # type: ignore[no-untyped-def]
    """A shopper's order, paid through localstripe, refunded from the ops order page with a reason."""
    buyer = UserFactory(email="bea@example.com")
    order = OrderFactory(paid=True, at_stripe=True, user=buyer, variant__price="48.00")
    data = {"action": "refund", "seen": "paid", "amount": amount, "reason": CRUSHED, "confirm": "yes", "key": "k"}
    if public:
        data["reason_public"] = "yes"
    response = act(ops_client, order, row=False, **data)
    assert response.status_code == 200
    return order, buyer


@pytest.mark.usefixtures("stripe_settings")
@pytest.mark.parametrize(
    ("public", "customer_line", "staff_line"),
    [
        (False, "Refunded $10.00.", f"{CRUSHED} <small>(staff only)</small>"),
        (True, f"Refunded $10.00: {CRUSHED}", f"{CRUSHED} <small>(shown to the customer)</small>"),
    ],
)
def test_a_refund_reason_reaches_the_customer_only_when_marked(ops_client, public, customer_line, staff_line):
    order, buyer = refunded_by_ops(ops_client, amount="10.00", public=public)

    customer = Client()
    customer.force_login(buyer)
    page = customer.get(order.get_absolute_url()).content.decode()
    assert f'<span class="timeline__note">{customer_line}</span>' in page
    assert (CRUSHED in page) is public
    staff_page = ops_client.get(reverse("ops:order", args=[order.number])).content.decode()
    assert staff_line in staff_page


@pytest.mark.usefixtures("stripe_settings")
def test_the_refund_email_says_how_much_and_not_why(ops_client):
    from commerce.notifications.models import Notification

    order, _buyer = refunded_by_ops(ops_client, amount="", public=False)

    email = Notification.objects.get(event="order_refunded", channel="email")
    assert "\nRefunded $48.00.\n" in email.body_text
    assert '<td style="padding-bottom:12px;" data-note>Refunded $48.00.</td>' in email.body_html
    assert CRUSHED not in email.body_text + email.body_html
    assert Order.objects.get(pk=order.pk).status == S.REFUNDED
    assert OrderEvent.objects.get(order=order, kind="refunded").note == "Refunded $48.00."


@pytest.mark.usefixtures("stripe_settings")
def test_a_refund_stripe_could_not_take_is_saved_and_not_sent_twice(ops_client, settings):
    from commerce.payments.models import Refund
    from tests.fake_stripe import dead_base

    order = OrderFactory(paid=True, at_stripe=True, variant__price="48.00")
    settings.STRIPE_API_BASE = dead_base()
    data = {"action": "refund", "seen": "paid", "amount": "10.00", "confirm": "yes", "key": "k2"}

    first = act(ops_client, order, row=False, **data)
    second = act(ops_client, order, row=False, **data)  # a second click, Stripe still down

    assert first.status_code == second.status_code == 200
    assert (
        f"Stripe could not be reached: the refund of 10.00 USD for order {order.number} is saved and will be "
        "sent again automatically. Do not refund it again."
    ) in first.content.decode()
    assert "This refund was already sent: nothing more was refunded." in second.content.decode()
    assert list(Refund.objects.values_list("amount_minor", "status", "stripe_refund_id", "attempts")) == [
        (1000, "pending", None, 1)
    ]
