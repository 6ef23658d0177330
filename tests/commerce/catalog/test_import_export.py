"""Merchants load the catalog from a spreadsheet and take it back out (commerce/catalog/resources.py)."""

import csv
import http.server
import io
import threading
from decimal import Decimal

import pytest
import tablib
from django.contrib.auth.models import Permission
from django.urls import reverse
from PIL import Image as PILImage

from commerce.catalog.models import Product, ProductImage, Variant
from commerce.catalog.resources import VariantResource
from tests.factories import CategoryFactory, ProductFactory, UserFactory, VariantFactory
from tests.races import race

pytestmark = pytest.mark.django_db
HEADER = (
    "product_slug,product_name,category,description,published,sku,variant_name,options,"
    "price,compare_at_price,stock,weight,active,images"
)
IMPORT_URL = reverse("admin:catalog_variant_import")


def catalog_csv(products: int, *, variants: int = 1) -> str:
    lines = [HEADER]
    for p in range(products):
        for v in range(variants):
            sale = f"{20 + p % 7}.00" if p % 5 == 0 else ""
            lines.append(
                f'tee-{p:04d},"Tee {p}, cotton",{"shirts" if p % 2 else "tops"},"Soft ""heavy"" tee",'
                f"{'yes' if p % 9 else 'no'},TEE-{p:04d}-{v},Size {v},size={v};colour=Navy,"
                f"{10 + p % 7}.{p % 100:02d},{sale},{p % 13},{100 + v},yes,"
            )
    return "\r\n".join(lines) + "\r\n"


def dataset(text: str) -> tablib.Dataset:
    return tablib.Dataset().load(text, format="csv")


def import_csv(text: str, *, dry_run: bool):  # type: ignore[no-untyped-def]
    return VariantResource().import_data(dataset(text), dry_run=dry_run)


def exported_csv() -> str:
    return VariantResource().export().csv


def invalid(result) -> dict[int, dict[str, list[str]]]:  # type: ignore[no-untyped-def]
    return {row.number: row.error_dict for row in result.invalid_rows}


@pytest.fixture
def categories():  # type: ignore[no-untyped-def]
    return CategoryFactory(slug="shirts", name="Shirts"), CategoryFactory(slug="tops", name="Tops")


@pytest.mark.timeout(300)  # about a minute: 1,000 rows imported twice, exported twice
@pytest.mark.usefixtures("categories")
def test_a_thousand_products_dry_run_then_import_then_export_back_identically():
    text = catalog_csv(1000)

    dry = import_csv(text, dry_run=True)

    assert not dry.has_errors()
    assert not dry.has_validation_errors()
    assert dry.totals["new"] == 1000
    first = dict(zip(dry.diff_headers, dry.rows[0].diff, strict=True))  # what would change, row by row
    assert first["product_slug"] == '<ins style="background:#e6ffe6;">tee-0000</ins>'
    assert first["product_name"] == '<ins style="background:#e6ffe6;">Tee 0, cotton</ins>'
    assert Product.objects.count() == 0
    assert Variant.objects.count() == 0

    real = import_csv(text, dry_run=False)

    assert real.totals["new"] == 1000
    assert Product.objects.count() == 1000
    variant = Variant.objects.select_related("product__category").get(sku="TEE-0005-0")
    assert variant.product.name == "Tee 5, cotton"
    assert variant.product.category.slug == "shirts"
    assert variant.product.description == 'Soft "heavy" tee'
    assert variant.options == {"size": "0", "colour": "Navy"}
    assert (variant.price, variant.compare_at_price, variant.stock, variant.weight) == (
        Decimal("15.05"),
        Decimal("25.00"),
        5,
        100,
    )
    assert Product.objects.get(slug="tee-0009").is_published is False

    assert exported_csv() == text

    again = import_csv(exported_csv(), dry_run=True)
    assert again.totals["skip"] == 1000  # nothing would change
    assert again.totals["update"] == again.totals["new"] == 0


