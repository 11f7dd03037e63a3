from django.db import migrations


class Migration(migrations.Migration):
    """NightlyRun moved to the strategies app: only the model state leaves payments; the table
    `payments_nightlyrun` and its rows stay, and strategies takes the model over (strategies 0001)."""

    dependencies = [
        ("payments", "0003_lean_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="NightlyRun")],
            database_operations=[],
        ),
    ]
