"""The order-paid email carries the invoice PDF, made when it is sent."""

from io import BytesIO

import pytest
from django.core import mail
from pypdf import PdfReader

from commerce.invoices.models import Invoice
from commerce.notifications.models import Notification
from commerce.notifications.services import notification_deliver
from commerce.orders.services import order_mark_paid, order_transition

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(60)]


def pay(order):  # type: ignore[no-untyped-def]
    return order_mark_paid(order=order, amount_minor=order.total_minor, currency="usd", reference="pi_1")


def test_the_confirmation_email_attaches_the_invoice(order, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        pay(order)

    (email,) = mail.outbox
    assert email.subject.startswith("Thank you, your order is confirmed")
    (attachment,) = email.attachments
    filename, content, mimetype = attachment
    assert (filename, mimetype) == ("INV-000001.pdf", "application/pdf")
    text = PdfReader(BytesIO(content)).pages[0].extract_text()
    assert f"Order: {order.number}" in text
    assert "Total $48.00" in text


def test_other_emails_carry_nothing(order, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        paid = pay(order)
        order_transition(order=paid, to="packed", actor=None)
        order_transition(order=paid, to="shipped", actor=None, tracking_number="1Z999")

    assert [(m.subject.split(":")[0], len(m.attachments)) for m in mail.outbox] == [
        ("Thank you, your order is confirmed", 1),
        ("Your order is on its way", 0),
    ]


def test_a_confirmation_without_an_invoice_goes_without(order):
    pay(order)  # its email row stays pending: on-commit never comes in this test
    Invoice.objects.all().delete()

    assert notification_deliver(pk=Notification.objects.get().pk) == "sent"
    assert mail.outbox[0].attachments == []
