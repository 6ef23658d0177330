from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "commerce.search"
    label = "search"
    verbose_name = "Search"
