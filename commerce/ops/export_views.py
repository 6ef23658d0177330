"""Ops: orders for accounting, as a CSV of a date range (/ops/export/orders/)."""

from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from commerce.accounts.permissions import role_required
from commerce.orders.export import ExportError, aexport_lines, date_range_parse
from project.errors import error_response

from .store_day import store_today


@role_required("ops")
@require_GET
def orders_export(request: HttpRequest) -> HttpResponseBase:
    """The form (no dates asked yet), the CSV of the dates asked, or the form with what is wrong."""
    today = store_today()
    context = {
        "initial": {
            "from": request.GET.get("from", today.replace(day=1).isoformat()),
            "to": request.GET.get("to", today.isoformat()),
        },
        "store_time_zone": settings.TIME_ZONE,
        "today": today,
        "yesterday": today - timedelta(days=1),
    }
    if "from" not in request.GET and "to" not in request.GET:
        return render(request, "ops/export.html", context)
    try:
        period = date_range_parse(request.GET)
    except ExportError as error:
        return error_response(request, "ops/export.html", context, error)
    response = StreamingHttpResponse(aexport_lines(period), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{period.filename}"'
    response["Cache-Control"] = "no-store"  # customers' data
    return response
