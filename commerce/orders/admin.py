from decimal import Decimal, InvalidOperation

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse

from commerce.accounts.models import User

from . import services
from .errors import OrderError
from .models import Order, OrderEvent, OrderLine


class OrderLineInline(admin.TabularInline[OrderLine, Order]):
    model = OrderLine
    extra = 0
    can_delete = False
    fields = ("product_name", "variant_name", "sku", "unit_price", "quantity", "line_total")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Order | None = None) -> bool:
        return False


class OrderEventInline(admin.TabularInline[OrderEvent, Order]):
    model = OrderEvent
    extra = 0
    can_delete = False
    fields = ("created_at", "kind", "from_status", "to_status", "actor", "note")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Order | None = None) -> bool:
        return False


def _move(modeladmin: "OrderAdmin", request: HttpRequest, queryset: QuerySet[Order], to: str) -> None:
    actor = request.user if isinstance(request.user, User) else None
    moved = 0
    for order in queryset.order_by("pk"):
        try:
            services.order_transition(order=order, to=to, actor=actor)
            moved += 1
        except OrderError as exc:
            modeladmin.message_user(request, f"{order.number}: {exc.message}", level=messages.WARNING)
    if moved:
        modeladmin.message_user(request, f"{moved} order(s) marked {to}.")


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin[Order]):
    list_display = ("number", "email", "status", "total", "created_at", "paid_at")
    list_filter = ("status", "created_at")
    search_fields = ("number", "email", "user__email", "lines__sku")
    date_hierarchy = "created_at"
    readonly_fields = (
        "number",
        "user",
        "email",
        "cart",
        "status",
        "shipping_address",
        "currency",
        "subtotal",
        "shipping_total",
        "total",
        "created_at",
        "updated_at",
        "paid_at",
    )
    fields = (*readonly_fields, "tracking_number")
    inlines = (OrderLineInline, OrderEventInline)
    actions = ("mark_packed", "mark_shipped", "mark_delivered", "cancel_unpaid", "refund")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # orders come from checkout

    def has_delete_permission(self, request: HttpRequest, obj: Order | None = None) -> bool:
        return False  # keep history; cancel or refund instead

    @admin.action(description="Mark packed")
    def mark_packed(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        _move(self, request, queryset, Order.Status.PACKED)

    @admin.action(description="Mark shipped (set the tracking number on the order first)")
    def mark_shipped(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        _move(self, request, queryset, Order.Status.SHIPPED)

    @admin.action(description="Mark delivered")
    def mark_delivered(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        _move(self, request, queryset, Order.Status.DELIVERED)

    @admin.action(description="Cancel unpaid orders (stock goes back)")
    def cancel_unpaid(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        actor = request.user if isinstance(request.user, User) else None
        cancelled = 0
        for order in queryset.filter(status=Order.Status.PENDING_PAYMENT).order_by("pk"):
            services.order_cancel(order=order, actor=actor, note="Cancelled by staff.")
            cancelled += 1
        self.message_user(request, f"{cancelled} unpaid order(s) cancelled.")

    @admin.action(description="Refund through Stripe (full or partial)…")
    def refund(self, request: HttpRequest, queryset: QuerySet[Order]) -> TemplateResponse | None:
        from commerce.payments.errors import PaymentError
        from commerce.payments.models import Payment
        from commerce.payments.refunds import refund_create, refundable_minor

        orders = list(queryset.order_by("pk"))
        if "apply" not in request.POST:
            rows = []
            for order in orders:
                payment = Payment.objects.filter(order=order, status=Payment.Status.SUCCEEDED).order_by("pk").first()
                left = Decimal(refundable_minor(payment=payment)) / 100 if payment else Decimal("0.00")
                rows.append((order, left))
            context = {
                **self.admin_site.each_context(request),
                "orders": orders,
                "rows": rows,
                "currency": orders[0].currency if orders else "",
                "title": "Refund",
            }
            return TemplateResponse(request, "admin/orders/refund.html", context)
        actor = request.user if isinstance(request.user, User) else None
        amount_minor: int | None = None
        raw = (request.POST.get("amount") or "").strip()
        if raw and len(orders) == 1:
            try:
                amount = Decimal(raw)
            except InvalidOperation:
                self.message_user(request, f"{raw!r} is not an amount.", level=messages.ERROR)
                return None
            if amount <= 0 or amount != amount.quantize(Decimal("0.01")):
                self.message_user(request, "Enter a positive amount with at most two decimals.", level=messages.ERROR)
                return None
            amount_minor = int(amount * 100)
        for order in orders:
            try:
                refund_create(
                    order=order, amount_minor=amount_minor, actor=actor, reason=request.POST.get("reason", "")
                )
            except PaymentError as exc:
                self.message_user(request, f"{order.number}: {exc.message}", level=messages.ERROR)
            else:
                self.message_user(request, f"{order.number}: refund sent.")
        return None
