from django.apps import AppConfig


class RecommendationsConfig(AppConfig):
    name = "commerce.recommendations"
    label = "recommendations"
    verbose_name = "Recommendations"

    def ready(self) -> None:
        from commerce.page_sections import add_section

        from . import sections

        # After the other areas' parts below a product (reviews come first).
        add_section("product:after", sections.product_after, order=20)
        add_section("cart:after", sections.cart_after, order=20)
