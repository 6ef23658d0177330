from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "commerce.alerts"
    label = "alerts"
    verbose_name = "Back-in-stock alerts"

    def ready(self) -> None:
        from commerce.catalog.live import on_stock_change
        from commerce.orders.live import on_order_change
        from commerce.page_sections import add_section

        from . import sections, triggers

        on_stock_change(triggers.stock_changed)
        on_order_change(triggers.order_changed)
        add_section("product:buy", sections.product_buy)
