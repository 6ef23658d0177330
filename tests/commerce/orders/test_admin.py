"""Staff move orders along and refund them from the admin."""

import pytest
from django.urls import reverse

from commerce.catalog.models import Variant
from commerce.orders.models import Order, OrderEvent
from commerce.payments.models import Refund
from tests.commerce.payments.conftest import buyer, order, tee  # noqa: F401 - fixtures
from tests.commerce.payments.test_services import paid
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


def test_partial_then_full_refund_from_the_admin(staff_client, order):  # noqa: F811
    paid(order)

    form = act(staff_client, "refund", [order])
    assert "Amount to refund (USD)" in form.content.decode()
    assert "48.00" in form.content.decode()

    act(staff_client, "refund", [order], apply="Refund", amount="10.50", reason="Scuffed box")
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert list(Refund.objects.values_list("amount_minor", "status")) == [(1050, "succeeded")]
    assert OrderEvent.objects.get(order=order, kind="refund_partial").note == "Refunded 10.50 USD: Scuffed box"

    response = act(staff_client, "refund", [order], apply="Refund", amount="")
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    assert Variant.objects.get(sku="TEE-M").stock == 5
    assert f"{order.number}: refund sent." in response.content.decode()


@pytest.mark.parametrize("amount", ["abc", "-1", "0", "1.001", "48.01"])
def test_bad_refund_amounts_change_nothing(staff_client, order, amount):  # noqa: F811
    paid(order)

    act(staff_client, "refund", [order], apply="Refund", amount=amount)

    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert not Refund.objects.filter(status="succeeded").exists()


def test_moving_along_and_refusing_wrong_steps(staff_client, order):  # noqa: F811
    response = act(staff_client, "mark_packed", [order])
    assert "An order that is pending payment cannot become packed." in response.content.decode()

    paid(order)
    act(staff_client, "mark_packed", [order])
    act(staff_client, "mark_packed", [order])  # a double submit applies once
    order.refresh_from_db()
    assert order.status == Order.Status.PACKED
    assert OrderEvent.objects.filter(order=order, kind="packed").count() == 1


def test_shoppers_cannot_reach_the_order_admin(client, buyer):  # noqa: F811
    client.force_login(buyer)

    response = client.get(CHANGELIST)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
