from django.urls import path

from . import ops_views, views

app_name = "reviews"
urlpatterns = [
    path("reviews/<int:product>/", views.review_list, name="list"),
    path("reviews/<int:product>/post/", views.review_post, name="post"),
    path("ops/reviews/", ops_views.moderation, name="moderation"),
    path("ops/reviews/<int:review>/<str:action>/", ops_views.moderation_act, name="act"),
]
