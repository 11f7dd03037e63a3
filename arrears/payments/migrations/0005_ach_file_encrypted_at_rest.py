"""ACH files hold full bank account numbers: keep their content encrypted at rest, like the columns."""

from django.db import migrations

from arrears.core import crypto


def encrypt_existing(apps, schema_editor):
    AchFile = apps.get_model("payments", "AchFile")
    for ach_file in AchFile.objects.only("pk", "content_encrypted").iterator(chunk_size=500):
        ach_file.content_encrypted = crypto.encrypt(ach_file.content_encrypted)
        ach_file.save(update_fields=["content_encrypted"])


def decrypt_existing(apps, schema_editor):
    AchFile = apps.get_model("payments", "AchFile")
    for ach_file in AchFile.objects.only("pk", "content_encrypted").iterator(chunk_size=500):
        ach_file.content_encrypted = crypto.decrypt(ach_file.content_encrypted)
        ach_file.save(update_fields=["content_encrypted"])


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0004_nightlyrun_to_strategies"),
    ]

    operations = [
        migrations.RenameField(model_name="achfile", old_name="content", new_name="content_encrypted"),
        migrations.RunPython(encrypt_existing, decrypt_existing, elidable=False),
    ]
