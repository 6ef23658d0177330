import json

import pytest
from django.test import Client
from django.urls import reverse

from commerce.accounts.models import Address, User
from commerce.notifications.models import Preference
from commerce.orders.models import Order
from commerce.support import services as support
from tests.factories import ADDRESS, OrderFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(90)]


@pytest.fixture
def shoppers_things(shopper):  # type: ignore[no-untyped-def]
    Address.objects.create(user=shopper, default_shipping=True, **ADDRESS)
    Preference.objects.create(user=shopper, event="order_shipped", channel="email", enabled=False)
    order = OrderFactory(user=shopper, paid=True, variant__price="24.00", quantity=2)
    conversation = support.conversation_for_customer(customer=shopper)
    support.message_post(conversation=conversation, author=shopper, from_staff=False, body="My flat is 4B")
    return order


def test_data_export_contains_the_shoppers_orders_and_nobody_elses(client, shopper, shoppers_things):
    other = UserFactory(email="other@example.com")
    others_order = OrderFactory(user=other, paid=True)
    Address.objects.create(user=other, **{**ADDRESS, "line1": "7 Elsewhere"})
    client.force_login(shopper)

    response = client.get(reverse("accounts:data_export"))

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="my-data.json"'
    data = json.loads(response.content)
    assert data["account"]["email"] == "shopper@example.com"
    assert [o["number"] for o in data["orders"]] == [shoppers_things.number]
    [order] = data["orders"]
    assert (order["total"], order["subtotal"]) == (str(shoppers_things.total), "48.00")
    assert [(line["product_name"], line["quantity"], line["line_total"]) for line in order["lines"]] == [
        (shoppers_things.lines.get().product_name, 2, "48.00")
    ]
    assert [a["line1"] for a in data["addresses"]] == ["1 Harbour Road"]
    assert [m["body"] for m in data["support_conversations"][0]["messages"]] == ["My flat is 4B"]
    assert data["notification_preferences"] == [{"event": "order_shipped", "channel": "email", "enabled": False}]
    text = response.content.decode()
    assert others_order.number not in text
    assert "other@example.com" not in text
    assert "7 Elsewhere" not in text


def test_deletion_anonymises_and_keeps_order_totals(client, shopper, shoppers_things):
    order = shoppers_things
    total, lines = order.total, list(order.lines.values_list("line_total", "quantity"))
    other_session = Client()
    other_session.force_login(shopper)
    client.force_login(shopper)

    wrong = client.post(reverse("accounts:delete"), {"password": "nope"})
    assert wrong.status_code == 422
    assert User.objects.get(pk=shopper.pk).is_active

    response = client.post(reverse("accounts:delete"), {"password": "shopper-pass-123"})

    assert response.status_code == 302
    user = User.objects.get(pk=shopper.pk)
    assert (user.is_active, user.has_usable_password(), user.first_name, user.phone) == (False, False, "", "")
    assert user.email == f"deleted-{user.pk}@deleted.invalid"
    order = Order.objects.get(pk=order.pk)
    assert order.total == total
    assert list(order.lines.values_list("line_total", "quantity")) == lines
    assert order.email == user.email
    assert order.shipping_address["full_name"] == order.shipping_address["line1"] == ""
    assert order.shipping_address["phone"] == ""
    assert order.shipping_address["country"] == "US"
    assert list(user.support_conversations.get().messages.values_list("body", flat=True)) == [
        "(removed at the customer's request)"
    ]
    assert not Address.objects.filter(user=user).exists()
    assert not Preference.objects.filter(user=user).exists()
    # Signed out here and elsewhere; the address can sign up again.
    assert client.get(reverse("accounts:account")).status_code == 302
    assert other_session.get(reverse("accounts:account")).status_code == 302
    assert not User.objects.filter(email__iexact="shopper@example.com").exists()


def test_staff_accounts_are_not_deleted_here(client):
    staff = UserFactory(email="staff@example.com", is_staff=True, password="staff-pass-123")
    client.force_login(staff)

    response = client.post(reverse("accounts:delete"), {"password": "staff-pass-123"})

    assert response.status_code == 403
    assert User.objects.get(pk=staff.pk).is_active
