import django.db.models.deletion
from django.db import migrations, models


def _content_type_to(app_label: str, other: str):
    """Move the content type of nightly runs between the apps, so their permissions follow the model.
    A fresh database has none yet: they are created after the migrations run."""

    def move(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        if not ContentType.objects.filter(app_label=app_label, model="nightlyrun").exists():
            ContentType.objects.filter(app_label=other, model="nightlyrun").update(app_label=app_label)

    return move


class Migration(migrations.Migration):
    """NightlyRun, moved from payments: the model state only, on the same table (`payments_nightlyrun`)."""

    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("payments", "0004_nightlyrun_to_strategies"),
        ("tenancy", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="NightlyRun",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        ("run_on", models.DateField()),
                        ("status", models.CharField(default="running", max_length=10)),
                        ("counts", models.JSONField(default=dict)),
                        ("errors", models.JSONField(default=list)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "organization",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="tenancy.organization",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "payments_nightlyrun",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("organization", "run_on"), name="nightly_run_unique"
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(
            _content_type_to("strategies", "payments"),
            _content_type_to("payments", "strategies"),
            elidable=True,
        ),
    ]