@pytest.mark.usefixtures("categories")
def test_products_with_several_variants_and_an_update_of_some():
    import_csv(catalog_csv(3, variants=2), dry_run=False)
    assert Product.objects.count() == 3
    assert list(Product.objects.get(slug="tee-0001").variants.values_list("sku", flat=True)) == [
        "TEE-0001-0",
        "TEE-0001-1",
    ]

    changed = catalog_csv(3, variants=2).replace(
        ",TEE-0002-1,Size 1,size=1;colour=Navy,12.02,", ",TEE-0002-1,Size 1,size=1;colour=Navy,9.99,"
    )
    result = import_csv(changed, dry_run=False)

    assert (result.totals["update"], result.totals["skip"]) == (1, 5)
    assert Variant.objects.get(sku="TEE-0002-1").price == Decimal("9.99")


def bad_file() -> str:
    rows = catalog_csv(6).split("\r\n")
    rows[2] = rows[2].replace(",11.01,", ",-1.00,")  # line 3: negative price
    rows[3] = rows[3].replace(",tops,", ",hats,")  # line 4: no such category
    rows[5] = rows[5].replace("TEE-0004-0", "TEE-0000-0")  # line 6: the SKU of line 2
    rows[6] = rows[6].replace(",5,100,", ",five,100,")  # line 7: stock not a number
    return "\r\n".join(rows)


@pytest.mark.usefixtures("categories")
def test_bad_rows_are_reported_by_line_and_nothing_is_saved():
    for dry_run in (True, False):
        result = import_csv(bad_file(), dry_run=dry_run)

        errors = invalid(result)
        assert sorted(errors) == [3, 4, 6, 7]
        assert errors[3] == {"price": ["Ensure this value is greater than or equal to 0.00."]}
        assert errors[4] == {"category": ['No category has the slug "hats".']}
        assert errors[6] == {"sku": ['SKU "TEE-0000-0" is on line 2 of this file already.']}
        assert errors[7] == {"stock": ['"five" is not a number.']}
        assert Product.objects.count() == 0  # lines 2 and 5 were fine: all or nothing
        assert Variant.objects.count() == 0


@pytest.mark.usefixtures("categories")
def test_an_existing_sku_is_updated_and_a_failed_import_leaves_it_as_it_was():
    VariantFactory(sku="TEE-0000-0", stock=40, price=Decimal("50.00"))
    text = catalog_csv(2).replace(",11.01,,", ",11.01,9.00,")  # line 3: on sale below the price

    result = import_csv(text, dry_run=False)

    assert invalid(result) == {3: {"__all__": ["The price before the sale must be above the price."]}}
    assert Variant.objects.get(sku="TEE-0000-0").stock == 40
    assert Product.objects.count() == 1


@pytest.mark.usefixtures("categories")
def test_rows_of_one_product_must_agree():
    rows = catalog_csv(1, variants=2).split("\r\n")
    rows[2] = rows[2].replace('"Tee 0, cotton"', "Other name")

    assert invalid(import_csv("\r\n".join(rows), dry_run=True)) == {
        3: {"product_slug": ['Product "tee-0000" has other product_name on line 2.']}
    }


@pytest.mark.usefixtures("categories")
def test_images_are_attached_by_media_path_and_bad_ones_are_refused(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "products").mkdir()
    (tmp_path / "products" / "tee.jpg").write_bytes(b"\xff\xd8\xff\xd9")
    text = catalog_csv(1).replace(",yes,\r\n", ",yes,products/tee.jpg\r\n")

    import_csv(text, dry_run=False)

    assert list(ProductImage.objects.values_list("image", flat=True)) == ["products/tee.jpg"]
    assert exported_csv() == text
    assert import_csv(text, dry_run=False).totals["skip"] == 1  # attached once
    assert ProductImage.objects.count() == 1

    for image, message in [
        ("ftp://example.com/a.jpg", "give an http(s) address or a path inside the media storage"),
        ("../secret.jpg", "give a path inside the media storage"),
        ("products/missing.jpg", '"products/missing.jpg" is not in the media storage.'),
    ]:
        errors = invalid(import_csv(catalog_csv(1).replace(",yes,\r\n", f",yes,{image}\r\n"), dry_run=True))
        assert message in errors[2]["images"][0]


