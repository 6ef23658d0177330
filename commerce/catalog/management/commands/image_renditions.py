"""Make the sizes of product pictures that have none (uploaded before renditions, or a failed run)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from commerce.catalog.images import ImageError, image_renditions_generate, images_missing_renditions
from commerce.catalog.models import ProductImage


class Command(BaseCommand):
    help = "Generate missing product image renditions (--all: check every image; --force: make them all again)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--all", action="store_true", help="Check every image (a replaced original too).")
        parser.add_argument("--force", action="store_true", help="Make every image's sizes again.")

    def handle(self, *args: Any, **options: Any) -> None:
        force = options["force"]
        images = list(ProductImage.objects.order_by("pk")) if options["all"] or force else images_missing_renditions()
        made = failed = 0
        for image in images:
            before = image.renditions
            try:
                image = image_renditions_generate(image=image, force=force)
            except (ImageError, OSError) as exc:
                failed += 1
                self.stderr.write(f"Image {image.pk} ({image.image.name}): {exc}")
                continue
            made += image.renditions is not before
        self.stdout.write(
            self.style.SUCCESS(f"{made} image(s) given their sizes, {len(images) - made - failed} up to date.")
        )
        if failed:
            self.stderr.write(f"{failed} image(s) could not be read.")
