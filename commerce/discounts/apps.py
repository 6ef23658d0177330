from django.apps import AppConfig


class DiscountsConfig(AppConfig):
    name = "commerce.discounts"
    label = "discounts"
    verbose_name = "Discounts"
