"""Staff move orders along and refund them from the admin."""

import pytest
from django.urls import reverse

from commerce.catalog.models import Variant
from commerce.orders.models import Order, OrderEvent
from commerce.orders.services import order_mark_paid
from commerce.payments.models import Refund
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stripe_settings")]
CHANGELIST = reverse("admin:orders_order_changelist")


@pytest.fixture
def staff_client(client):  # type: ignore[no-untyped-def]
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def act(client, action: str, orders: list[Order], **extra: str):  # type: ignore[no-untyped-def]
    data = {"action": action, "_selected_action": [o.pk for o in orders], **extra}
    return client.post(CHANGELIST, data, follow=True)


def test_partial_then_full_refund_from_the_admin(staff_client, paid_order):
    order = paid_order

    form = act(staff_client, "refund", [order])
    assert "Amount to refund (USD)" in form.content.decode()
    assert "48.00" in form.content.decode()

    act(staff_client, "refund", [order], apply="Refund", amount="10.50", reason="Scuffed box")
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert list(Refund.objects.values_list("amount_minor", "status")) == [(1050, "succeeded")]
    # The reason is for staff: the customer's timeline says how much, not why.
    assert OrderEvent.objects.get(order=order, kind="refund_partial").note == "Refunded $10.50."

    response = act(staff_client, "refund", [order], apply="Refund", amount="")
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    assert Variant.objects.get(sku="TEE-M").stock == 5
    assert f"{order.number}: refund sent." in response.content.decode()


NOT_AN_AMOUNT = "is not an amount. Enter one such as 12.50, or leave it empty to refund all."
BAD_AMOUNTS = [
    ("NaN", f"“NaN” {NOT_AN_AMOUNT}"),
    ("Infinity", f"“Infinity” {NOT_AN_AMOUNT}"),
    ("1e30", f"“1e30” {NOT_AN_AMOUNT}"),
    ("abc", f"“abc” {NOT_AN_AMOUNT}"),
    ("-5", "The amount must be more than 0."),
    ("0", "The amount must be more than 0."),
    ("12.345", "The amount has at most two decimals (cents)."),
    ("1.001", "The amount has at most two decimals (cents)."),
    ("48.01", "The refund must be more than 0 and at most 48.00 (what is left to refund)."),
]


@pytest.mark.parametrize(("amount", "message"), BAD_AMOUNTS)
def test_a_bad_refund_amount_gets_the_form_again_with_a_clear_422(staff_client, paid_order, amount, message):
    order = paid_order

    response = act(staff_client, "refund", [order], apply="Refund", amount=amount, reason="Late")

    assert response.status_code == 422
    html = response.content.decode()
    assert f'<p class="errornote" role="alert">{message}</p>' in html
    assert f'name="amount" id="id_amount" value="{amount}"' in html  # what was typed, to correct it
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert not Refund.objects.exists()


def test_a_double_submitted_admin_refund_refunds_once(staff_client, paid_order):
    import re

    order = paid_order
    form = act(staff_client, "refund", [order]).content.decode()
    key = re.search(r'name="key" value="([^"]+)"', form)
    assert key is not None

    first = act(staff_client, "refund", [order], apply="Refund", amount="10.00", key=key.group(1))
    second = act(staff_client, "refund", [order], apply="Refund", amount="10.00", key=key.group(1))

    assert list(Refund.objects.values_list("amount_minor", "status")) == [(1000, "succeeded")]
    assert f"{order.number}: refund sent." in first.content.decode()
    assert f"{order.number}: This refund was already sent: nothing more was refunded." in second.content.decode()


def test_moving_along_and_refusing_wrong_steps(staff_client, order):
    response = act(staff_client, "mark_packed", [order])
    assert "An order that is pending payment cannot become packed." in response.content.decode()

    order_mark_paid(order=order, amount_minor=order.total_minor, currency=order.currency, reference="pi_1")
    act(staff_client, "mark_packed", [order])
    act(staff_client, "mark_packed", [order])  # a double submit applies once
    order.refresh_from_db()
    assert order.status == Order.Status.PACKED
    assert OrderEvent.objects.filter(order=order, kind="packed").count() == 1


def test_shoppers_cannot_reach_the_order_admin(client, buyer):
    client.force_login(buyer)

    response = client.get(CHANGELIST)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def staff(*roles: str, perms: bool = True):  # type: ignore[no-untyped-def]
    """A staff member in `roles`, given every Django permission on orders, payments and accounts
    (so what stops them is the role alone)."""
    from django.contrib.auth.models import Group, Permission

    user = UserFactory(is_staff=True)
    for role in roles:
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    if perms:
        user.user_permissions.add(
            *Permission.objects.filter(content_type__app_label__in=["orders", "payments", "accounts"])
        )
    return user


CUSTOMER_DATA = [
    "admin:orders_order_changelist",
    "admin:payments_payment_changelist",
    "admin:payments_stripeevent_changelist",
    "admin:accounts_address_changelist",
    "admin:accounts_user_changelist",
]


@pytest.mark.parametrize("url", CUSTOMER_DATA)
def test_staff_without_a_role_see_no_customer_data_in_the_admin(client, order, url):
    client.force_login(staff())

    assert client.get(reverse(url)).status_code == 403
    assert client.get(reverse("admin:orders_order_change", args=[order.pk])).status_code == 403
    index = client.get(reverse("admin:index")).content.decode()
    for model in ("Orders", "Payments", "Stripe events", "Addresses", "Users"):
        assert f">{model}<" not in index


@pytest.mark.parametrize("url", CUSTOMER_DATA)
def test_support_staff_may_look(client, url):
    client.force_login(staff("support"))

    assert client.get(reverse(url)).status_code == 200


@pytest.mark.parametrize("roles", [(), ("support",)])
@pytest.mark.parametrize("action", ["mark_packed", "refund", "cancel_unpaid"])
def test_order_actions_need_the_ops_role(client, paid_order, roles, action):
    order = paid_order
    client.force_login(staff(*roles))

    response = act(client, action, [order], apply="Refund")

    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert not Refund.objects.exists()
    assert OrderEvent.objects.filter(order=order).count() == 2  # placed, paid
    if roles:  # support sees the list, without the actions
        assert 'value="mark_packed"' not in client.get(CHANGELIST).content.decode()
    else:
        assert response.status_code == 403


def test_ops_staff_may_act(client, paid_order):
    order = paid_order
    client.force_login(staff("ops"))

    act(client, "mark_packed", [order])

    order.refresh_from_db()
    assert order.status == Order.Status.PACKED
