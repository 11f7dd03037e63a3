# Debtor merging moved here from the imports app. The tables keep their names and rows: this migration
# only tells Django that debtors owns them now (imports.0004 let go of them, and turned the candidate's
# import job into a plain id).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("debtors", "0004_contact_point_time_zones"),
        ("tenancy", "0001_initial"),
        ("imports", "0004_merging_moves_to_debtors"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="DebtorMerge",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("moved", models.JSONField(default=dict)),
                        ("actor_label", models.CharField(blank=True, max_length=200)),
                        ("merged_at", models.DateTimeField()),
                        ("undone_at", models.DateTimeField(blank=True, null=True)),
                        ("undone_by", models.CharField(blank=True, max_length=200)),
                        (
                            "kept",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="debtors.debtor",
                            ),
                        ),
                        (
                            "merged",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="debtors.debtor",
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
                    ],
                    options={
                        "db_table": "imports_debtormerge",
                    },
                ),
                migrations.CreateModel(
                    name="MergeCandidate",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        ("score", models.FloatField()),
                        ("reason", models.CharField(max_length=200)),
                        ("job_id", models.BigIntegerField(blank=True, null=True)),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("open", "Waiting for review"),
                                    ("merged", "Merged"),
                                    ("dismissed", "Not the same debtor"),
                                ],
                                default="open",
                                max_length=10,
                            ),
                        ),
                        ("decided_by", models.CharField(blank=True, max_length=200)),
                        ("decided_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "debtor_a",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="debtors.debtor",
                            ),
                        ),
                        (
                            "debtor_b",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="debtors.debtor",
                            ),
                        ),
                        (
                            "merge",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="debtors.debtormerge",
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
                    ],
                    options={
                        "db_table": "imports_mergecandidate",
                    },
                ),
                migrations.AddIndex(
                    model_name="debtormerge",
                    index=models.Index(
                        fields=["organization", "-merged_at"], name="imports_deb_organiz_108c1e_idx"
                    ),
                ),
                migrations.AddIndex(
                    model_name="mergecandidate",
                    index=models.Index(
                        fields=["organization", "status"], name="imports_mer_organiz_8b89ad_idx"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="mergecandidate",
                    constraint=models.UniqueConstraint(
                        fields=("debtor_a", "debtor_b"), name="merge_candidate_pair_unique"
                    ),
                ),
            ],
        ),
    ]
