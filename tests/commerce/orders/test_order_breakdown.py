"""A placed order's breakdown: what it stores, how it is read back (totals.order_breakdown), and every
page, email and Stripe amount showing the same figures, each marked `data-amount`."""

import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from commerce.notifications.models import Event, Notification
from commerce.orders.models import Order, OrderTaxLine
from commerce.orders.notifications import order_notify
from commerce.orders.totals import Breakdown, order_breakdown
from commerce.payments import services as payments
from commerce.payments.models import Payment
from commerce.tax.calculation import TaxableLine, TaxLine
from commerce.tax.models import TaxRate
from commerce.tax.providers import taxes_for
from tests.commerce.tax.factories import TaxRateFactory
from tests.factories import ADDRESS, OrderFactory, UserFactory, VariantFactory
from tests.fake_stripe import stripe_api

pytestmark = pytest.mark.django_db
D = Decimal

# 2 × 20.00, WELCOME10 takes 4.00, Standard shipping 5.00, 8% tax on the 36.00 left (shipping untaxed).
FIGURES = {"subtotal": "$40.00", "discount": "−$4.00", "shipping": "$5.00", "tax": "$2.88", "total": "$43.88"}
PLAIN = {"subtotal": "$20.00", "shipping": "Free", "total": "$20.00"}
MARKED = re.compile(r'data-amount="(\w+)"[^>]*>([^<]*)<')


def figures(html: str) -> dict[str, str]:
    """Each figure marked on the page, by its mark."""
    return dict(MARKED.findall(html))


def signed_in(user) -> Client:  # type: ignore[no-untyped-def]
    browser = Client()
    browser.force_login(user)
    return browser


@pytest.fixture
def buyer(db):  # type: ignore[no-untyped-def]
    return UserFactory(email="kei@example.com")


@pytest.fixture
def ops_client(db) -> Client:  # type: ignore[no-untyped-def]
    staff = UserFactory(email="oli@example.com", is_staff=True)
    staff.groups.add(Group.objects.get_or_create(name="ops")[0])
    return signed_in(staff)


def stored_breakdown(order: Order, *, tax_lines: tuple[TaxLine, ...], **fields: object) -> Order:
    """Write a breakdown on a placed order, as checkout will: the figures in one update (the total's
    check holds on every row) and the tax lines as they are."""
    Order.objects.filter(pk=order.pk).update(**fields)
    OrderTaxLine.objects.bulk_create(OrderTaxLine.from_tax_line(order, line) for line in tax_lines)
    return Order.objects.get(pk=order.pk)


@pytest.fixture
def order(buyer) -> Order:
    """A placed order with a code, a shipping method and the tax its address pays at today's 8%."""
    placed = OrderFactory(user=buyer, variant__price="20.00", quantity=2)  # placed before the rate: no tax
    TaxRateFactory(country="US", name="Sales tax", rate=D("8"))
    taxed = taxes_for(lines=[TaxableLine("1", D("36.00"))], shipping=D("5.00"), country="US", region="ME")
    assert taxed.tax_lines == (TaxLine("Sales tax", D("8"), D("36.00"), D("2.88")),)
    return stored_breakdown(
        placed,
        tax_lines=taxed.tax_lines,
        discount_total=D("4.00"),
        discount_code="WELCOME10",
        discount_label="WELCOME10 (10% off)",
        shipping_method_name="Standard",
        shipping_total=D("5.00"),
        tax_total=D("2.88"),
        total=D("43.88"),
    )


def test_the_breakdown_is_read_from_what_the_order_stored(order):
    assert order_breakdown(order) == Breakdown(
        subtotal=D("40.00"),
        discount=D("4.00"),
        shipping=D("5.00"),
        tax=D("2.88"),
        total=D("43.88"),
        prices_include_tax=False,
        tax_lines=(TaxLine("Sales tax", D("8.0000"), D("36.00"), D("2.88")),),
        discount_code="WELCOME10",
        discount_label="WELCOME10 (10% off)",
        shipping_name="Standard",
    )


def test_a_rate_changed_after_placing_alters_neither_the_breakdown_nor_the_page(buyer, order):
    before = order_breakdown(order)
    page_before = signed_in(buyer).get(order.get_absolute_url()).content.decode()

    TaxRate.objects.update(rate=D("10"), name="New sales tax")

    assert order_breakdown(Order.objects.get(pk=order.pk)) == before
    page = signed_in(buyer).get(order.get_absolute_url()).content.decode()
    assert figures(page) == figures(page_before) == FIGURES
    assert "<small>Sales tax (8%)</small>" in page
    assert "New sales tax" not in page


