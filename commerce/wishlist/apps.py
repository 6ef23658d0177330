from django.apps import AppConfig


class WishlistConfig(AppConfig):
    name = "commerce.wishlist"
    label = "wishlist"
    verbose_name = "Wishlists"
