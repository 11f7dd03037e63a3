from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand


class Command(DbWorkerCommand):
    help = "Run a background task worker. Start as many as you like, on any machine sharing the database."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        # Every queue by default, and no autoreload: this is the production worker.
        parser.set_defaults(queue_name="*", reload=False)

    def handle(self, *args, **options):
        from arrears.core.workers import worker_started

        # The scheduler ticks in every worker; a unique row per job and period keeps each period to one.
        worker_started(options["worker_id"])
        return super().handle(*args, **options)
