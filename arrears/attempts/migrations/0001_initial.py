"""The contact-attempt log moves here from contact, table and rows untouched: until now, contact's
``contact_contactattempt`` table (and its ``contact_contactattempt_accounts`` links). Only Django's
record of which app owns the model changes; contact's 0005 drops it from contact's state."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def content_type_to_attempts(apps, schema_editor):
    """Permissions and admin history of the model follow it: its content type changes app."""
    content_type = apps.get_model("contenttypes", "ContentType")
    if not content_type.objects.filter(app_label="attempts", model="contactattempt").exists():
        content_type.objects.filter(app_label="contact", model="contactattempt").update(app_label="attempts")


def content_type_to_contact(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    if not content_type.objects.filter(app_label="contact", model="contactattempt").exists():
        content_type.objects.filter(app_label="attempts", model="contactattempt").update(app_label="contact")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0004_lean_indexes"),
        ("compliance", "0004_log_organization_unconstrained"),
        ("contact", "0004_call_outcomes"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("debtors", "0004_contact_point_time_zones"),
        ("tenancy", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ContactAttempt",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "channel",
                            models.CharField(
                                choices=[
                                    ("call", "Call"),
                                    ("sms", "SMS"),
                                    ("email", "Email"),
                                    ("letter", "Letter"),
                                    ("voicemail", "Voicemail"),
                                    ("visit", "Visit"),
                                ],
                                max_length=10,
                            ),
                        ),
                        (
                            "direction",
                            models.CharField(
                                choices=[("outbound", "Outbound"), ("inbound", "Inbound")], max_length=10
                            ),
                        ),
                        (
                            "outcome",
                            models.CharField(
                                choices=[
                                    ("no_answer", "No answer"),
                                    ("voicemail", "Voicemail left"),
                                    ("conversation", "Conversation"),
                                    ("busy", "Busy"),
                                    ("not_in_service", "Not in service"),
                                    ("delivered", "Delivered"),
                                    ("undeliverable", "Undeliverable"),
                                    ("wrong_number", "Wrong number"),
                                    ("right_party_contact", "Right-party contact"),
                                    ("third_party", "Third party reached"),
                                    ("blocked", "Blocked by compliance"),
                                ],
                                max_length=20,
                            ),
                        ),
                        ("target", models.CharField(blank=True, max_length=320)),
                        ("at", models.DateTimeField()),
                        ("ended_at", models.DateTimeField(blank=True, null=True)),
                        ("notes", models.TextField(blank=True)),
                        (
                            "accounts",
                            models.ManyToManyField(
                                blank=True, related_name="contact_attempts", to="accounts.account"
                            ),
                        ),
                        (
                            "contact_point",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="contact_attempts",
                                to="debtors.contactpoint",
                            ),
                        ),
                        (
                            "debtor",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="contact_attempts",
                                to="debtors.debtor",
                            ),
                        ),
                        (
                            "decision",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="contact_attempts",
                                to="compliance.decision",
                            ),
                        ),
                        (
                            "organization",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="tenancy.organization",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "contact_contactattempt",
                        "ordering": ["-at", "-id"],
                        "indexes": [
                            models.Index(
                                fields=["organization", "debtor", "at"], name="contact_con_organiz_f0d297_idx"
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_type_to_attempts, content_type_to_contact),
    ]
