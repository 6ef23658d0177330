from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "commerce.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        from commerce.catalog.live import on_stock_change
        from commerce.orders.live import on_order_change

        from . import events

        on_order_change(events.order_changed)
        on_stock_change(events.stock_changed)
