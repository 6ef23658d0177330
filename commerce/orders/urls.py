from django.urls import path

from . import aftersale_views, views

app_name = "orders"

urlpatterns = [
    path("checkout/", views.checkout, name="checkout"),
    path("checkout/review/", views.review, name="review"),
    path("checkout/shipping/", views.shipping, name="shipping"),
    path("checkout/place/", views.place, name="place"),
    path("orders/lookup/", views.order_lookup, name="lookup"),
    path("orders/<str:number>/", views.order_detail, name="detail"),
    path("orders/<str:number>/cancel/", aftersale_views.order_cancel, name="cancel"),
    path("orders/<str:number>/return/", aftersale_views.order_return, name="return"),
]
