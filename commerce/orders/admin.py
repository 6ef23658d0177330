import secrets

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse

from commerce.accounts.models import User
from commerce.accounts.permissions import RoleAdminMixin, in_any_role
from commerce.money import from_minor

from . import services
from .errors import OrderError
from .models import Order, OrderEvent, OrderLine, OrderTaxLine


class OrderLineInline(admin.TabularInline[OrderLine, Order]):
    model = OrderLine
    extra = 0
    can_delete = False
    fields = ("product_name", "variant_name", "sku", "unit_price", "quantity", "line_total")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Order | None = None) -> bool:
        return False


class OrderTaxLineInline(admin.TabularInline[OrderTaxLine, Order]):
    model = OrderTaxLine
    extra = 0
    can_delete = False
    fields = ("name", "rate", "base", "amount")
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
class OrderAdmin(RoleAdminMixin, admin.ModelAdmin[Order]):
    """Support and ops staff may look; only ops staff may act (the same role as /ops/)."""

    change_roles = ("ops",)
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
        "discount_total",
        "discount_code",
        "discount_label",
        "shipping_method_name",
        "shipping_total",
        "tax_total",
        "prices_include_tax",
        "total",
        "created_at",
        "updated_at",
        "paid_at",
    )
    fields = (*readonly_fields, "tracking_number")
    inlines = (OrderLineInline, OrderTaxLineInline, OrderEventInline)
    actions = ("mark_packed", "mark_shipped", "mark_delivered", "cancel_unpaid", "refund")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # orders come from checkout

    def has_delete_permission(self, request: HttpRequest, obj: Order | None = None) -> bool:
        return False  # keep history; cancel or refund instead

    def has_manage_permission(self, request: HttpRequest) -> bool:
        """The actions (move, cancel, refund): ops staff only, as on the ops dashboard."""
        return in_any_role(request.user, ("ops",))

    @admin.action(description="Mark packed", permissions=["manage"])
    def mark_packed(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        _move(self, request, queryset, Order.Status.PACKED)

    @admin.action(description="Mark shipped (set the tracking number on the order first)", permissions=["manage"])
    def mark_shipped(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        _move(self, request, queryset, Order.Status.SHIPPED)

    @admin.action(description="Mark delivered", permissions=["manage"])
    def mark_delivered(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        _move(self, request, queryset, Order.Status.DELIVERED)

    @admin.action(description="Cancel unpaid orders (stock goes back)", permissions=["manage"])
    def cancel_unpaid(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        actor = request.user if isinstance(request.user, User) else None
        cancelled = 0
        for order in queryset.filter(status=Order.Status.PENDING_PAYMENT).order_by("pk"):
            services.order_cancel(order=order, actor=actor, note="Cancelled by staff.")
            cancelled += 1
        self.message_user(request, f"{cancelled} unpaid order(s) cancelled.")

    @admin.action(description="Refund through Stripe (full or partial)…", permissions=["manage"])
    def refund(self, request: HttpRequest, queryset: QuerySet[Order]) -> TemplateResponse | None:
        from commerce.payments.errors import PaymentError
        from commerce.payments.refunds import refund_amount_minor, refund_create

        orders = list(queryset.order_by("pk"))
        if "apply" not in request.POST:
            return self._refund_form(request, orders)
        actor = request.user if isinstance(request.user, User) else None
        raw = (request.POST.get("amount") or "").strip() if len(orders) == 1 else ""
        try:
            amount_minor = refund_amount_minor(raw, orders[0].currency if orders else None)
        except PaymentError as exc:
            return self._refund_form(request, orders, error=exc.message)
        reason = request.POST.get("reason", "")[:200]
        for order in orders:
            try:
                refund = refund_create(
                    order=order,
                    amount_minor=amount_minor,
                    actor=actor,
                    reason=reason,
                    reason_public=request.POST.get("reason_public") == "yes",
                    request_key=request.POST.get("key", "")[:64],
                )
            except PaymentError as exc:
                if exc.code == "bad_refund_amount" and len(orders) == 1:
                    return self._refund_form(request, orders, error=exc.message)
                level = messages.WARNING if exc.code == "duplicate_request" else messages.ERROR
                self.message_user(request, f"{order.number}: {exc.message}", level=level)
            else:
                if refund.stripe_refund_id is None:
                    self.message_user(
                        request,
                        f"{order.number}: Stripe could not be reached; the refund is saved and will be sent "
                        "again automatically. Do not refund it again.",
                        level=messages.WARNING,
                    )
                else:
                    self.message_user(request, f"{order.number}: refund sent.")
        return None

    def _refund_form(self, request: HttpRequest, orders: list[Order], *, error: str = "") -> TemplateResponse:
        """The refund form; with `error`, shown again (422) with what was typed, and nothing changed."""
        from commerce.payments.models import Payment
        from commerce.payments.refunds import refundable_minor

        rows = []
        for order in orders:
            payment = Payment.objects.filter(order=order, status=Payment.Status.SUCCEEDED).order_by("pk").first()
            left = from_minor(refundable_minor(payment=payment), payment.currency) if payment else from_minor(0)
            rows.append((order, left))
        context = {
            **self.admin_site.each_context(request),
            "orders": orders,
            "rows": rows,
            "currency": orders[0].currency if orders else "",
            "title": "Refund",
            "error": error,
            "typed": request.POST if error else {},
            # One submitted form refunds once (a double click, a resubmit): the dashboard's key too.
            "request_key": request.POST.get("key", "")[:64] if error else secrets.token_urlsafe(12),
        }
        return TemplateResponse(request, "admin/orders/refund.html", context, status=422 if error else 200)
