"""A document's contact attempt is now ``attempts.ContactAttempt``: the same table, so the column and its
constraint stay as they are; only Django's state changes."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("attempts", "0001_initial"),
        ("documents", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="document",
                    name="contact_attempt",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="documents",
                        to="attempts.contactattempt",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
