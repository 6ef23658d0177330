"""An invoice or credit note as a PDF (fpdf2, its core fonts: no font files, no system packages).

The core fonts speak latin-1 only, so every text goes through `latin1` first: typographic dashes
and minus signs become "-", a currency sign outside latin-1 becomes its code.
"""

from collections.abc import Sequence
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from fpdf import FPDF

from commerce.money import format_money, from_minor
from commerce.orders.models import Order
from commerce.orders.totals import order_breakdown

from .models import Invoice

REPLACEMENTS = {
    "\u2212": "-",  # minus sign
    "\u2013": "-",
    "\u2014": "-",
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2026": "...",
    "\u00d7": "x",
    "\u202f": " ",  # narrow no-break space (some locales' money)
    "\u2009": " ",
    "\u20ac": "EUR ",
    "\u20b9": "INR ",
    "\u20a9": "KRW ",
    "\u20ba": "TRY ",
}


def latin1(text: object) -> str:
    """The text as the core fonts can draw it: known signs replaced, anything else outside latin-1 as "?"."""
    out = str(text)
    for sign, plain in REPLACEMENTS.items():
        out = out.replace(sign, plain)
    return out.encode("latin-1", "replace").decode("latin-1")


def _money(amount: Decimal, currency: str) -> str:
    return latin1(format_money(amount, currency))


def _address(order: Order) -> list[str]:
    address = order.billing_address or order.shipping_address or {}
    place = " ".join(str(address.get(key) or "") for key in ("postal_code", "city")).strip()
    country = ", ".join(str(address.get(key)) for key in ("region", "country") if address.get(key))
    lines = [address.get("full_name"), address.get("line1"), address.get("line2"), place, country, order.email]
    return [latin1(line) for line in lines if line]


class _Document(FPDF):
    def row(self, cells: Sequence[tuple[str, float, str]], *, bold: bool = False) -> None:
        self.set_font("Helvetica", "B" if bold else "", 10)
        for text, width, align in cells:
            self.cell(width, 7, latin1(text), align=align)
        self.ln(7)


def _lines(pdf: _Document, invoice: Invoice) -> None:
    order, currency = invoice.order, invoice.currency
    header = [("Qty", 15, "L"), ("Item", 105, "L"), ("Unit price", 35, "R"), ("Line total", 35, "R")]
    pdf.row(header, bold=True)
    if invoice.refund is not None and invoice.refund.lines.exists():
        for part in invoice.refund.lines.select_related("order_line"):
            line = part.order_line
            pdf.row(
                [
                    (str(part.quantity), 15, "L"),
                    (f"{line.product_name} - {line.variant_name}", 105, "L"),
                    (_money(line.unit_price, currency), 35, "R"),
                    (_money(from_minor(part.amount_minor, currency), currency), 35, "R"),
                ]
            )
        return
    if invoice.refund is not None:
        pdf.row([("", 15, "L"), (invoice.refund.reason or "Refund", 105, "L"), ("", 35, "R"), ("", 35, "R")])
        return
    for line in order.lines.all():
        pdf.row(
            [
                (str(line.quantity), 15, "L"),
                (f"{line.product_name} - {line.variant_name}", 105, "L"),
                (_money(line.unit_price, currency), 35, "R"),
                (_money(line.line_total, currency), 35, "R"),
            ]
        )


def _breakdown(pdf: _Document, invoice: Invoice) -> None:
    currency = invoice.currency
    if invoice.kind == Invoice.Kind.CREDIT_NOTE:
        pdf.row([("Total credited", 155, "R"), (_money(invoice.amount, currency), 35, "R")], bold=True)
        return
    figures = order_breakdown(invoice.order)
    rows = [("Subtotal", _money(figures.subtotal, currency))]
    if figures.discount:
        label = f"Discount ({figures.discount_label or figures.discount_code})" if figures.discount_code else "Discount"
        rows.append((label, "-" + _money(figures.discount, currency)))
    shipping = f"Shipping ({figures.shipping_name})" if figures.shipping_name else "Shipping"
    rows.append((shipping, _money(figures.shipping, currency)))
    included = " (included)" if figures.prices_include_tax else ""
    for tax in figures.tax_lines:
        rows.append((f"{tax.name} {tax.rate.normalize():f}%{included}", _money(tax.amount, currency)))
    if not figures.tax_lines and figures.tax:
        rows.append((f"Tax{included}", _money(figures.tax, currency)))
    for label, amount in rows:
        pdf.row([(label, 155, "R"), (amount, 35, "R")])
    pdf.row([("Total", 155, "R"), (_money(figures.total, currency), 35, "R")], bold=True)


def invoice_pdf(invoice: Invoice, *, compress: bool = True) -> bytes:
    """The document's PDF: the store, its number and date, the order, who it is billed to, the lines
    and the order's stored figures (never worked out again)."""
    order = invoice.order
    title = "Invoice" if invoice.kind == Invoice.Kind.INVOICE else "Credit note"
    pdf = _Document(format="A4")
    pdf.set_compression(compress)
    pdf.set_title(latin1(f"{title} {invoice.number}"))
    pdf.set_author(latin1(settings.STORE_NAME))
    pdf.set_creation_date(invoice.issued_at)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 18)
    pdf.cell(0, 10, latin1(settings.STORE_NAME), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 9, latin1(f"{title} {invoice.number}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    issued = timezone.localtime(invoice.issued_at).date().isoformat()
    facts = [f"Date: {issued}", f"Order: {order.number}"]
    if invoice.kind == Invoice.Kind.CREDIT_NOTE:
        original = Invoice.objects.filter(order=order, kind=Invoice.Kind.INVOICE).first()
        if original is not None:
            facts.append(f"Credits invoice: {original.number}")
    for fact in facts:
        pdf.cell(0, 6, latin1(fact), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(0, 6, "Billed to", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    for line in _address(order):
        pdf.cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    _lines(pdf, invoice)
    pdf.ln(3)
    _breakdown(pdf, invoice)
    return bytes(pdf.output())
