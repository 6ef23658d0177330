from django.apps import AppConfig


class ShippingConfig(AppConfig):
    name = "commerce.shipping"
    label = "shipping"
    verbose_name = "Shipping"

    def ready(self) -> None:
        from . import selectors

        selectors.watch()
