"""Issue invoices and credit notes, each numbered in its series without gaps.

An invoice is issued inside the transaction that marks its order paid (orders' listener, registered
in apps.py); a credit note inside the one that records its refund's success (payments/refunds.py).
The series row is updated in that same transaction, so the number commits or rolls back with the
document: no number is skipped, none is used twice.
"""

import logging
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from commerce import money
from commerce.notifications.models import Notification
from commerce.orders.models import Order, OrderEvent
from commerce.payments.models import Refund

from .models import Invoice, InvoiceSeries
from .pdf import invoice_pdf

logger = logging.getLogger(__name__)

INVOICE_SERIES = "INV"
CREDIT_NOTE_SERIES = "CN"


def number_take(*, series: str) -> int:
    """The series' next number, taken inside the caller's transaction (its row stays locked until
    the end of that transaction: numbers are taken one transaction at a time)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Take an invoice number inside the transaction that writes the document.")
    InvoiceSeries.objects.bulk_create([InvoiceSeries(name=series, next_number=1)], ignore_conflicts=True)
    row = InvoiceSeries.objects.select_for_update().get(name=series)
    InvoiceSeries.objects.filter(name=series).update(next_number=F("next_number") + 1)
    return row.next_number


def _issue(*, order: Order, kind: str, series: str, amount: Decimal, refund: Refund | None) -> Invoice:
    sequence = number_take(series=series)
    return Invoice.objects.create(
        kind=kind,
        series=series,
        sequence=sequence,
        number=f"{series}-{sequence:06d}",
        order=order,
        refund=refund,
        amount=amount,
        currency=order.currency,
        issued_at=timezone.now(),
    )


@transaction.atomic
def invoice_issue(*, order: Order) -> Invoice:
    """The paid order's invoice, issued once (call it in the transaction that marks it paid)."""
    existing = Invoice.objects.filter(order=order, kind=Invoice.Kind.INVOICE).first()
    if existing is not None:
        return existing
    invoice = _issue(order=order, kind=Invoice.Kind.INVOICE, series=INVOICE_SERIES, amount=order.total, refund=None)
    logger.info("invoice issued", extra={"order": order.number, "invoice": invoice.number})
    return invoice


@transaction.atomic
def credit_note_issue(*, refund: Refund) -> Invoice | None:
    """A succeeded refund's credit note, issued once (call it in the transaction that records the success).

    None when the order was never invoiced: a payment that arrived for a cancelled order and was
    given back sold nothing, so there is nothing to credit."""
    existing = Invoice.objects.filter(refund=refund).first()
    if existing is not None:
        return existing
    order = refund.payment.order
    if not Invoice.objects.filter(order=order, kind=Invoice.Kind.INVOICE).exists():
        return None
    amount = money.from_minor(refund.amount_minor, refund.payment.currency)
    note = _issue(order=order, kind=Invoice.Kind.CREDIT_NOTE, series=CREDIT_NOTE_SERIES, amount=amount, refund=refund)
    logger.info("credit note issued", extra={"order": order.number, "invoice": note.number})
    return note


def on_order_change(order: Order, kind: OrderEvent.Kind) -> None:
    """Orders' listener (registered in apps.py): the order's invoice, in the transaction that paid it."""
    if kind == OrderEvent.Kind.PAID:
        invoice_issue(order=order)


def order_paid_attachments(row: Notification) -> list[tuple[str, bytes, str]]:
    """The invoice PDF for an order's confirmation email (the notifications area's attachment hook).

    The outbox row names its order in its key (`order:<number>:order_paid:email`). An order paid
    before invoices existed has none: the email goes without.
    """
    kind, _, rest = row.idempotency_key.partition(":")
    if kind != "order":
        return []
    number = rest.partition(":")[0]
    invoice = Invoice.objects.select_related("order").filter(order__number=number, kind=Invoice.Kind.INVOICE).first()
    if invoice is None:
        return []
    return [(invoice.filename, invoice_pdf(invoice), "application/pdf")]
