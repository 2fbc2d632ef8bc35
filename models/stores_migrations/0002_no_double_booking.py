"""No staff member holds two overlapping appointments, in the database.

PostgreSQL: an exclusion constraint over (staff_id, [starts_at, blocks_until)) for the rows
that hold their slot; `=` on a bigint inside a GiST index needs the btree_gist extension
(created here: the migrating role must be allowed to, e.g. a superuser or the database
owner on PostgreSQL 13+). A violation is SQLSTATE 23P01, an IntegrityError to the ORM.

SQLite: triggers before INSERT and UPDATE raise ABORT with 'SLOT_TAKEN' when the new row
would overlap another slot-holding row of the same staff member. SQLite runs one writer at
a time, so the check and the write cannot interleave with another booking. Times are
compared as the ORM stores them: ISO text in UTC with a fixed offset, which sorts as time.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops

POSTGRES = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    "ALTER TABLE appointments ADD CONSTRAINT appointments_no_overlap EXCLUDE USING gist"
    " (staff_id WITH =, tstzrange(starts_at, blocks_until, '[)') WITH &&) WHERE (holds_slot)",
]
OVERLAP = (
    "SELECT RAISE(ABORT, 'SLOT_TAKEN') WHERE NEW.holds_slot AND EXISTS (SELECT 1 FROM"
    " appointments a WHERE a.staff_id = NEW.staff_id AND a.holds_slot AND a.id <> NEW.id"
    " AND a.starts_at < NEW.blocks_until AND NEW.starts_at < a.blocks_until);"
)
SQLITE = [
    "CREATE TRIGGER appointments_no_overlap_insert BEFORE INSERT ON appointments"
    f" BEGIN {OVERLAP.replace('a.id <> NEW.id AND ', '')} END",
    "CREATE TRIGGER appointments_no_overlap_update BEFORE UPDATE OF staff_id, starts_at,"
    f" blocks_until, holds_slot ON appointments BEGIN {OVERLAP} END",
]


async def forwards(apps, schema_editor) -> None:
    postgres = schema_editor.client.capabilities.dialect == "postgres"
    for statement in POSTGRES if postgres else SQLITE:
        await schema_editor.client.execute_script(statement)


async def backwards(apps, schema_editor) -> None:
    if schema_editor.client.capabilities.dialect == "postgres":
        await schema_editor.client.execute_script(
            "ALTER TABLE appointments DROP CONSTRAINT appointments_no_overlap"
        )
        return
    for name in ("appointments_no_overlap_insert", "appointments_no_overlap_update"):
        await schema_editor.client.execute_script(f"DROP TRIGGER {name}")


class Migration(migrations.Migration):
    dependencies = [("stores", "0001_initial")]

    initial = False

    operations = [ops.RunPython(forwards, backwards)]
