# ruff: noqa
# mypy: ignore-errors
from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('crm', '0004_token_revocations_per_brand')]

    initial = True

    operations = [
        ops.CreateModel(
            name='BookableService',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('crm.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='bookable_services', on_delete=OnDelete.CASCADE)),
                ('code', fields.CharField(max_length=64)),
                ('name', fields.CharField(max_length=200)),
                ('duration_minutes', fields.IntField()),
                ('buffer_minutes', fields.IntField(default=0)),
                ('price', fields.DecimalField(max_digits=14, decimal_places=2)),
                ('member_prices', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('skills', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('active', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'bookable_services', 'app': 'stores', 'unique_together': (('brand', 'code'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='BookingPolicy',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.OneToOneField('crm.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='booking_policy', on_delete=OnDelete.CASCADE)),
                ('slot_minutes', fields.IntField(default=15)),
                ('min_notice_minutes', fields.IntField(default=0)),
                ('booking_window_days', fields.IntField(default=30)),
                ('priority_window_days', fields.IntField(default=90)),
                ('tier_windows', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('priority_release_hours', fields.IntField(default=48)),
                ('late_cancel_hours', fields.IntField(default=24)),
                ('late_cancel_penalty_points', fields.IntField(default=0)),
                ('no_show_limit', fields.IntField(default=3)),
                ('no_show_window_days', fields.IntField(default=90)),
                ('no_show_penalty_points', fields.IntField(default=0)),
                ('reminder_hours', fields.IntField(default=24)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'booking_policies', 'app': 'stores', 'pk_attr': 'id', 'table_description': "A brand's booking rules, created with defaults on first use."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='StaffMember',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('crm.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='staff_members', on_delete=OnDelete.CASCADE)),
                ('user', fields.ForeignKeyField('crm.StaffUser', source_field='user_id', null=True, db_constraint=True, to_field='id', related_name='staff_profiles', on_delete=OnDelete.SET_NULL)),
                ('name', fields.CharField(max_length=200)),
                ('skills', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('active', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'staff_members', 'app': 'stores', 'unique_together': (('brand', 'user'),), 'indexes': [Index(fields=['brand_id', 'name'])], 'pk_attr': 'id', 'table_description': 'Someone customers can book: a profile, optionally tied to a staff login.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='StaffTimeOff',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('crm.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='staff_time_off', on_delete=OnDelete.CASCADE)),
                ('staff', fields.ForeignKeyField('stores.StaffMember', source_field='staff_id', db_constraint=True, to_field='id', related_name='time_off', on_delete=OnDelete.CASCADE)),
                ('starts_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('ends_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('reason', fields.CharField(default='', max_length=200)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'staff_time_off', 'app': 'stores', 'indexes': [Index(fields=['staff_id', 'starts_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Store',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('crm.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='stores', on_delete=OnDelete.CASCADE)),
                ('code', fields.CharField(max_length=100)),
                ('name', fields.CharField(max_length=200)),
                ('address', fields.CharField(null=True, max_length=500)),
                ('city', fields.CharField(null=True, max_length=100)),
                ('region', fields.CharField(null=True, max_length=100)),
                ('timezone', fields.CharField(max_length=64)),
                ('opening_hours', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('exceptions', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('status', fields.CharField(default='OPEN', max_length=16)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'stores', 'app': 'stores', 'unique_together': (('brand', 'code'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Appointment',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('crm.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='appointments', on_delete=OnDelete.CASCADE)),
                ('store', fields.ForeignKeyField('stores.Store', source_field='store_id', db_constraint=True, to_field='id', related_name='appointments', on_delete=OnDelete.CASCADE)),
                ('staff', fields.ForeignKeyField('stores.StaffMember', source_field='staff_id', db_constraint=True, to_field='id', related_name='appointments', on_delete=OnDelete.CASCADE)),
                ('service', fields.ForeignKeyField('stores.BookableService', source_field='service_id', db_constraint=True, to_field='id', related_name='appointments', on_delete=OnDelete.CASCADE)),
                ('customer', fields.ForeignKeyField('crm.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='appointments', on_delete=OnDelete.CASCADE)),
                ('status', fields.CharField(default='BOOKED', max_length=16)),
                ('starts_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('ends_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('blocks_until', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('holds_slot', fields.BooleanField(default=True)),
                ('price', fields.DecimalField(max_digits=14, decimal_places=2)),
                ('tier', fields.CharField(null=True, max_length=64)),
                ('online', fields.BooleanField(default=False)),
                ('priority_slot', fields.BooleanField(default=False)),
                ('late_cancellation', fields.BooleanField(default=False)),
                ('penalty_points', fields.BigIntField(default=0)),
                ('reschedules', fields.IntField(default=0)),
                ('purchase', fields.ForeignKeyField('crm.Purchase', source_field='purchase_id', null=True, db_constraint=True, to_field='id', related_name='appointments', on_delete=OnDelete.SET_NULL)),
                ('note', fields.CharField(default='', max_length=500)),
                ('reminder_sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('checked_in_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('completed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('cancelled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'appointments', 'app': 'stores', 'indexes': [Index(fields=['staff_id', 'starts_at']), Index(fields=['brand_id', 'store_id', 'starts_at']), Index(fields=['brand_id', 'customer_id', 'starts_at']), Index(fields=['brand_id', 'status', 'starts_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PriorityHold',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('crm.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='priority_holds', on_delete=OnDelete.CASCADE)),
                ('store', fields.ForeignKeyField('stores.Store', source_field='store_id', db_constraint=True, to_field='id', related_name='priority_holds', on_delete=OnDelete.CASCADE)),
                ('staff', fields.ForeignKeyField('stores.StaffMember', source_field='staff_id', null=True, db_constraint=True, to_field='id', related_name='priority_holds', on_delete=OnDelete.CASCADE)),
                ('starts_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('ends_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'priority_holds', 'app': 'stores', 'indexes': [Index(fields=['store_id', 'starts_at'])], 'pk_attr': 'id', 'table_description': 'A period held for tiers with priority booking, released to everyone'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='StaffAssignment',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('crm.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='staff_assignments', on_delete=OnDelete.CASCADE)),
                ('staff', fields.ForeignKeyField('stores.StaffMember', source_field='staff_id', db_constraint=True, to_field='id', related_name='assignments', on_delete=OnDelete.CASCADE)),
                ('store', fields.ForeignKeyField('stores.Store', source_field='store_id', db_constraint=True, to_field='id', related_name='assignments', on_delete=OnDelete.CASCADE)),
                ('role', fields.CharField(max_length=64)),
                ('schedule', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
            ],
            options={'table': 'staff_assignments', 'app': 'stores', 'unique_together': (('staff', 'store'),), 'indexes': [Index(fields=['brand_id', 'store_id'])], 'pk_attr': 'id', 'table_description': "A staff member's role and weekly working schedule in one store."},
            bases=['Model'],
        ),
    ]
