from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "commerce.reviews"
    label = "reviews"
    verbose_name = "Reviews"

    def ready(self) -> None:
        from commerce.page_sections import add_section

        from . import live, sections

        live.register()
        add_section("product:after", sections.reviews_section, order=10)
