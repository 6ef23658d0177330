"""Ops pages and actions: who may see them, what each action does, and what it refuses."""

from uuid import uuid4

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from commerce.catalog.models import Variant
from commerce.ops import services
from commerce.ops.services import OpsError
from commerce.orders.models import Order, OrderEvent
from realtime.topics import SALT
from tests.commerce.ops.conftest import pay, place, signed_in
from tests.factories import UserFactory, VariantFactory

pytestmark = pytest.mark.django_db
S = Order.Status


def act(client: Client, order: Order, *, row: bool = True, **data: str):  # type: ignore[no-untyped-def]
    """POST an action as htmx does, from the order's feed row (or from the order page)."""
    if row:
        return client.post(reverse("ops:action", args=[order.number]), {**data, "from": "row"}, HTTP_HX_REQUEST="true")
    url = reverse("ops:action", args=[order.number])
    return client.post(url, data, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="ops-actions")


def events(order: Order, kind: str) -> int:
    return OrderEvent.objects.filter(order=order, kind=kind).count()


# --- Who may see ------------------------------------------------------------------------------


def ops_urls(order: Order) -> list[str]:
    return [
        reverse("ops:dashboard"),
        reverse("ops:live"),
        reverse("ops:order", args=[order.number]),
    ]


def test_anonymous_people_are_sent_to_sign_in():
    order = place()
    client = Client()

    for url in ops_urls(order):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")
    response = client.post(reverse("ops:action", args=[order.number]), {"action": "cancel", "confirm": "yes"})
    assert response.status_code == 302
    assert Order.objects.get(pk=order.pk).status == S.PENDING_PAYMENT


@pytest.mark.parametrize("who", ["customer", "staff", "support"])
def test_everyone_but_ops_staff_gets_403(who):
    order = pay(place())
    user = UserFactory(is_staff=who != "customer")
    if who == "support":
        user.groups.add(Group.objects.get_or_create(name="support")[0])
    client = signed_in(user)

    for url in ops_urls(order):
        assert client.get(url).status_code == 403
    response = client.post(reverse("ops:action", args=[order.number]), {"action": "packed", "seen": "paid"})
    assert response.status_code == 403
    assert Order.objects.get(pk=order.pk).status == S.PAID


def test_ops_staff_and_superusers_get_in_with_a_strict_csp(ops_client):
    order = place()
    admin = signed_in(UserFactory(is_staff=True, is_superuser=True))

    for client in (ops_client, admin):
        for url in ops_urls(order):
            response = client.get(url)
            assert response.status_code == 200
            assert "script-src 'self'" in response["Content-Security-Policy"]


def test_an_inactive_ops_account_is_refused(ops_user):
    ops_user.is_active = False
    ops_user.save()
    client = Client()
    client.force_login(ops_user)  # a session from before the account was switched off

    assert client.get(reverse("ops:dashboard")).status_code == 302  # signed out: inactive accounts cannot sign in


# --- Pages -------------------------------------------------------------------------------------


def test_dashboard_shows_figures_feed_and_follows_only_its_topic(ops_client, clock):
    from django.core import signing

    paid = pay(place(price="24.00"))
    waiting = place()

    response = ops_client.get(reverse("ops:dashboard"))

    html = response.content.decode()
    assert 'id="ops-kpis"' in html
    assert 'data-orders="1" data-revenue="24.00"' in html
    assert '<svg class="ops-chart__svg"' in html
    assert html.index(f'data-order="{waiting.number}"') < html.index(f'data-order="{paid.number}"')
    assert 'id="ops-orders" class="ops-feed" data-accepts="pending_payment paid packed' in html
    assert 'id="cart-count"' not in html  # no storefront cart menu
    assert 'id="support-toggle"' not in html  # nor the customer's help widget
    token = response.context["live_token"]
    assert signing.loads(str(token), salt=SALT)["t"] == ["ops.dashboard"]


def test_feed_filters_answer_with_the_feed_alone(ops_user):
    client = signed_in(ops_user, htmx=True)
    paid = pay(place())
    place()

    response = client.get(reverse("ops:dashboard"), {"status": "paid"}, HTTP_HX_TARGET="ops-feed")

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="ops-feed"')
    assert html.count("data-order=") == 1
    assert f'data-order="{paid.number}"' in html
    assert 'data-accepts="paid"' in html
    another_day = client.get(reverse("ops:dashboard"), {"date": "2020-01-01"}, HTTP_HX_TARGET="ops-feed")
    assert 'data-accepts=""' in another_day.content.decode()
    assert "No orders match these filters." in another_day.content.decode()


