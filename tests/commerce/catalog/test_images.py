import io
import re
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from django.utils.module_loading import import_string
from PIL import Image

from commerce.catalog.images import ImageError, image_renditions_generate, image_renditions_on_commit
from commerce.catalog.models import ProductImage
from project.storage import media_origins, media_storage, with_media_origins
from tests.factories import ProductFactory, UserFactory, VariantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def picture_bytes(width: int, height: int, fmt: str = "JPEG", mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, (width, height), (200, 80, 40, 128) if mode == "RGBA" else (200, 80, 40)).save(buffer, format=fmt)
    return buffer.getvalue()


def product_image(width: int = 1600, height: int = 1200, fmt: str = "JPEG", mode: str = "RGB") -> ProductImage:
    image = ProductImage(product=ProductFactory(), alt="Red tee")
    image.image.save(f"tee.{fmt.lower()}", ContentFile(picture_bytes(width, height, fmt, mode)), save=True)
    return image


def render(source: str, **context: object) -> str:
    return Template("{% load images %}" + source).render(Context(context))


def test_renditions_are_made_at_each_width_as_webp_and_jpeg(media):
    image = image_renditions_generate(image=product_image(1600, 1200))

    files = image.renditions["files"]
    assert [(f["width"], f["height"]) for f in files] == [
        (96, 72),
        (160, 120),
        (320, 240),
        (480, 360),
        (640, 480),
        (960, 720),
        (1200, 900),
    ]
    assert (image.renditions["width"], image.renditions["height"]) == (1600, 1200)
    assert image.renditions["name"] == image.image.name
    for f in files:
        assert re.fullmatch(rf"products/renditions/{image.pk}-[0-9a-f]{{12}}-{f['width']}\.webp", f["webp"])
        assert f["jpeg"] == f["webp"].removesuffix(".webp") + ".jpg"
        with Image.open(media / f["webp"]) as webp, Image.open(media / f["jpeg"]) as jpeg:
            assert (webp.format, webp.size) == ("WEBP", (f["width"], f["height"]))
            assert (jpeg.format, jpeg.size) == ("JPEG", (f["width"], f["height"]))
    image.refresh_from_db()
    assert image.renditions["files"] == files  # kept on the row


def test_a_small_original_is_never_upscaled():
    image = image_renditions_generate(image=product_image(600, 600))

    assert [f["width"] for f in image.renditions["files"]] == [96, 160, 320, 480, 600]
    tiny = image_renditions_generate(image=product_image(50, 80))
    assert [(f["width"], f["height"]) for f in tiny.renditions["files"]] == [(50, 80)]


def test_transparent_png_becomes_webp_with_alpha_and_jpeg_on_white(media):
    image = image_renditions_generate(image=product_image(200, 200, "PNG", "RGBA"))

    top = image.renditions["files"][-1]
    with Image.open(media / top["webp"]) as webp, Image.open(media / top["jpeg"]) as jpeg:
        assert webp.mode == "RGBA"
        assert webp.getpixel((0, 0)) == pytest.approx((200, 80, 40, 128), abs=3)
        assert jpeg.mode == "RGB"
        assert jpeg.getpixel((0, 0)) == pytest.approx((227, 167, 147), abs=3)  # half of it over white


def test_making_them_again_is_a_no_op_and_a_new_original_replaces_them(media, django_capture_on_commit_callbacks):
    image = image_renditions_generate(image=product_image(800, 800))
    first = image.renditions
    written = sorted(p.name for p in (media / "products/renditions").iterdir())

    again = image_renditions_generate(image=ProductImage.objects.get(pk=image.pk))
    assert again.renditions == first
    assert sorted(p.name for p in (media / "products/renditions").iterdir()) == written  # nothing new, no copies

    forced = image_renditions_generate(image=ProductImage.objects.get(pk=image.pk), force=True)
    assert forced.renditions == first  # same names: made from the same bytes

    image.image.save("other.jpg", ContentFile(picture_bytes(400, 200)), save=True)
    with django_capture_on_commit_callbacks(execute=True):
        replaced = image_renditions_generate(image=image)
    assert replaced.renditions["source"] != first["source"]
    assert [f["width"] for f in replaced.renditions["files"]] == [96, 160, 320, 400]
    left = {p.name for p in (media / "products/renditions").iterdir()}
    assert left == {Path(f[fmt]).name for f in replaced.renditions["files"] for fmt in ("webp", "jpeg")}


def test_a_file_that_is_not_a_picture_is_refused_and_nothing_recorded(media):
    image = ProductImage(product=ProductFactory())
    image.image.save("notes.jpg", ContentFile(b"not a picture at all"), save=True)

    with pytest.raises(ImageError) as caught:
        image_renditions_generate(image=image)

    assert caught.value.message == "This file is not a picture we can read (use JPEG, PNG or WebP)."
    image.refresh_from_db()
    assert image.renditions == {}
    assert not (media / "products/renditions").exists()


