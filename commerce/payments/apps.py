from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "commerce.payments"
    label = "payments"
    verbose_name = "Payments"

    def ready(self) -> None:
        from commerce.orders.live import on_order_change

        from . import services

        on_order_change(services.on_order_change)
