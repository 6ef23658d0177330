from django.urls import path

from . import views

app_name = "wishlist"

urlpatterns = [
    path("wishlist/", views.wishlist_detail, name="detail"),
    path("wishlist/<int:product_pk>/save/", views.wishlist_save, name="save"),
    path("wishlist/<int:product_pk>/remove/", views.wishlist_remove, name="remove"),
    path("wishlist/<int:product_pk>/move/", views.wishlist_move, name="move"),
]
