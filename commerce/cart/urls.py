from django.urls import path

from . import views

app_name = "cart"

urlpatterns = [
    path("", views.cart_detail, name="detail"),
    path("add/", views.cart_add, name="add"),
    path("items/<int:variant_pk>/", views.cart_line_update, name="update"),
    path("items/<int:variant_pk>/remove/", views.cart_line_remove, name="remove"),
    path("discount/", views.cart_discount, name="discount"),
    path("discount/remove/", views.cart_discount_remove, name="discount_remove"),
    path("estimate/", views.cart_estimate, name="estimate"),
]
