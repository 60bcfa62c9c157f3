"""Before team names become unique (0003): every team whose name another team already has, in any
letter case, gets its slug appended, "Team B (team-b-2)". The oldest team keeps its name."""

from django.db import migrations

NAME_MAX_LENGTH = 100


def deduplicated_names(teams: list[tuple[int, str, str]]) -> dict[int, str]:
    """(id, name, slug) rows -> {id: new name} for the teams that must be renamed."""
    taken = {name.lower() for _id, name, _slug in teams}
    seen: set[str] = set()
    renames = {}
    for team_id, name, slug in sorted(teams):
        if name.lower() not in seen:
            seen.add(name.lower())
            continue
        # Slugs are unique, so the suffix is too; the id settles a name that happens to exist.
        for suffix in (f" ({slug})", f" ({slug}, {team_id})"):
            new = name[: NAME_MAX_LENGTH - len(suffix)] + suffix
            if new.lower() not in taken:
                break
        taken.add(new.lower())
        seen.add(new.lower())
        renames[team_id] = new
    return renames


def rename_duplicates(apps, schema_editor):
    Team = apps.get_model("accounts", "Team")
    rows = list(Team.objects.values_list("id", "name", "slug"))
    for team_id, name in deduplicated_names(rows).items():
        Team.objects.filter(id=team_id).update(name=name)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(rename_duplicates, migrations.RunPython.noop)]