NOT_A_DATE = "That is not a date (YYYY-MM-DD): showing every day."
OUT_OF_RANGE = "Dates go from 1970-01-01 to 9998-12-31: showing every day."
UNKNOWN_STATUS = "Unknown status: showing every status."
BAD_FILTERS = [
    ({"date": "9999-12-31"}, OUT_OF_RANGE),
    ({"date": "0001-01-01"}, OUT_OF_RANGE),
    ({"date": "1969-12-31"}, OUT_OF_RANGE),
    ({"date": "garbage"}, NOT_A_DATE),
    ({"date": "2026-02-30"}, NOT_A_DATE),
    ({"date": "10000-01-01"}, NOT_A_DATE),
    ({"date": "2026-01-01\x00"}, NOT_A_DATE),
    ({"status": "lost"}, UNKNOWN_STATUS),
    ({"status": "paid\x00"}, UNKNOWN_STATUS),
    ({"status": "x" * 5000, "date": "9999-12-31"}, f"{UNKNOWN_STATUS} {OUT_OF_RANGE}"),
    ({"page": "99999999999999999999999"}, ""),
    ({"page": "-1", "date": ""}, ""),
]


@pytest.mark.parametrize(("params", "message"), BAD_FILTERS)
@pytest.mark.parametrize("htmx", [False, True])
def test_out_of_range_filters_give_a_normal_page_with_a_message(ops_user, params, message, htmx):
    order = place()
    client = signed_in(ops_user, htmx=htmx)

    response = client.get(reverse("ops:dashboard"), params, HTTP_HX_TARGET="ops-feed" if htmx else None)

    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-order="{order.number}"' in html  # every order of every day
    if message:
        assert f'<p class="note note--warn" role="status">{message}</p>' in html
    else:
        assert "note--warn" not in html


def test_the_dashboard_lists_a_refused_automatic_refund_under_problems(ops_client):
    from commerce.payments.models import Payment, Refund

    order = place()
    services.order_act(order=order, action="cancel", actor=UserFactory(), seen_status="pending_payment")
    payment = Payment.objects.create(
        order=order, intent_id="pi_late", client_secret="s", amount_minor=1000, currency="USD", status="succeeded"
    )
    refund = Refund.objects.create(
        payment=payment, amount_minor=1000, status="failed", automatic=True, last_error="Charge ch_1 is disputed."
    )

    html = ops_client.get(reverse("ops:dashboard")).content.decode()

    assert 'data-problem="refunds">1<' in html
    assert (
        f'<li data-refund="{refund.pk}"><a href="/ops/orders/{order.number}/">{order.number}</a> $10.00 '
        '<span class="note">Charge ch_1 is disputed.</span></li>'
    ) in html


def test_the_periodic_refresh_answers_with_every_panel_out_of_band(ops_client):
    html = ops_client.get(reverse("ops:live")).content.decode()

    for panel in ("ops-kpis", "ops-chart", "ops-problems", "ops-stock", "ops-holds"):
        assert f'id="{panel}"' in html
    assert html.count('hx-swap-oob="true"') == 5


def test_order_page_has_timeline_payments_and_notifications(ops_client):
    order = pay(place(user=UserFactory(email="amy@example.com")))

    response = ops_client.get(reverse("ops:order", args=[order.number.lower()]))

    html = response.content.decode()
    assert f"Order {order.number}" in html
    assert 'id="order-status" class="status status--paid" data-status="paid"' in html
    assert 'id="order-timeline"' in html
    assert "Payment received" in html
    assert 'data-notification="' in html  # the order_paid email
    assert "Mark packed" in html
    token = response.context["live_token"]
    from django.core import signing

    assert signing.loads(str(token), salt=SALT)["t"] == [f"order.{order.pk}"]
    assert ops_client.get(reverse("ops:order", args=["LS-NONE-NONE"])).status_code == 404


def test_the_header_links_to_the_dashboard_for_ops_staff_only(ops_client):
    link = f'href="{reverse("ops:dashboard")}">Ops<'
    assert link in ops_client.get("/").content.decode()
    assert link not in signed_in(UserFactory(is_staff=True)).get("/").content.decode()
    assert link not in Client().get("/").content.decode()


