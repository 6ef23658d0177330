"""Invoices and credit notes: numbered in a series each, without gaps, issued in the transaction
of the payment (or refund) they record."""

from decimal import Decimal

from django.db import models
from django.urls import reverse


class InvoiceSeries(models.Model):
    """One numbering series ("INV", "CN") and the number its next document takes.

    Taking a number updates this row inside the transaction that writes the document, so a rollback
    gives the number back and a commit uses it: no gaps, at the price of one writer at a time.
    """

    name = models.CharField(max_length=10, primary_key=True)
    next_number = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name_plural = "invoice series"

    def __str__(self) -> str:
        return f"{self.name} (next {self.next_number})"


class Invoice(models.Model):
    """A paid order's invoice, or a credit note for one of its refunds."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", "Invoice"
        CREDIT_NOTE = "credit_note", "Credit note"

    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.INVOICE)
    series = models.CharField(max_length=10)
    sequence = models.PositiveIntegerField()
    number = models.CharField(max_length=32, unique=True, help_text='Series and sequence: "INV-000042".')
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="invoices")
    # A credit note's refund, and what it gives back; an invoice's amount is the order's total.
    refund = models.OneToOneField(
        "payments.Refund", null=True, blank=True, on_delete=models.PROTECT, related_name="credit_note"
    )
    amount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    currency = models.CharField(max_length=3)
    issued_at = models.DateTimeField()

    class Meta:
        ordering = ["issued_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["series", "sequence"], name="invoice_sequence_unique_in_series"),
            models.UniqueConstraint(fields=["order"], condition=models.Q(kind="invoice"), name="one_invoice_per_order"),
            models.CheckConstraint(
                condition=models.Q(kind="invoice", refund__isnull=True)
                | models.Q(kind="credit_note", refund__isnull=False),
                name="credit_note_has_refund",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        if self.kind == self.Kind.INVOICE:
            return reverse("invoices:invoice", kwargs={"number": self.order.number})
        return reverse("invoices:credit_note", kwargs={"number": self.order.number, "document": self.number})

    @property
    def filename(self) -> str:
        return f"{self.number}.pdf"