@pytest.mark.usefixtures("categories")
def test_an_imported_picture_gets_its_sizes_once_the_import_commits(
    settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "products").mkdir()
    PILImage.new("RGB", (800, 800), "navy").save(tmp_path / "products" / "tee.jpg", "JPEG")
    text = catalog_csv(1).replace(",yes,\r\n", ",yes,products/tee.jpg\r\n")

    with django_capture_on_commit_callbacks(execute=True) as dry:
        import_csv(text, dry_run=True)
    with django_capture_on_commit_callbacks(execute=True):
        import_csv(text, dry_run=False)

    assert dry == []  # a dry run makes nothing
    image = ProductImage.objects.get()
    assert [f["width"] for f in image.renditions["files"]][-1] == 800  # up to its own width, never more
    assert all((tmp_path / f["webp"]).exists() and (tmp_path / f["jpeg"]).exists() for f in image.renditions["files"])


@pytest.mark.usefixtures("categories")
def test_xlsx_import():
    table = dataset(catalog_csv(4))
    xlsx = tablib.Dataset().load(table.export("xlsx"), format="xlsx")

    result = VariantResource().import_data(xlsx, dry_run=False)

    assert result.totals["new"] == 4
    assert Variant.objects.get(sku="TEE-0003-0").stock == 3


def test_stock_changes_from_an_import_publish_live(capture_broadcasts, categories):
    kept = VariantFactory(sku="KEEP", stock=4, product=ProductFactory(slug="keep", category=categories[0]))
    moved = VariantFactory(sku="TEE-0000-0", stock=7, product=ProductFactory(slug="tee-0000", category=categories[1]))
    keep_row = f"keep,{kept.product.name},shirts,A fine thing.,yes,KEEP,{kept.name},,10.00,,4,0,yes,"

    with capture_broadcasts() as sent:
        import_csv(catalog_csv(1) + keep_row + "\r\n", dry_run=False)  # TEE-0000-0: 7 -> 0 in stock

    topics = {topic for topic, _ in sent}
    assert f"stock.{moved.pk}" in topics
    assert f"stock.{kept.pk}" not in topics
    html = dict(sent)[f"stock.{moved.pk}"]
    assert f'id="stock-{moved.pk}"' in html
    assert 'data-stock="0"' in html

    with capture_broadcasts() as sent:
        import_csv(catalog_csv(1).replace(",0,100,", ",9,100,"), dry_run=True)
    assert sent == []  # a dry run changes nothing, so publishes nothing


def staff(*perms: str):  # type: ignore[no-untyped-def]
    user = UserFactory(is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="catalog", codename__in=perms))
    return user


IMPORTER = ("add_product", "change_product", "add_variant", "change_variant", "add_productimage", "view_variant")


def test_the_admin_import_shows_a_dry_run_then_imports(client, categories):
    client.force_login(staff(*IMPORTER))
    upload = io.BytesIO(catalog_csv(2).encode())
    upload.name = "catalog.csv"

    page = client.post(IMPORT_URL, {"import_file": upload, "format": "0", "resource": "0"})

    body = page.content.decode()
    assert page.status_code == 200
    assert "Confirm import" in body
    assert "TEE-0001-0" in body
    assert Variant.objects.count() == 0
    confirm = page.context["confirm_form"].initial
    done = client.post(reverse("admin:catalog_variant_process_import"), confirm, follow=True)
    assert done.status_code == 200
    assert Variant.objects.count() == 2


def test_the_admin_import_lists_bad_rows_by_line(client, categories):
    client.force_login(staff(*IMPORTER))
    upload = io.BytesIO(bad_file().encode())
    upload.name = "catalog.csv"

    body = client.post(IMPORT_URL, {"import_file": upload, "format": "0", "resource": "0"}).content.decode()

    assert "Some rows failed to validate" in body
    assert "No category has the slug &quot;hats&quot;." in body
    assert "Confirm import" not in body


def test_the_admin_export_gives_the_csv(client, categories):
    import_csv(catalog_csv(3), dry_run=False)
    client.force_login(staff("view_variant"))

    response = client.post(
        reverse("admin:catalog_variant_export"),
        {"format": "0", "resource": "0", **{f"variantresource_{f}": "on" for f in HEADER.split(",")}},
    )

    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == HEADER.split(",")
    assert [row[5] for row in rows[1:]] == ["TEE-0000-0", "TEE-0001-0", "TEE-0002-0"]


@pytest.mark.parametrize("perms", [(), ("view_variant",), ("change_variant", "view_variant")])
def test_import_needs_the_catalog_write_permissions(client, perms):
    client.force_login(staff(*perms))

    assert client.get(IMPORT_URL).status_code == 403


