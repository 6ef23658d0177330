from django.apps import AppConfig


class WishlistConfig(AppConfig):
    name = "commerce.wishlist"
    label = "wishlist"
    verbose_name = "Wishlists"

    def ready(self) -> None:
        from commerce.page_sections import add_section

        from . import live, watch
        from .sections import save_button

        add_section("product:buy", save_button)
        watch.register()
        live.register()
