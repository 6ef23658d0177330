from django.apps import AppConfig


class InvoicesConfig(AppConfig):
    name = "commerce.invoices"
    label = "invoices"
    verbose_name = "Invoices"

    def ready(self) -> None:
        from commerce.notifications.models import Event
        from commerce.notifications.services import on_email_attachments
        from commerce.orders.live import on_order_change

        from . import services

        on_order_change(services.on_order_change)
        on_email_attachments(Event.ORDER_PAID, services.order_paid_attachments)
