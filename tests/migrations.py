"""Migration tests: the database moved to some earlier migrations, rows made with the models as
they were then, and moved back to the latest (in a `finally`, so later tests find the schema)."""

from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate(targets):
    """Migrates to `targets` ((app, migration) pairs) and returns the apps as they are there."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def latest():
    """Every app's latest migration."""
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def migrate_to_latest():
    return migrate(latest())
