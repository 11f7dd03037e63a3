from django.db import migrations, models


class Migration(migrations.Migration):
    """Give email_sender_name a database default, so rows written by code that predates it still insert."""

    dependencies = [
        ("tenancy", "0003_organization_email_sender_name"),
    ]

    operations = [
        migrations.AlterField(
            model_name="organization",
            name="email_sender_name",
            field=models.CharField(blank=True, db_default="", max_length=100),
        ),
    ]
