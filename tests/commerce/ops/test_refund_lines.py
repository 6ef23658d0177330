"""Refunds by line from the ops order page: the form's quantities, what it shows as refunded, bad
input answered 422 with nothing changed, and the same guards (confirmation, role, CSRF) as any refund."""

import re
from uuid import uuid4

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from commerce.orders.models import Order
from commerce.payments.models import Refund, RefundLine
from tests.breakdown_orders import Line, line_of, order_with_breakdown
from tests.commerce.ops.helpers import act, events, signed_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stripe_settings")]
S = Order.Status


def form(order: Order, **units: int) -> dict[str, str]:
    """The refund form as posted, asking for `units` of lines named by product ("Canopy_Tee"=1)."""
    data = {"action": "refund", "seen": order.status, "confirm": "yes", "key": uuid4().hex, "amount": ""}
    for name, count in units.items():
        data[f"line-{line_of(order, name.replace('_', ' ')).pk}"] = str(count)
    return data


def page_of(client: Client, order: Order) -> str:
    return client.get(reverse("ops:order", args=[order.number])).content.decode()


def test_the_refund_form_offers_each_line_with_its_unit_amount(ops_client):
    order = order_with_breakdown()
    tee, sock = line_of(order, "Canopy Tee"), line_of(order, "Trail Sock")

    html = page_of(ops_client, order)

    # Each quantity is labelled with its item and what one unit gives back.
    assert (
        f'<label for="ops-refund-line-{tee.pk}">Canopy Tee — M<br><small class="note">$19.44 each</small></label>'
        in html
    )
    assert (
        f'<label for="ops-refund-line-{sock.pk}">Trail Sock — L<br><small class="note">$3.60 each</small></label>'
        in html
    )
    assert re.search(rf'<input id="ops-refund-line-{tee.pk}"[^>]* name="line-{tee.pk}" min="0" max="2"', html)
    assert re.search(rf'<input id="ops-refund-line-{sock.pk}"[^>]* name="line-{sock.pk}" min="0" max="3"', html)
    assert '<td data-refunded="0">0 of 2' in html
    # The existing hooks stay as they were.
    for hook in ('id="ops-refund-amount"', 'name="confirm"', 'name="key"', 'id="ops-refund-reason"'):
        assert hook in html
    assert "Give items or an amount, not both. Leave both empty to refund everything left ($55.07)." in html


def test_one_line_refunded_from_the_form_shows_as_refunded_and_only_the_rest_is_offered(ops_client, ops_user):
    buyer = UserFactory(email="bea@example.com")
    order = order_with_breakdown(user=buyer)
    tee = line_of(order, "Canopy Tee")

    response = act(ops_client, order, row=False, **form(order, Canopy_Tee=1))

    assert response.status_code == 200
    body = response.content.decode()
    assert f"Refunded 19.44 USD for order {order.number}." in body
    assert '<td data-refunded="1">1 of 2<br><small class="note">$19.44</small></td>' in body
    assert re.search(rf'name="line-{tee.pk}" min="0" max="1"', body)
    refund = Refund.objects.get()
    assert (refund.amount_minor, refund.status, refund.created_by) == (1944, "succeeded", ops_user)
    assert list(RefundLine.objects.values_list("order_line", "quantity", "amount_minor")) == [(tee.pk, 1, 1944)]
    assert Order.objects.get(pk=order.pk).status == S.PAID
    # The payments table names the units; the customer's page says what was refunded.
    assert f'<span class="note" data-refund-line="{tee.pk}">1 × Canopy Tee — M: $19.44</span>' in page_of(
        ops_client, order
    )
    customer = signed_in(buyer)
    assert (
        '<span class="timeline__note">Refunded 1 × Canopy Tee — M: $19.44.</span>'
        in customer.get(order.get_absolute_url()).content.decode()
    )


def test_a_fully_refunded_line_is_offered_no_more(ops_client):
    order = order_with_breakdown()
    tee = line_of(order, "Canopy Tee")

    act(ops_client, order, row=False, **form(order, Canopy_Tee=2))
    html = page_of(ops_client, order)

    assert f'name="line-{tee.pk}"' not in html
    assert "All refunded" in html
    assert '<td data-refunded="2">2 of 2<br><small class="note">$38.88</small></td>' in html


