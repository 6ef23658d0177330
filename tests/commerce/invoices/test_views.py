"""The invoice and credit note PDFs open for whoever may open the order's page, and no one else."""

import pytest
from django.contrib.auth.models import Group

from commerce.invoices.models import Invoice
from commerce.orders.selectors import order_access_token
from commerce.orders.session import SESSION_KEY
from commerce.payments.models import Refund
from commerce.payments.refunds import refund_apply
from tests.factories import OrderFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(60)]


def invoice_url(order) -> str:  # type: ignore[no-untyped-def]
    return f"/orders/{order.number}/invoice.pdf"


@pytest.fixture
def paid(buyer, tee):  # type: ignore[no-untyped-def]
    return OrderFactory(paid=True, user=buyer, variant=tee, quantity=2)


def test_the_owner_gets_the_pdf(client, buyer, paid):
    client.force_login(buyer)

    response = client.get(invoice_url(paid))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="INV-000001.pdf"'
    assert response["Cache-Control"] == "private, no-store"
    assert response.content.startswith(b"%PDF-")


def test_the_order_page_links_its_invoice(client, buyer, paid):
    client.force_login(buyer)

    page = client.get(paid.get_absolute_url()).content.decode()

    assert f'href="{invoice_url(paid)}" data-invoice="INV-000001"' in page


def test_an_unpaid_order_has_no_link_and_no_invoice(client, buyer, order):
    client.force_login(buyer)

    assert 'id="order-invoices"' not in client.get(order.get_absolute_url()).content.decode()
    assert client.get(invoice_url(order)).status_code == 404


@pytest.mark.parametrize("who", ["anonymous", "another shopper", "staff without a role"])
def test_anyone_else_gets_a_404(client, paid, who):
    if who == "another shopper":
        client.force_login(UserFactory())
    elif who == "staff without a role":
        client.force_login(UserFactory(is_staff=True))

    assert client.get(invoice_url(paid)).status_code == 404


def test_staff_in_a_role_get_it_and_the_ops_page_links_it(client, paid):
    member = UserFactory(is_staff=True)
    member.groups.add(Group.objects.get_or_create(name="ops")[0])
    client.force_login(member)

    assert client.get(invoice_url(paid)).status_code == 200
    assert f'href="{invoice_url(paid)}"' in client.get(f"/ops/orders/{paid.number}/").content.decode()


class TestGuest:
    @pytest.fixture
    def guest_order(self, tee):  # type: ignore[no-untyped-def]
        return OrderFactory(paid=True, variant=tee, quantity=1)

    def test_the_session_that_placed_it_gets_it(self, client, guest_order):
        session = client.session
        session[SESSION_KEY] = [guest_order.number]
        session.save()

        assert client.get(invoice_url(guest_order)).status_code == 200

    def test_the_signed_link_opens_it(self, client, guest_order):
        token = order_access_token(guest_order)

        assert client.get(invoice_url(guest_order), {"k": token}).status_code == 200
        assert client.get(invoice_url(guest_order), {"k": "forged"}).status_code == 404

    def test_another_guest_session_gets_a_404(self, client, guest_order):
        assert client.get(invoice_url(guest_order)).status_code == 404


def test_a_credit_note_opens_for_the_owner_only(client, buyer, paid):
    refund = Refund.objects.create(payment=paid.payments.get(), amount_minor=1000)
    refund_apply(refund_pk=refund.pk, stripe_refund_id="re_1", stripe_status="succeeded")
    url = f"/orders/{paid.number}/credit-notes/CN-000001.pdf"
    assert Invoice.objects.get(refund=refund).get_absolute_url() == url

    assert client.get(url).status_code == 404
    client.force_login(buyer)
    assert client.get(url).status_code == 200
    assert client.get(f"/orders/{paid.number}/credit-notes/INV-000001.pdf").status_code == 404
    assert 'data-invoice="CN-000001"' in client.get(paid.get_absolute_url()).content.decode()
