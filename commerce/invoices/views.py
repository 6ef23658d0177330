"""An order's invoice and credit notes as PDFs, for whoever may view the order's page."""

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from commerce.orders.session import order_for_request

from .models import Invoice
from .pdf import invoice_pdf


def _pdf(invoice: Invoice) -> HttpResponse:
    response = HttpResponse(invoice_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{invoice.filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def invoice(request: HttpRequest, number: str) -> HttpResponse:
    """The order's invoice (404 until it is paid, and for anyone who may not see the order)."""
    order = order_for_request(request, number, token=request.GET.get("k"))
    document = Invoice.objects.filter(order=order, kind=Invoice.Kind.INVOICE).first()
    if document is None:
        raise Http404("This order has no invoice yet.")
    document.order = order
    return _pdf(document)


@require_GET
def credit_note(request: HttpRequest, number: str, document: str) -> HttpResponse:
    """One of the order's credit notes, by its number."""
    order = order_for_request(request, number, token=request.GET.get("k"))
    note = (
        Invoice.objects.select_related("refund")
        .filter(order=order, kind=Invoice.Kind.CREDIT_NOTE, number=document.upper())
        .first()
    )
    if note is None:
        raise Http404("No such credit note.")
    note.order = order
    return _pdf(note)
