from django.apps import AppConfig


class RecommendationsConfig(AppConfig):
    name = "commerce.recommendations"
    label = "recommendations"
    verbose_name = "Recommendations"
