"""Re-hash the audit chain so that every column is inside the hash (the actor's user id was not), keyed
with ARREARS_AUDIT_KEY when one is set, and seal each organization's chain head.

Only what verifies is re-hashed: each organization's chain is checked under the old hashing first, and
rows are rewritten up to its first break. The rows from the break on keep their old hashes, so
`arrears audit verify` still reports the break at the same event after the migration: tampering from
before the migration is not laundered by it. The head keeps its seq (a tail deleted before the
migration stays missing), and takes the new hash only when it pointed at the last verified row.
"""

import hashlib

from django.conf import settings
from django.db import migrations, models

from arrears.audit.domain import GENESIS, canonical, event_hash, head_seal

BATCH = 2000


def _v1_hash(e) -> str:
    row = {
        "organization_id": e.organization_id,
        "seq": e.seq,
        "at": e.at.isoformat(timespec="microseconds"),
        "actor": e.actor_label,
        "event": e.event,
        "subject_type": e.subject_type,
        "subject_id": e.subject_id,
        "account_id": e.account_id,
        "data": e.data,
        "prev_hash": e.prev_hash,
    }
    return hashlib.sha256(canonical(row)).hexdigest()


def rehash(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    AuditChainHead = apps.get_model("audit", "AuditChainHead")
    key = settings.AUDIT_CHAIN_KEY.encode() if settings.AUDIT_CHAIN_KEY else None
    org_ids = set(AuditChainHead.objects.values_list("pk", flat=True))
    org_ids |= set(AuditEvent.objects.values_list("organization_id", flat=True).distinct())
    for org_id in sorted(org_ids):
        old_prev, new_prev, expected_seq, batch = GENESIS, GENESIS, 1, []
        intact = True
        events = AuditEvent.objects.filter(organization_id=org_id).order_by("seq")
        for e in events.iterator(chunk_size=BATCH):
            if e.seq != expected_seq or e.prev_hash != old_prev or _v1_hash(e) != e.hash:
                intact = False
                break
            old_prev = e.hash
            e.prev_hash = new_prev
            e.hash = event_hash(
                organization_id=e.organization_id,
                seq=e.seq,
                at=e.at,
                actor=e.actor_label,
                actor_user_id=e.actor_user_id,
                event=e.event,
                subject_type=e.subject_type,
                subject_id=e.subject_id,
                account_id=e.account_id,
                data=e.data,
                prev_hash=new_prev,
                key=key,
            )
            new_prev = e.hash
            expected_seq += 1
            batch.append(e)
            if len(batch) >= BATCH:
                AuditEvent.objects.bulk_update(batch, ["prev_hash", "hash"])
                batch = []
        if batch:
            AuditEvent.objects.bulk_update(batch, ["prev_hash", "hash"])
        last_seq = expected_seq - 1
        head = AuditChainHead.objects.filter(pk=org_id).first()
        if head is None:  # events without a head: seed it from the last verified event
            head = AuditChainHead.objects.create(organization_id=org_id, seq=last_seq, hash=new_prev)
        elif intact and head.seq == last_seq and head.hash == old_prev:
            head.hash = new_prev
        head.seal = head_seal(organization_id=org_id, seq=head.seq, hash=head.hash, key=key)
        head.save(update_fields=["hash", "seal"])


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_log_organization_unconstrained"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditchainhead",
            name="seal",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.RunPython(rehash, migrations.RunPython.noop, elidable=False),
    ]