def test_the_order_pay_and_ops_pages_show_the_same_marked_figures(stripe_settings, buyer, ops_client, order):
    detail = signed_in(buyer).get(order.get_absolute_url()).content.decode()
    pay = signed_in(buyer).get(reverse("payments:pay", args=[order.number])).content.decode()
    ops = ops_client.get(reverse("ops:order", args=[order.number])).content.decode()

    assert figures(detail) == figures(pay) == figures(ops) == FIGURES
    assert '<span id="pay-total" data-amount="total">$43.88</span>' in pay
    assert '<span class="pay-button__label">Pay $43.88</span>' in pay
    for page in (detail, pay, ops):
        assert "<span>Discount <small>WELCOME10 (10% off)</small></span>" in page
        assert "<span>Shipping <small>Standard</small></span>" in page


def test_the_order_emails_show_the_same_figures(order):
    (email,) = order_notify(order=order, event=Event.ORDER_PAID)

    assert figures(email.body_html) == FIGURES
    assert (
        "Subtotal: $40.00\n"
        "Discount · WELCOME10 (10% off): −$4.00\n"
        "Shipping · Standard: $5.00\n"
        "Tax · Sales tax (8%): $2.88\n"
        "Total: $43.88\n"
    ) in email.body_text


def test_stripe_is_asked_for_the_stored_total_with_shipping_tax_and_discount(stripe_settings, order):
    payment = payments.payment_start(order=order)

    intent = stripe_api().v1.payment_intents.retrieve(payment.intent_id)
    assert (intent.amount, intent.currency) == (4388, "usd")
    assert Payment.objects.get(pk=payment.pk).amount_minor == order.total_minor == 4388


def test_a_plain_order_shows_no_discount_or_tax_and_its_total_as_before(stripe_settings, buyer, ops_client):
    order = OrderFactory(user=buyer, variant__price="20.00")
    assert (order.subtotal, order.total) == (D("20.00"), D("20.00"))

    detail = signed_in(buyer).get(order.get_absolute_url()).content.decode()
    pay = signed_in(buyer).get(reverse("payments:pay", args=[order.number])).content.decode()
    ops = ops_client.get(reverse("ops:order", args=[order.number])).content.decode()
    (email,) = order_notify(order=order, event=Event.ORDER_PAID)

    assert figures(detail) == figures(pay) == figures(ops) == figures(email.body_html) == PLAIN
    assert "Discount" not in detail + pay + ops + email.body_html + email.body_text
    assert "Subtotal: $20.00\nShipping: Free\nTotal: $20.00\n" in email.body_text
    assert Notification.objects.count() == 1


def test_review_shows_what_checkout_charges_marked_the_same_way(client):
    variant = VariantFactory(price="24.00", stock=5)
    client.post(reverse("cart:add"), {"variant": variant.pk, "quantity": 2})
    client.post(reverse("orders:checkout"), {"email": "guest@example.com", **ADDRESS})

    review = client.get(reverse("orders:review")).content.decode()

    assert figures(review) == {"subtotal": "$48.00", "shipping": "Free", "total": "$48.00"}
    assert '<span id="checkout-total" data-amount="total">$48.00</span>' in review
    assert "Pay $48.00" in review


def test_with_prices_including_tax_the_total_leaves_the_tax_out_and_pages_say_included(buyer):
    placed = OrderFactory(user=buyer, variant__price="21.60")
    order = stored_breakdown(
        placed,
        tax_lines=(TaxLine("Sales tax", D("8"), D("20.00"), D("1.60")),),
        tax_total=D("1.60"),
        prices_include_tax=True,
    )

    page = signed_in(buyer).get(order.get_absolute_url()).content.decode()

    assert figures(page) == {"subtotal": "$21.60", "shipping": "Free", "tax": "$1.60", "total": "$21.60"}
    assert "<span>Includes tax <small>Sales tax (8%)</small></span>" in page


@pytest.mark.parametrize(
    ("fields", "constraint"),
    [
        pytest.param({"total": D("20.01")}, "order_total_adds_up", id="total-not-the-sum"),
        pytest.param({"tax_total": D("1.00")}, "order_total_adds_up", id="tax-on-top-left-out"),
        pytest.param(
            {"discount_total": D("21.00"), "shipping_total": D("5.00"), "total": D("4.00")},
            "order_breakdown_amounts_valid",
            id="discount-above-subtotal",
        ),
        pytest.param(
            {"shipping_total": D("-5.00"), "total": D("15.00")}, "order_breakdown_amounts_valid", id="negative-shipping"
        ),
    ],
)
def test_the_database_refuses_a_breakdown_that_does_not_add_up(buyer, fields, constraint):
    order = OrderFactory(user=buyer, variant__price="20.00")

    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        Order.objects.filter(pk=order.pk).update(**fields)


def test_the_database_refuses_a_negative_tax_line(buyer):
    order = OrderFactory(user=buyer)

    with pytest.raises(IntegrityError, match="ordertaxline_amounts_non_negative"), transaction.atomic():
        OrderTaxLine.from_tax_line(order, TaxLine("Sales tax", D("8"), D("10.00"), D("-0.80"))).save()