def test_sizes_asked_for_are_made_after_commit(django_capture_on_commit_callbacks):
    image = product_image(700, 700)
    with django_capture_on_commit_callbacks(execute=True):
        image_renditions_on_commit(image_pks=[image.pk])
    image.refresh_from_db()
    assert [f["width"] for f in image.renditions["files"]] == [96, 160, 320, 480, 640, 700]


def test_command_makes_the_missing_ones_only(capsys):
    done = image_renditions_generate(image=product_image(300, 300))
    missing = product_image(500, 250)
    broken = ProductImage(product=ProductFactory())
    broken.image.save("broken.jpg", ContentFile(b"nope"), save=True)

    call_command("image_renditions")

    missing.refresh_from_db()
    assert [f["width"] for f in missing.renditions["files"]] == [96, 160, 320, 480, 500]
    assert ProductImage.objects.get(pk=done.pk).renditions == done.renditions
    out = capsys.readouterr()
    assert "1 image(s) given their sizes, 0 up to date." in out.out
    assert f"Image {broken.pk} (products/broken.jpg): This file is not a picture" in out.err


def test_tag_renders_a_picture_with_srcset_sizes_and_the_box():
    image = image_renditions_generate(image=product_image(1600, 1200))
    stem = f"/media/products/renditions/{image.pk}-{image.renditions['source']}"

    html = render('{% product_image image "card" alt=alt %}', image=image, alt="Red <b>tee</b>")

    webp = ", ".join(f"{stem}-{w}.webp {w}w" for w in (160, 320, 480, 640, 960))
    jpeg = ", ".join(f"{stem}-{w}.jpg {w}w" for w in (160, 320, 480, 640, 960))
    sizes = "(max-width: 760px) 50vw, 320px"
    assert html == (
        f'<picture><source type="image/webp" srcset="{webp}" sizes="{sizes}">'
        f'<img src="{stem}-960.jpg" srcset="{jpeg}" sizes="{sizes}" alt="Red &lt;b&gt;tee&lt;/b&gt;" '
        'width="320" height="240" loading="lazy" decoding="async"></picture>'
    )


def test_tag_main_picture_loads_first_and_thumbs_stay_small():
    image = image_renditions_generate(image=product_image(1600, 1600))

    main = render('{% product_image image "full" lazy=False priority=True css_class="product__image" %}', image=image)
    thumb = render('{% product_image image "thumb" sizes="64px" box=64 %}', image=image)

    assert 'class="product__image"' in main
    assert 'fetchpriority="high"' in main
    assert "loading=" not in main
    assert re.findall(r"-(\d+)\.webp (\d+)w", main) == [(w, w) for w in ("320", "480", "640", "960", "1200")]
    assert re.findall(r"-(\d+)\.jpg (\d+)w", thumb) == [(w, w) for w in ("96", "160", "320")]
    assert 'sizes="64px"' in thumb
    assert 'width="64" height="64" loading="lazy"' in thumb


def test_tag_without_renditions_shows_the_original():
    image = product_image(900, 900)

    html = render('{% product_image image "card" alt="Red tee" %}', image=image)

    assert html == (
        f'<img src="/media/{image.image.name}" alt="Red tee" width="320" height="320" loading="lazy" decoding="async">'
    )


def test_tag_shows_a_replaced_original_until_its_own_sizes_are_made():
    image = image_renditions_generate(image=product_image(900, 900))
    image.image.save("back.jpg", ContentFile(picture_bytes(500, 500)), save=True)

    html = render('{% product_image image "thumb" alt="Back" %}', image=image)

    assert html == (
        f'<img src="/media/{image.image.name}" alt="Back" width="80" height="80" loading="lazy" decoding="async">'
    )


def test_catalog_and_product_pages_use_the_renditions():
    image = image_renditions_generate(image=product_image(1200, 1200))
    VariantFactory(product=image.product, stock=5)
    client = Client()

    listing = client.get(reverse("catalog:list")).content.decode()
    page = client.get(image.product.get_absolute_url()).content.decode()

    assert f'srcset="/media/products/renditions/{image.pk}-' in listing
    assert 'sizes="(max-width: 760px) 50vw, 320px"' in listing
    assert re.search(
        r'<img class="product__image" src="[^"]+-1200\.jpg" srcset="[^"]+" sizes="[^"]+" alt="Red tee"', page
    )
    assert 'fetchpriority="high"' in page


