"""The contact-attempt log moved to the attempts app (its 0001), its table kept: contact forgets the
model and its messages point at ``attempts.ContactAttempt``, with no change to the database."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("attempts", "0001_initial"),
        ("contact", "0004_call_outcomes"),
        ("documents", "0002_contact_attempt_in_attempts"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="outboundmessage",
                    name="attempt",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="attempts.contactattempt",
                    ),
                ),
                migrations.AlterField(
                    model_name="inboundmessage",
                    name="attempt",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="attempts.contactattempt",
                    ),
                ),
                migrations.DeleteModel(name="ContactAttempt"),
            ],
            database_operations=[],
        ),
    ]
