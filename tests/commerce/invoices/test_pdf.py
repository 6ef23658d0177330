"""The invoice and credit note PDFs open, and carry the order's figures as it stored them."""

from decimal import Decimal
from io import BytesIO

import pytest
from pypdf import PdfReader

from commerce.invoices.models import Invoice
from commerce.invoices.pdf import invoice_pdf, latin1
from commerce.orders.models import Order, OrderTaxLine
from commerce.payments.models import Refund
from commerce.payments.refunds import refund_apply
from tests.breakdown_orders import order_with_breakdown
from tests.factories import _pay_as_the_webhook_does

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(60)]


def text_of(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(BytesIO(pdf))
    assert len(reader.pages) == 1
    return reader.pages[0].extract_text()


@pytest.fixture
def order(clock) -> Order:  # type: ignore[no-untyped-def]
    """2 x Canopy Tee (M) at 20.00 and 3 x Trail Sock (L) at 3.33: 49.99, 4.00 off with WELCOME10,
    5.00 Standard shipping, 8% tax 4.08 on top: 55.07. Paid."""
    placed = order_with_breakdown(paid=False, at_stripe=False)
    Order.objects.filter(pk=placed.pk).update(
        discount_code="WELCOME10", discount_label="WELCOME10 (10% off)", shipping_method_name="Standard"
    )
    OrderTaxLine.objects.create(
        order=placed, name="US sales tax", rate=Decimal("8.0000"), base=Decimal("50.99"), amount=Decimal("4.08")
    )
    placed.refresh_from_db()
    return _pay_as_the_webhook_does(placed)


def test_the_invoice_opens_and_carries_the_breakdown_and_total(order, settings):
    invoice = Invoice.objects.get(order=order)

    text = text_of(invoice_pdf(invoice))

    assert order.total == Decimal("55.07")
    for expected in [
        settings.STORE_NAME,
        "Invoice INV-000001",
        f"Order: {order.number}",
        "Sam Shopper",
        "1 Harbour Road",
        "04101 Portland",
        "2 Canopy Tee - M $20.00 $40.00",
        "3 Trail Sock - L $3.33 $9.99",
        "Subtotal $49.99",
        "Discount (WELCOME10 (10% off)) -$4.00",
        "Shipping (Standard) $5.00",
        "US sales tax 8% $4.08",
        "Total $55.07",
    ]:
        assert expected in text, (expected, text)


def test_the_date_is_the_stores_day_it_was_issued(order, clock):
    invoice = Invoice.objects.get(order=order)

    # Issued at 23:59:30 in New York (the clock's zone), already the 9th in UTC.
    assert invoice.issued_at == clock.now
    assert "Date: 2026-03-08" in text_of(invoice_pdf(invoice))


def test_uncompressed_output_holds_the_total_as_text(order):
    pdf = invoice_pdf(Invoice.objects.get(order=order), compress=False)

    assert b"$55.07" in pdf


def test_a_credit_note_names_the_invoice_it_credits_and_the_amount(order):
    refund = Refund.objects.create(payment=order.payments.get(), amount_minor=1500, reason="Late parcel")
    refund_apply(refund_pk=refund.pk, stripe_refund_id="re_1", stripe_status="succeeded")

    text = text_of(invoice_pdf(Invoice.objects.get(refund=refund)))

    assert "Credit note CN-000001" in text
    assert "Credits invoice: INV-000001" in text
    assert "Late parcel" in text
    assert "Total credited $15.00" in text


def test_text_outside_latin1_is_drawn_plainly():
    assert latin1("Tee — M × 2 − €5 “ok” 日本") == 'Tee - M x 2 - EUR 5 "ok" ??'
