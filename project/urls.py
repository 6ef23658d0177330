from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from commerce.catalog import sitemaps
from project import health, media, metrics
from realtime.views import live_extend

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("robots.txt", sitemaps.robots_txt, name="robots"),
    path("sitemap.xml", sitemaps.sitemap_index, name="sitemap"),
    path("sitemap-<slug:section>.xml", sitemaps.sitemap_section, name="sitemap-section"),
    path("api/", include("commerce.api.urls")),  # the JSON API (commerce/api/)
    path("live/extend/", live_extend, name="live_extend"),
    path("accounts/", include("commerce.accounts.urls")),
    path("cart/", include("commerce.cart.urls")),
    path("notifications/", include("commerce.notifications.urls")),
    path("search/", include("commerce.search.urls")),
    path("ops/", include("commerce.ops.urls")),
    path("", include("commerce.payments.urls")),  # /payments/stripe/webhook/, /checkout/pay/<number>/
    path("", include("commerce.invoices.urls")),  # /orders/<number>/invoice.pdf, credit notes
    path("", include("commerce.orders.urls")),
    path("", include("commerce.support.urls")),  # /help/... (customers), /support/... (staff)
    path("", include("commerce.alerts.urls")),  # /alerts/... (back-in-stock sign-ups)
    path("", include("commerce.reviews.urls")),  # /reviews/... (shoppers), /ops/reviews/... (staff)
    path("", include("commerce.webhooks.urls")),  # /ops/webhooks/... (staff)
    path("", include("commerce.wishlist.urls")),  # /wishlist/
    path("", include("commerce.catalog.urls")),
]

if settings.SERVE_MEDIA:
    prefix = settings.MEDIA_URL.lstrip("/")
    urlpatterns += [re_path(rf"^{prefix}(?P<path>.*)$", media.media)]  # with its cache headers (project/media.py)

admin.site.site_header = f"{settings.STORE_NAME} admin"
admin.site.site_title = settings.STORE_NAME