def test_export_needs_view_permission_and_customers_get_nothing(client):
    client.force_login(staff("change_product"))
    assert client.get(reverse("admin:catalog_variant_export")).status_code == 403

    client.force_login(UserFactory())
    assert client.get(IMPORT_URL).status_code == 302  # to the admin's sign-in


@pytest.mark.django_db(transaction=True)
def test_two_imports_of_the_same_new_rows_at_once_one_wins_the_other_reports_it():
    CategoryFactory(slug="shirts", name="Shirts")
    CategoryFactory(slug="tops", name="Tops")
    text = catalog_csv(3)

    results = race(2, lambda i: import_csv(text, dry_run=False))

    assert not any(isinstance(result, Exception) for result in results), results
    won, other = sorted(results, key=lambda result: result.totals["new"], reverse=True)  # type: ignore[union-attr]
    assert won.totals["new"] == 3  # type: ignore[union-attr]
    if other.has_validation_errors():  # type: ignore[union-attr]  # they overlapped (the usual case)
        (line,) = other.invalid_rows  # type: ignore[union-attr]
        assert line.number == 2
        assert "was just saved by someone else: import the file again." in str(line.error_dict)
    else:  # it ran after the winner committed: nothing left to change
        assert other.totals["skip"] == 3  # type: ignore[union-attr]
    assert Variant.objects.count() == 3


# --- Pictures named by URL: fetched from a local server (the machine has no internet) ----------


@pytest.fixture
def picture_server(tmp_path):  # type: ignore[no-untyped-def]
    """A local HTTP server: /tee.png (a picture), /note.txt (not one), /moved (a redirect to /tee.png)."""
    png = io.BytesIO()
    PILImage.new("RGB", (300, 200), "teal").save(png, "PNG")
    files = {"/tee.png": ("image/png", png.getvalue()), "/note.txt": ("text/plain", b"not a picture")}
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the library's name
            hits.append(self.path)
            if self.path == "/moved":
                self.send_response(302)
                self.send_header("Location", "/tee.png")
                self.end_headers()
                return
            kind, body = files.get(self.path, ("text/plain", b""))
            self.send_response(200 if self.path in files else 404)
            self.send_header("Content-Type", kind)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


@pytest.mark.usefixtures("categories")
def test_a_picture_named_by_url_is_fetched_checked_and_stored_once(settings, tmp_path, picture_server):
    settings.MEDIA_ROOT = tmp_path
    settings.IMPORT_IMAGES_FROM_PRIVATE_HOSTS = True  # the test's server is on loopback
    base, hits = picture_server
    text = catalog_csv(1).replace(",yes,\r\n", f",yes,{base}/tee.png\r\n")

    dry = import_csv(text, dry_run=True)
    assert not invalid(dry)
    assert not (tmp_path / "products").exists()  # a dry run fetches and checks, and stores nothing

    import_csv(text, dry_run=False)

    image = ProductImage.objects.get()
    assert image.image.name.startswith("products/imported/")
    assert image.image.name.endswith(".png")
    with PILImage.open(tmp_path / image.image.name) as stored:
        assert stored.size == (300, 200)
    assert import_csv(text, dry_run=False).totals["skip"] == 1  # the same picture: attached once
    assert ProductImage.objects.count() == 1
    assert hits == ["/tee.png"] * 3


@pytest.mark.usefixtures("categories")
def test_pictures_by_url_that_are_refused(settings, tmp_path, picture_server):
    settings.MEDIA_ROOT = tmp_path
    base, _ = picture_server

    def errors(url: str) -> str:
        result = import_csv(catalog_csv(1).replace(",yes,\r\n", f",yes,{url}\r\n"), dry_run=False)
        return invalid(result)[2]["images"][0]

    # Loopback is a private address: refused before anything is fetched, unless the shop allows it.
    assert "is on a private network" in errors(f"{base}/tee.png")
    settings.IMPORT_IMAGES_FROM_PRIVATE_HOSTS = True
    assert "is not a picture" in errors(f"{base}/note.txt")
    assert "could not be fetched" in errors(f"{base}/missing.png")
    assert "could not be fetched" in errors(f"{base}/moved")  # redirects are not followed
    assert "give an http(s) address" in errors("ftp://example.com/a.jpg")
    assert not ProductImage.objects.exists()
    assert not Product.objects.exists()
