from django.apps import AppConfig


class CartConfig(AppConfig):
    name = "commerce.cart"
    label = "cart"
    verbose_name = "Carts"

    def ready(self) -> None:
        from . import live

        live.register()
