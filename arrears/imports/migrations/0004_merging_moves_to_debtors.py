# Debtor merging moved to the debtors app. Its two tables stay where they are (same names, same rows):
# this app stops claiming them, and debtors.0005 claims them.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0003_lean_indexes"),
    ]

    operations = [
        # A merge candidate keeps the id of the import that found it, no longer a foreign key: the table
        # now belongs to debtors, below imports. The column and its values stay.
        migrations.AlterField(
            model_name="mergecandidate",
            name="job",
            field=models.BigIntegerField(blank=True, null=True, db_column="job_id"),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="MergeCandidate"),
                migrations.DeleteModel(name="DebtorMerge"),
            ],
        ),
    ]
