"""Ops pages and actions: who may see them, what each action does, and what it refuses (refunds: test_refunds.py)."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from commerce.catalog.models import Variant
from commerce.ops import services
from commerce.ops.services import OpsError
from commerce.orders.models import Order
from realtime.topics import SALT
from tests.commerce.ops.helpers import act, events, signed_in
from tests.factories import OrderFactory, UserFactory, VariantFactory

pytestmark = pytest.mark.django_db
S = Order.Status


# --- Who may see ------------------------------------------------------------------------------


def ops_urls(order: Order) -> list[str]:
    return [
        reverse("ops:dashboard"),
        reverse("ops:live"),
        reverse("ops:order", args=[order.number]),
    ]


def test_anonymous_people_are_sent_to_sign_in():
    order = OrderFactory()
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
    order = OrderFactory(paid=True)
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
    order = OrderFactory()
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

    paid = OrderFactory(paid=True, variant__price="24.00")
    waiting = OrderFactory()

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
    paid = OrderFactory(paid=True)
    OrderFactory()

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
    order = OrderFactory()
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

    order = OrderFactory()
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
    order = OrderFactory(paid=True, user=UserFactory(email="amy@example.com"))

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
    order = OrderFactory(paid=True)

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
    order = OrderFactory(paid=True)

    first = act(ops_client, order, action="packed", seen="paid")
    second = act(ops_client, order, action="packed", seen="paid")

    assert (first.status_code, second.status_code) == (200, 200)
    assert f"Order {order.number} is already packed: nothing changed." in second.content.decode()
    assert events(order, "packed") == 1


def test_an_action_on_an_order_in_the_wrong_state_changes_nothing(ops_client):
    order = OrderFactory()  # still awaiting payment
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
    order = OrderFactory(paid=True)
    services.order_act(order=order, action="packed", actor=UserFactory(is_staff=True))
    services.order_act(order=order, action="shipped", actor=UserFactory(is_staff=True), tracking_number="T1")

    # This page still showed it as paid.
    response = act(ops_client, order, action="packed", seen="paid")

    assert response.status_code == 422
    assert "is now shipped, so it cannot be marked packed" in response.content.decode()
    assert events(order, "packed") == 1


def test_shipping_needs_a_tracking_number(ops_client):
    order = OrderFactory(paid=True)
    act(ops_client, order, action="packed", seen="paid")

    response = act(ops_client, order, action="shipped", seen="packed", tracking_number="  ")

    assert response.status_code == 422
    assert "Enter the tracking number" in response.content.decode()
    assert Order.objects.get(pk=order.pk).status == S.PACKED


def test_unknown_actions_are_refused(ops_client):
    order = OrderFactory(paid=True)

    response = act(ops_client, order, action="teleport", seen="paid")

    assert response.status_code == 422
    assert "Unknown action." in response.content.decode()


def test_cancel_needs_confirmation_then_gives_the_stock_back(ops_client):
    variant = VariantFactory(stock=4)
    order = OrderFactory(variant=variant, quantity=3)
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
    order = OrderFactory(paid=True)

    response = act(ops_client, order, row=False, action="cancel", seen="paid", confirm="yes")

    assert response.status_code == 422
    assert "is now paid. Nothing was changed" in response.content.decode()
    assert Order.objects.get(pk=order.pk).status == S.PAID


def test_without_javascript_an_action_redirects_to_the_order_with_a_message(ops_client):
    order = OrderFactory(paid=True)

    response = ops_client.post(
        reverse("ops:action", args=[order.number]), {"action": "packed", "seen": "paid"}, follow=True
    )

    assert response.redirect_chain == [(reverse("ops:order", args=[order.number]), 302)]
    assert f"Order {order.number} marked packed." in response.content.decode()
    assert Order.objects.get(pk=order.pk).status == S.PACKED


def test_actions_need_csrf(ops_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(ops_user)
    order = OrderFactory(paid=True)

    response = client.post(reverse("ops:action", args=[order.number]), {"action": "packed", "seen": "paid"})

    assert response.status_code == 403
    assert Order.objects.get(pk=order.pk).status == S.PAID


def test_the_service_refuses_without_changing_anything():
    order = OrderFactory()

    with pytest.raises(OpsError):
        services.order_act(order=order, action="delivered", actor=UserFactory(is_staff=True))

    assert Order.objects.get(pk=order.pk).status == S.PENDING_PAYMENT
