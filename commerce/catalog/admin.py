from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from import_export.admin import ImportExportMixin

from commerce.search.services import search_products_sync_on_commit

from .cache import catalog_changed_on_commit
from .images import image_renditions_on_commit
from .live import price_changed, stock_publish
from .models import Category, Product, ProductImage, Variant
from .resources import UploadStorage, VariantResource


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin[Category]):
    list_display = ("name", "path", "slug", "position")
    list_editable = ("position",)
    list_select_related = ("parent__parent__parent",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("parent",)  # the model's clean() refuses a parent under the category itself
    fieldsets = (
        (None, {"fields": ("name", "slug", "parent", "description", "position")}),
        ("SEO", {"fields": ("seo_title", "seo_description"), "classes": ("collapse",)}),
    )

    @admin.display(description="Path")
    def path(self, obj: Category) -> str:
        names: list[str] = []
        seen: set[int] = set()
        current: Category | None = obj
        while current is not None and current.pk not in seen:
            seen.add(current.pk)
            names.insert(0, current.name)
            current = current.parent
        return " › ".join(names)

    def save_model(self, request: HttpRequest, obj: Category, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and {"name", "slug"} & set(form.changed_data):  # the search shows and filters by them
            search_products_sync_on_commit(product_pks=obj.products.values_list("pk", flat=True))


class VariantInline(admin.TabularInline[Variant, Product]):
    model = Variant
    extra = 1
    fields = ("sku", "name", "options", "price", "compare_at_price", "weight", "stock", "position", "is_active")


class ProductImageInline(admin.TabularInline[ProductImage, Product]):
    model = ProductImage
    extra = 1
    fields = ("image", "alt", "position")


class DeletedFilter(admin.SimpleListFilter):
    title = "deleted"
    parameter_name = "deleted"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[Product]) -> list[tuple[str, str]]:
        return [("no", "Live"), ("yes", "Deleted")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Product]) -> QuerySet[Product]:
        if self.value() == "no":
            return queryset.filter(deleted_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(deleted_at__isnull=False)
        return queryset


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin[Product]):
    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        super().save_formset(request, form, formset, change)
        if formset.model is Variant:
            changed = [
                f.instance.pk for f in formset.forms if f.instance.pk and {"stock", "is_active"} & set(f.changed_data)
            ]
            if changed:
                stock_publish(changed)
            repriced = [f.instance.pk for f in formset.forms if f.instance.pk and "price" in f.changed_data]
            if repriced:
                price_changed(repriced)
        if formset.model is ProductImage:  # a new or replaced picture: its sizes are made after commit
            uploaded = [f.instance.pk for f in formset.forms if f.instance.pk and "image" in f.changed_data]
            image_renditions_on_commit(image_pks=uploaded)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        search_products_sync_on_commit(product_pks=[form.instance.pk])  # name, price, SKUs, stock...

    list_display = ("name", "category", "is_published", "deleted_at", "created_at")
    list_filter = ("category", "is_published", DeletedFilter)
    search_fields = ("name", "slug", "description", "variants__sku")
    prepopulated_fields = {"slug": ("name",)}
    list_select_related = ("category",)
    inlines = (VariantInline, ProductImageInline)
    actions = ("soft_delete", "restore")
    fieldsets = (
        (None, {"fields": ("category", "name", "slug", "description", "is_published")}),
        ("SEO", {"fields": ("seo_title", "seo_description"), "classes": ("collapse",)}),
        ("Lifecycle", {"fields": ("created_at", "deleted_at")}),
    )

    @admin.action(description="Delete (hide from the store, keep history)")
    def soft_delete(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        pks = list(queryset.filter(deleted_at__isnull=True).values_list("pk", flat=True))
        count = Product.objects.filter(pk__in=pks).update(deleted_at=timezone.now())
        catalog_changed_on_commit()  # update() sends no post_save
        search_products_sync_on_commit(product_pks=pks)
        self.message_user(request, f"{count} product(s) hidden from the store.")

    @admin.action(description="Restore deleted products")
    def restore(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        pks = list(queryset.filter(deleted_at__isnull=False).values_list("pk", flat=True))
        count = Product.objects.filter(pk__in=pks).update(deleted_at=None)
        catalog_changed_on_commit()  # update() sends no post_save
        search_products_sync_on_commit(product_pks=pks)
        self.message_user(request, f"{count} product(s) restored.")


@admin.register(Variant)
class VariantAdmin(ImportExportMixin, admin.ModelAdmin[Variant]):  # type: ignore[misc]
    # Import and export of the catalog, one row per variant (commerce/catalog/resources.py).
    resource_classes = [VariantResource]
    tmp_storage_class = UploadStorage
    import_perms = ("add_product", "change_product", "add_variant", "change_variant", "add_productimage")

    def has_import_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perms([f"catalog.{perm}" for perm in self.import_perms])

    def has_export_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("catalog.view_variant")

    def save_model(self, request: HttpRequest, obj: Variant, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change or {"stock", "is_active"} & set(form.changed_data):
            stock_publish([obj.pk])  # an edited stock figure reaches open pages
        if change and "price" in form.changed_data:
            price_changed([obj.pk])
        search_products_sync_on_commit(product_pks=[obj.product_id])

    list_display = ("sku", "product", "name", "price", "stock", "is_active")
    list_filter = ("is_active", "product__category")
    list_editable = ("stock", "is_active")
    search_fields = ("sku", "name", "product__name")
    list_select_related = ("product",)
    autocomplete_fields = ("product",)
