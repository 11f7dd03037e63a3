from django.db import models

from arrears.core.models import OrgScoped, TimeStamped


class NightlyRun(OrgScoped, TimeStamped):
    """One `arrears nightly` per organization and date: its progress, counts and errors stay visible."""

    run_on = models.DateField()
    status = models.CharField(max_length=10, default="running")
    counts = models.JSONField(default=dict)
    errors = models.JSONField(default=list)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # The table payments created: the model moved here, its rows stayed where they were.
        db_table = "payments_nightlyrun"
        constraints = [models.UniqueConstraint(fields=["organization", "run_on"], name="nightly_run_unique")]

    def __str__(self) -> str:
        return f"nightly {self.run_on} ({self.status})"


class Strategy(OrgScoped, TimeStamped):
    """A named way of working accounts. Its definition lives in versions; the newest is live."""

    name = models.SlugField(max_length=60)
    description = models.TextField(blank=True)
    priority = models.IntegerField(default=100)
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="strategy_name_unique")]

    def __str__(self) -> str:
        return self.name


class StrategyVersion(OrgScoped):
    """One saved definition of a strategy. Never edited: a change is a new version. An account keeps
    the version it was enrolled with."""

    strategy = models.ForeignKey(Strategy, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField()
    source = models.TextField()
    definition = models.JSONField()
    created_at = models.DateTimeField()
    created_by_label = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["strategy", "version"], name="strategy_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.strategy_id} v{self.version}"


class Experiment(OrgScoped, TimeStamped):
    """Champion/challenger: accounts entering `strategy` are split into arms by a stable hash."""

    name = models.SlugField(max_length=60)
    strategy = models.ForeignKey(Strategy, on_delete=models.PROTECT, related_name="+")
    # [{"name": "champion", "strategy": "standard", "share": 50}, …]; the first arm is the champion.
    arms = models.JSONField()
    status = models.CharField(max_length=10, default="running")
    started_on = models.DateField()
    stopped_on = models.DateField(null=True, blank=True)
    created_by_label = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="experiment_name_unique")
        ]


class Enrollment(OrgScoped):
    """An account on a strategy: the version, segment and arm it got at enrollment, and its next step."""

    account = models.OneToOneField(
        "accounts.Account", on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    version = models.ForeignKey(StrategyVersion, on_delete=models.PROTECT, related_name="+")
    segment = models.CharField(max_length=60)
    experiment = models.ForeignKey(
        Experiment, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    arm = models.CharField(max_length=60, blank=True)
    owed_at_enrollment = models.DecimalField(max_digits=19, decimal_places=4)
    enrolled_on = models.DateField()
    step_index = models.PositiveSmallIntegerField(default=0)
    due_on = models.DateField()
    retry_at = models.DateTimeField(null=True, blank=True)
    finished_on = models.DateField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["organization", "finished_on", "due_on"]),
            models.Index(fields=["experiment", "arm"]),
        ]


class StepAction(OrgScoped):
    """What a step did on a day: done, held in the outbox, or blocked by the gate (with the reasons and
    when it may be tried again)."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="+", db_index=False)
    account_id = models.BigIntegerField()
    step_index = models.PositiveSmallIntegerField()
    action = models.CharField(max_length=20)
    run_on = models.DateField()
    at = models.DateTimeField()
    status = models.CharField(max_length=10)
    reasons = models.JSONField(default=list)
    next_allowed_at = models.DateTimeField(null=True, blank=True)
    detail = models.JSONField(default=dict)

    class Meta:
        constraints = [
            # A step is taken once: a second run of the day, or a retry, finds it done.
            models.UniqueConstraint(
                fields=["enrollment", "step_index"],
                condition=~models.Q(status="blocked"),
                name="step_action_once",
            )
        ]
        indexes = [models.Index(fields=["enrollment", "step_index"]), models.Index(fields=["account_id"])]


class NightlyChunk(models.Model):
    """A slice of a nightly run's accounts, claimed by one worker at a time (SKIP LOCKED). A lease that
    expires (a killed worker) makes it claimable again; its accounts' work is idempotent."""

    run = models.ForeignKey(NightlyRun, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    account_ids = models.JSONField()
    status = models.CharField(max_length=10, default="pending")
    claimed_by = models.CharField(max_length=100, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    claims = models.PositiveSmallIntegerField(default=0)
    counts = models.JSONField(default=dict)
    errors = models.JSONField(default=list)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "index"], name="nightly_chunk_unique")]
        indexes = [models.Index(fields=["run", "status"])]

    def __str__(self) -> str:
        return f"chunk {self.index} of run {self.run_id} ({self.status})"


class NoticeSent(OrgScoped):
    """A notice the law or a promise requires, queued once: a Reg F 1006.22(c) post-dated payment
    notice, a NY plan confirmation, a promise or installment reminder, a broken-promise follow-up."""

    kind = models.CharField(max_length=30)
    subject_id = models.BigIntegerField()
    account_id = models.BigIntegerField()
    message_id = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(max_length=20)  # a message status, or "no_contact_point"
    reasons = models.JSONField(default=list)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "subject_id"], name="notice_sent_once")]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject_id} ({self.status})"


class Schedule(models.Model):
    """An organization's own times: the nightly run at a local time in its time zone."""

    organization = models.OneToOneField(
        "tenancy.Organization", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    nightly_at = models.TimeField()
    letters_at = models.TimeField()

    def __str__(self) -> str:
        return f"nightly at {self.nightly_at:%H:%M}"


class ScheduledRun(models.Model):
    """One period of one periodic job. The unique (job, period) row is the guard: whichever worker
    inserts it runs the job; every other worker's insert fails, so no period runs twice."""

    job = models.CharField(max_length=100)
    period = models.DateTimeField()
    claimed_by = models.CharField(max_length=100)
    status = models.CharField(max_length=10, default="queued")
    result = models.JSONField(null=True, blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "period"], name="scheduled_run_once")]
        indexes = [models.Index(fields=["job", "-period"])]

    def __str__(self) -> str:
        return f"{self.job} {self.period:%Y-%m-%d %H:%M} ({self.status})"


class ErasureRequest(OrgScoped, TimeStamped):
    """A debtor asked for their personal data to be erased (GDPR art. 17, CCPA 1798.105).

    Honoured by `arrears retention apply` once no record must be kept (Reg F 1006.100: 3 years after the
    last collection activity), no legal hold stands and no claim is open; until then it waits, and
    `arrears retention report` says why.
    """

    debtor = models.ForeignKey("debtors.Debtor", on_delete=models.PROTECT, related_name="+")
    law = models.CharField(max_length=10, default="gdpr")  # gdpr | ccpa
    received_at = models.DateTimeField()
    received_by_label = models.CharField(max_length=200)
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "erased_at"])]

    def __str__(self) -> str:
        return f"erasure request {self.pk} for debtor {self.debtor_id}"