# --- Actions ------------------------------------------------------------------------------------


def test_pack_ship_deliver_from_the_feed_row(ops_client, ops_user):
    order = pay(place())

    packed = act(ops_client, order, action="packed", seen="paid")
    assert packed.status_code == 200
    html = packed.content.decode()
    assert html.lstrip().startswith(f'<li id="ops-order-{order.pk}"')
    assert 'data-status="packed" hx-swap-oob="true"' in html
    assert f"Order {order.number} marked packed." in html
    assert 'name="tracking_number"' in html  # the next step

    shipped = act(ops_client, order, action="shipped", seen="packed", tracking_number=" 1Z999AA1 ")
    assert shipped.status_code == 200
    assert "tracking 1Z999AA1" in shipped.content.decode()
    delivered = act(ops_client, order, action="delivered", seen="shipped")
    assert delivered.status_code == 200

    order.refresh_from_db()
    assert (order.status, order.tracking_number) == (S.DELIVERED, "1Z999AA1")
    timeline = list(order.events.values_list("kind", "actor"))
    assert timeline[-3:] == [("packed", ops_user.pk), ("shipped", ops_user.pk), ("delivered", ops_user.pk)]
    assert order.events.get(kind="shipped").from_status == S.PACKED


def test_a_double_submit_applies_once(ops_client):
    order = pay(place())

    first = act(ops_client, order, action="packed", seen="paid")
    second = act(ops_client, order, action="packed", seen="paid")

    assert (first.status_code, second.status_code) == (200, 200)
    assert f"Order {order.number} is already packed: nothing changed." in second.content.decode()
    assert events(order, "packed") == 1


def test_an_action_on_an_order_in_the_wrong_state_changes_nothing(ops_client):
    order = place()  # still awaiting payment
    stock = Variant.objects.get(pk=order.lines.get().variant_id).stock

    response = act(ops_client, order, action="packed", seen="paid")

    assert response.status_code == 422
    html = response.content.decode()
    assert f"Order {order.number} is now awaiting payment, so it cannot be marked packed. Nothing was changed." in html
    assert 'role="alert"' in html
    assert 'data-status="pending_payment"' in html  # the row as it really is
    order.refresh_from_db()
    assert order.status == S.PENDING_PAYMENT
    assert list(order.events.values_list("kind", flat=True)) == ["placed"]
    assert Variant.objects.get(pk=order.lines.get().variant_id).stock == stock


def test_an_order_moved_on_by_someone_else_is_left_alone(ops_client):
    order = pay(place())
    services.order_act(order=order, action="packed", actor=UserFactory(is_staff=True))
    services.order_act(order=order, action="shipped", actor=UserFactory(is_staff=True), tracking_number="T1")

    # This page still showed it as paid.
    response = act(ops_client, order, action="packed", seen="paid")

    assert response.status_code == 422
    assert "is now shipped, so it cannot be marked packed" in response.content.decode()
    assert events(order, "packed") == 1


def test_shipping_needs_a_tracking_number(ops_client):
    order = pay(place())
    act(ops_client, order, action="packed", seen="paid")

    response = act(ops_client, order, action="shipped", seen="packed", tracking_number="  ")

    assert response.status_code == 422
    assert "Enter the tracking number" in response.content.decode()
    assert Order.objects.get(pk=order.pk).status == S.PACKED


def test_unknown_actions_are_refused(ops_client):
    order = pay(place())

    response = act(ops_client, order, action="teleport", seen="paid")

    assert response.status_code == 422
    assert "Unknown action." in response.content.decode()


