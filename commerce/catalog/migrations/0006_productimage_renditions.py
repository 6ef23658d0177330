from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0005_category_parent_and_seo"),
    ]

    operations = [
        migrations.AddField(
            model_name="productimage",
            name="renditions",
            field=models.JSONField(blank=True, default=dict, editable=False),
        ),
    ]
