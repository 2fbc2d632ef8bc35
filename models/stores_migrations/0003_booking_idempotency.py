"""A booking may carry an idempotency key, unique per brand: a retried `bookAppointment` finds
the appointment the first attempt made instead of booking twice. A unique index rather than a
table constraint, so that SQLite keeps its overlap triggers (0002): a constraint would rebuild
the table."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

INDEX = "appointments_brand_idempotency_key"


class Migration(migrations.Migration):
    dependencies = [("stores", "0002_no_double_booking")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Appointment",
            name="idempotency_key",
            field=fields.CharField(max_length=100, null=True),
        ),
        ops.RunSQL(
            f"CREATE UNIQUE INDEX {INDEX} ON appointments (brand_id, idempotency_key)",
            f"DROP INDEX {INDEX}",
        ),
    ]
