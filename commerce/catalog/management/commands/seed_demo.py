"""Fill an empty store with the demo catalog and accounts; safe to run again."""

from datetime import timedelta
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from commerce.accounts.models import User
from commerce.catalog import demo
from commerce.catalog.models import Category, Product, ProductImage, Variant
from commerce.discounts.demo import seed_discounts
from commerce.search.errors import SearchUnavailable
from commerce.search.services import search_products_sync
from commerce.shipping.demo import seed_shipping
from commerce.tax.demo import seed_tax_rates

ACCOUNTS = [
    ("shopper@example.com", "shopper-pass-123", "Sam", False, None),
    ("support@example.com", "support-pass-123", "Sky", True, "support"),
    ("ops@example.com", "ops-pass-123", "Oli", True, "ops"),
]
# What each demo role may do in the admin beyond the pages of its role: ops keep the catalog (restock,
# prices, pictures) and see who waits for what; support sees the catalog and the reviews.
ROLE_PERMISSIONS = {
    "ops": {"catalog": ("view", "add", "change"), "alerts": ("view", "change"), "reviews": ("view", "change")},
    "support": {"catalog": ("view",), "reviews": ("view", "change")},
}


class Command(BaseCommand):
    help = "Create the demo catalog (categories, products, variants, pictures, stock) and the demo accounts."

    def handle(self, *args: Any, **options: Any) -> None:
        created = self._catalog()
        # The pictures' sizes (thumbnail, card, full; commerce/catalog/images.py), also for a demo store
        # seeded before there were any.
        call_command("image_renditions", stdout=self.stdout)
        self._accounts()
        seed_shipping()
        seed_tax_rates()
        seed_discounts()
        # The demo shopper's delivered orders and their reviews, so ratings and "Customers also bought"
        # show; by command name: the catalog imports none of the areas that build on it.
        call_command("demo_orders", stdout=self.stdout)
        call_command("demo_reviews", stdout=self.stdout)
        try:
            search_products_sync(product_pks=list(Product.objects.values_list("pk", flat=True)))
        except SearchUnavailable as exc:
            self.stderr.write(f"Search index not updated ({exc}); run `manage.py search_index --rebuild` later.")
        self.stdout.write(self.style.SUCCESS(f"Demo store ready ({created} new products)."))

    @transaction.atomic
    def _catalog(self) -> int:
        created_count = 0
        now = timezone.now()
        for position, spec in enumerate(demo.CATEGORIES):
            parent = None
            if spec.slug in demo.PARENTS:
                parent_name, parent_slug = demo.PARENTS[spec.slug]
                parent, parent_created = Category.objects.get_or_create(
                    slug=parent_slug, defaults={"name": parent_name, "description": f"Our {parent_name.lower()}."}
                )
                if parent_created:  # a demo seeded before categories nested: its categories move under it
                    Category.objects.filter(slug__in=demo.children_of(parent_slug), parent__isnull=True).update(
                        parent=parent
                    )
            category, _ = Category.objects.get_or_create(
                slug=spec.slug,
                defaults={
                    "name": spec.name,
                    "parent": parent,
                    "position": position,
                    "description": f"Our {spec.name.lower()}.",
                },
            )
            for index, (name, colour) in enumerate(spec.products):
                # Spread creation times so "newest" is a meaningful order.
                product, created = Product.objects.get_or_create(
                    slug=slugify(name),
                    defaults={
                        "category": category,
                        "name": name,
                        "description": demo.description_for(name, spec, colour),
                        "seo_title": f"{name} · {colour}",
                        "seo_description": f"{name} in {colour.lower()}, from the {spec.name.lower()} range.",
                        "created_at": now - timedelta(days=position * 7 + index),
                    },
                )
                created_count += created
                prefix = "".join(word[0] for word in name.split()).upper()
                for opt_index, (label, extra) in enumerate(spec.options):
                    sku = f"{spec.slug[:3].upper()}-{prefix}{index}-{slugify(label).upper()}"
                    Variant.objects.get_or_create(
                        sku=sku,
                        defaults={
                            "product": product,
                            "name": f"{label} / {colour}",
                            "options": {"size": label, "colour": colour},
                            "price": spec.base_price + extra,
                            "compare_at_price": demo.compare_at_for(name, spec.base_price + extra),
                            "stock": demo.stock_for(sku, name),
                            "position": opt_index,
                        },
                    )
                if not product.images.exists():
                    for view in (False, True):
                        picture = demo.product_picture(name, spec.kind, colour, alt_view=view)
                        image = ProductImage(product=product, alt=f"{name} in {colour.lower()}", position=int(view))
                        image.image.save(f"{product.slug}-{int(view) + 1}.jpg", ContentFile(picture), save=True)
        return created_count

    def _accounts(self) -> None:
        for email, password, first_name, staff, role in ACCOUNTS:
            user, created = User.objects.get_or_create(
                email=email, defaults={"first_name": first_name, "is_staff": staff}
            )
            if created:
                user.set_password(password)
                user.save(update_fields=["password"])
            if role:
                group, _ = Group.objects.get_or_create(name=role)
                user.groups.add(group)
                for app_label, actions in ROLE_PERMISSIONS[role].items():
                    group.permissions.add(
                        *Permission.objects.filter(
                            content_type__app_label=app_label, codename__regex=rf"^({'|'.join(actions)})_"
                        )
                    )