def test_cancel_needs_confirmation_then_gives_the_stock_back(ops_client):
    variant = VariantFactory(stock=4)
    order = place(variant=variant, quantity=3)
    assert Variant.objects.get(pk=variant.pk).stock == 1

    unconfirmed = act(ops_client, order, row=False, action="cancel", seen="pending_payment")
    assert unconfirmed.status_code == 422
    assert "Tick the box to confirm" in unconfirmed.content.decode()
    assert Order.objects.get(pk=order.pk).status == S.PENDING_PAYMENT

    confirmed = act(ops_client, order, row=False, action="cancel", seen="pending_payment", confirm="yes")
    html = confirmed.content.decode()
    assert confirmed.status_code == 200
    assert f"Order {order.number} cancelled; its items are back on sale." in html
    assert 'id="ops-actions"' in html
    assert 'id="order-status" class="status status--cancelled" data-status="cancelled" hx-swap-oob="true"' in html
    assert Variant.objects.get(pk=variant.pk).stock == 4

    again = act(ops_client, order, row=False, action="cancel", seen="pending_payment", confirm="yes")
    assert again.status_code == 200
    assert "already cancelled: nothing changed" in again.content.decode()
    assert events(order, "cancelled") == 1
    assert Variant.objects.get(pk=variant.pk).stock == 4


def test_a_paid_order_cannot_be_cancelled(ops_client):
    order = pay(place())

    response = act(ops_client, order, row=False, action="cancel", seen="paid", confirm="yes")

    assert response.status_code == 422
    assert "is now paid. Nothing was changed" in response.content.decode()
    assert Order.objects.get(pk=order.pk).status == S.PAID


def test_without_javascript_an_action_redirects_to_the_order_with_a_message(ops_client):
    order = pay(place())

    response = ops_client.post(
        reverse("ops:action", args=[order.number]), {"action": "packed", "seen": "paid"}, follow=True
    )

    assert response.redirect_chain == [(reverse("ops:order", args=[order.number]), 302)]
    assert f"Order {order.number} marked packed." in response.content.decode()
    assert Order.objects.get(pk=order.pk).status == S.PACKED


def test_actions_need_csrf(ops_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(ops_user)
    order = pay(place())

    response = client.post(reverse("ops:action", args=[order.number]), {"action": "packed", "seen": "paid"})

    assert response.status_code == 403
    assert Order.objects.get(pk=order.pk).status == S.PAID


# --- Refunds (through the payments service, against localstripe) ----------------------------------


@pytest.fixture
def paid_at_stripe(stripe_settings):  # type: ignore[no-untyped-def]
    """An order paid through localstripe: 2 × 24.00, stock 5 -> 3."""
    import stripe
    from django.conf import settings

    from commerce.payments import services as payments

    variant = VariantFactory(stock=5, price="24.00")
    order = place(variant=variant, quantity=2)
    payment = payments.payment_start(order=order)
    client = stripe.StripeClient("sk_test_localstripe", base_addresses={"api": settings.STRIPE_API_BASE})
    client.v1.payment_intents.update(payment.intent_id, {"payment_method": "pm_card_visa"})
    client.v1.payment_intents.confirm(payment.intent_id)
    payments.payment_sync(order=order)
    order.refresh_from_db()
    assert order.status == S.PAID
    return order, variant


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

    order = pay(place())

    response = act(ops_client, order, row=False, action="refund", seen="paid", amount=amount, confirm="yes", key="k1")

    assert response.status_code == 422
    assert f'<p class="alert alert--error" role="alert">{message}</p>' in response.content.decode()
    assert Order.objects.get(pk=order.pk).status == S.PAID
    assert not Refund.objects.exists()
    assert events(order, "refund_partial") == events(order, "refunded") == 0


def test_an_unpaid_order_cannot_be_refunded(ops_client):
    order = place()

    response = act(ops_client, order, row=False, action="refund", seen="pending_payment", confirm="yes")

    assert response.status_code == 422
    assert "This order cannot be refunded: it is awaiting payment." in response.content.decode()


def test_the_service_refuses_without_changing_anything():
    order = place()

    with pytest.raises(OpsError):
        services.order_act(order=order, action="delivered", actor=UserFactory(is_staff=True))

    assert Order.objects.get(pk=order.pk).status == S.PENDING_PAYMENT


# --- Refund reasons: for staff, unless marked for the customer -------------------------------------

CRUSHED = "Box arrived crushed"


def refunded_by_ops(ops_client, *, amount: str, public: bool):  # type: ignore[no-untyped-def]
    """A shopper's order, paid through localstripe, refunded from the ops order page with a reason."""
    from tests.commerce.payments.test_services import paid

    buyer = UserFactory(email="bea@example.com")
    order = place(user=buyer, price="48.00")
    paid(order)
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
    from tests.commerce.payments.test_services import dead_base, paid

    order = place(price="48.00")
    paid(order)
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