def test_media_cache_headers(media):
    image = image_renditions_generate(image=product_image(200, 200))
    client = Client()

    rendition = client.get(f"/media/{image.renditions['files'][0]['webp']}")
    original = client.get(f"/media/{image.image.name}")

    assert rendition.status_code == 200
    assert rendition["Content-Type"] == "image/webp"
    assert rendition["Cache-Control"] == "public, max-age=31536000, immutable"
    assert original.status_code == 200
    assert original["Cache-Control"] == "public, max-age=86400"
    assert client.get("/media/products/renditions/nope.webp").status_code == 404
    assert client.get("/media/../secret").status_code in {400, 404}  # never a file outside MEDIA_ROOT


def test_storage_is_the_disk_by_default_and_s3_when_configured():
    assert media_storage({}) == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    assert media_storage({"MEDIA_STORAGE": "filesystem", "AWS_STORAGE_BUCKET_NAME": "b"})["BACKEND"].endswith(
        "FileSystemStorage"
    )
    env = {
        "MEDIA_STORAGE": "s3",
        "AWS_STORAGE_BUCKET_NAME": "shop-media",
        "AWS_S3_ENDPOINT_URL": "https://minio.internal:9000",
        "AWS_S3_REGION_NAME": "eu-west-1",
    }
    assert media_storage(env) == {
        "BACKEND": "project.s3_media.MediaS3Storage",
        "OPTIONS": {
            "bucket_name": "shop-media",
            "querystring_auth": False,
            "file_overwrite": False,
            "endpoint_url": "https://minio.internal:9000",
            "region_name": "eu-west-1",
        },
    }
    assert media_storage({"AWS_STORAGE_BUCKET_NAME": "shop-media"})["BACKEND"] == "project.s3_media.MediaS3Storage"
    assert media_origins(env) == ["https://minio.internal:9000"]
    assert media_origins({"AWS_STORAGE_BUCKET_NAME": "b", "AWS_S3_CUSTOM_DOMAIN": "cdn.example.com/media"}) == [
        "https://cdn.example.com"
    ]
    policy = {"DIRECTIVES": {"img-src": ["'self'", "data:"], "script-src": ["'self'"]}}
    assert with_media_origins(policy, env)["DIRECTIVES"]["img-src"] == [
        "'self'",
        "data:",
        "https://minio.internal:9000",
    ]
    assert with_media_origins(policy, {}) is policy


@pytest.mark.parametrize("env", [{"MEDIA_STORAGE": "s3"}, {"MEDIA_STORAGE": "ftp"}])
def test_storage_misconfigured_is_an_error(env):
    with pytest.raises(ImproperlyConfigured):
        media_storage(env)


def test_s3_storage_class_sets_cache_control_per_file():
    storage_class = import_string(media_storage({"AWS_STORAGE_BUCKET_NAME": "b"})["BACKEND"])
    storage = storage_class(bucket_name="b", region_name="eu-west-1")  # no request is made here

    assert storage.get_object_parameters("products/renditions/1-abc-96.webp") == {
        "CacheControl": "public, max-age=31536000, immutable"
    }
    assert storage.get_object_parameters("products/tee.jpg") == {"CacheControl": "public, max-age=86400"}


def form_data(form) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """What a browser would post for a Django form as the admin shows it."""
    data: dict[str, object] = {}
    for bound in form:
        value = bound.value()
        if value is None or value is False or getattr(bound.field.widget, "input_type", "") == "file":
            continue
        widget = bound.field.widget
        if hasattr(widget, "decompress") and not isinstance(value, list):
            for i, part in enumerate(widget.decompress(value)):
                data[f"{bound.html_name}_{i}"] = "" if part is None else part
            continue
        data[bound.html_name] = "on" if value is True else value
    return data


def test_a_picture_uploaded_in_the_admin_gets_its_sizes(client, django_capture_on_commit_callbacks):
    product = VariantFactory(stock=3).product
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = reverse("admin:catalog_product_change", args=[product.pk])
    page = client.get(url)
    data = form_data(page.context["adminform"].form)
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        data |= form_data(formset.management_form)
        data[f"{formset.prefix}-TOTAL_FORMS"] = len(formset.initial_forms)
        for form in formset.initial_forms:
            data |= form_data(form)
    data |= {
        "images-TOTAL_FORMS": 1,
        "images-0-image": SimpleUploadedFile("front.png", picture_bytes(700, 350, "PNG"), "image/png"),
        "images-0-alt": "Front",
        "images-0-position": 0,
    }

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)

    assert response.status_code == 302
    image = ProductImage.objects.get(product=product)
    assert image.alt == "Front"
    assert [(f["width"], f["height"]) for f in image.renditions["files"]] == [
        (96, 48),
        (160, 80),
        (320, 160),
        (480, 240),
        (640, 320),
        (700, 350),
    ]