def test_every_line_refunded_from_the_form_leaves_the_shipping_to_refund(ops_client):
    order = order_with_breakdown()

    response = act(ops_client, order, row=False, **form(order, Canopy_Tee=2, Trail_Sock=3))

    assert "Refunded 49.67 USD for order" in response.content.decode()
    assert Order.objects.get(pk=order.pk).status == S.PAID
    assert "everything left ($5.40)" in page_of(ops_client, order)


BAD_UNITS = [
    ("-1", "The number of items to refund cannot be negative. Nothing was refunded."),
    ("abc", "“abc” is not a number of items. Enter a whole number such as 1, or leave it empty."),
    ("1.5", "“1.5” is not a number of items. Enter a whole number such as 1, or leave it empty."),
    ("3", "Only 2 of Canopy Tee — M can still be refunded (0 of 2 refunded or being refunded). Nothing was refunded."),
]


@pytest.mark.parametrize(("units", "message"), BAD_UNITS)
def test_bad_units_get_a_clear_422_and_change_nothing(ops_client, units, message):
    order = order_with_breakdown()
    data = form(order)
    data[f"line-{line_of(order, 'Canopy Tee').pk}"] = units

    response = act(ops_client, order, row=False, **data)

    assert response.status_code == 422
    assert f'<p class="alert alert--error" role="alert">{message}</p>' in response.content.decode()
    assert not Refund.objects.exists()
    assert Order.objects.get(pk=order.pk).status == S.PAID
    assert events(order, "refund_partial") == events(order, "refunded") == 0


def test_a_line_of_another_order_gets_a_422(ops_client):
    order, other = order_with_breakdown(), order_with_breakdown(Line("Mug", "Blue", "8.00", 1))
    mug = line_of(other, "Mug").pk

    response = act(ops_client, order, row=False, **{**form(order), f"line-{mug}": "1"})

    assert response.status_code == 422
    assert f"Order {order.number} has no such item (line {mug}). Nothing was refunded." in response.content.decode()
    assert not Refund.objects.exists()


def test_a_field_that_names_no_line_gets_a_422(ops_client):
    order = order_with_breakdown()

    response = act(ops_client, order, row=False, **{**form(order), "line-abc": "1"})

    assert response.status_code == 422
    assert "That item is not in this order. Nothing was refunded." in response.content.decode()


def test_lines_and_an_amount_together_get_a_422(ops_client):
    order = order_with_breakdown()

    response = act(ops_client, order, row=False, **{**form(order, Canopy_Tee=1), "amount": "5.00"})

    assert response.status_code == 422
    assert (
        "Give either how many of each item to refund or an amount, not both. Nothing was refunded."
        in response.content.decode()
    )
    assert not Refund.objects.exists()


def test_zero_and_empty_quantities_with_no_amount_refund_everything_left(ops_client):
    order = order_with_breakdown()

    response = act(ops_client, order, row=False, **form(order, Canopy_Tee=0))

    assert "Refunded 55.07 USD for order" in response.content.decode()
    assert not RefundLine.objects.exists()
    assert Order.objects.get(pk=order.pk).status == S.REFUNDED


def test_units_beyond_what_is_left_of_the_payment_get_a_422(ops_client):
    order = order_with_breakdown()
    act(ops_client, order, row=False, **{**form(order), "amount": "50.00"})

    response = act(ops_client, order, row=False, **form(order, Canopy_Tee=1))

    assert response.status_code == 422
    assert (
        "These items come to 19.44, but only 5.07 is left to refund. Refund by amount instead."
        in response.content.decode()
    )
    assert Refund.objects.count() == 1


def test_a_refund_by_line_needs_confirmation(ops_client):
    order = order_with_breakdown()
    data = form(order, Canopy_Tee=1)
    del data["confirm"]

    response = act(ops_client, order, row=False, **data)

    assert response.status_code == 422
    assert not Refund.objects.exists()


def test_a_refund_by_line_needs_csrf_and_the_ops_role(ops_user):
    order = order_with_breakdown()
    url = reverse("ops:action", args=[order.number])
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(ops_user)
    support = UserFactory(is_staff=True)
    support.groups.add(Group.objects.get_or_create(name="support")[0])

    assert strict.post(url, form(order, Canopy_Tee=1)).status_code == 403
    assert signed_in(support).post(url, form(order, Canopy_Tee=1)).status_code == 403
    assert not Refund.objects.exists()
