from django.tasks import task

from .models import ImportJob
from .services import import_job_run


@task
def import_job_run_task(*, job_id: int) -> None:
    """Run (or resume) an import in a worker. Safe to run twice: a finished job returns at once, and an
    unfinished one continues after its last committed batch."""
    import_job_run(job=ImportJob.objects.get(pk=job_id))
