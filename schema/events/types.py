"""Typed live events: one interface, one type per event kind."""

from __future__ import annotations

import strawberry

from events.outbox import Event
from resolvers.ids import to_global_id
from schema.events.event_interface import EventType, payload_value, subject_gid
from schema.events.operations_types import (
    AppointmentEvent,
    BehaviourTracked,
    BookableServiceChanged,
    JobCompleted,
    ReferralEvent,
    StaffChanged,
    StoreChanged,
)

__all__ = ["ALL_EVENT_TYPES", "EVENT_CLASSES", "AppointmentEvent", "EventType", "to_graphql"]


@strawberry.type
class CustomerCreated(EventType):
    pass


@strawberry.type
class CustomerUpdated(EventType):
    @strawberry.field(description="Names of the changed fields.")
    def fields(self) -> list[str]:
        return list(payload_value(self.event, "fields") or [])


@strawberry.type
class CustomerMerged(EventType):
    @strawberry.field(description="The merged (deleted) customer.")
    def source_id(self) -> strawberry.ID | None:
        source = payload_value(self.event, "sourceId")
        return strawberry.ID(to_global_id("Customer", int(source))) if source else None


@strawberry.type
class CustomerDeleted(EventType):
    pass


@strawberry.type
class PurchaseRecorded(EventType):
    @strawberry.field
    def purchase_id(self) -> strawberry.ID | None:
        return subject_gid(self.event)

    @strawberry.field(description="Decimal amount as a string, in the brand's currency.")
    def amount(self) -> str | None:
        value = payload_value(self.event, "amount")
        return None if value is None else str(value)


@strawberry.type
class PurchaseRefunded(PurchaseRecorded):
    pass


@strawberry.type
class PointsChanged(EventType):
    @strawberry.field(description="Signed change of the available balance (ledger amount).")
    def delta(self) -> int | None:
        return payload_value(self.event, "amount")

    @strawberry.field(description="The available balance after the change.")
    def balance(self) -> int | None:
        return payload_value(self.event, "balance")

    @strawberry.field(description="The ledger entry's kind: EARN, REDEEM, ADJUST, EXPIRE...")
    def kind(self) -> str | None:
        return payload_value(self.event, "kind")

    @strawberry.field
    def transaction_id(self) -> strawberry.ID | None:
        pk = self.event.subject_id
        return strawberry.ID(to_global_id("PointsTransaction", int(pk))) if pk else None


@strawberry.type
class TierChanged(EventType):
    @strawberry.field
    def from_tier(self) -> str | None:
        return payload_value(self.event, "from")

    @strawberry.field
    def to_tier(self) -> str | None:
        return payload_value(self.event, "to")

    @strawberry.field
    def reason(self) -> str | None:
        return payload_value(self.event, "reason")


@strawberry.type
class CouponIssued(EventType):
    @strawberry.field
    def coupon_id(self) -> strawberry.ID | None:
        return subject_gid(self.event)

    @strawberry.field(
        description="coupon.issued: the channels the customer consented to, where a gateway may "
        "tell them (empty: none; null on other events)."
    )
    def channels(self) -> list[str] | None:
        found = payload_value(self.event, "channels")
        return None if found is None else [str(c) for c in found]


@strawberry.type
class CouponRedeemed(CouponIssued):
    pass


@strawberry.type
class CampaignLaunched(EventType):
    @strawberry.field
    def campaign_id(self) -> strawberry.ID | None:
        pk = self.event.subject_id
        return strawberry.ID(to_global_id("Campaign", int(pk))) if pk else None

    @strawberry.field(description="Members snapshotted from the segment.")
    def targeted(self) -> int | None:
        return payload_value(self.event, "targeted")

    @strawberry.field(description="Members held out (no coupons).")
    def holdout(self) -> int | None:
        return payload_value(self.event, "holdout")

    @strawberry.field(description="Coupons issued to the treated members.")
    def issued(self) -> int | None:
        return payload_value(self.event, "issued")


@strawberry.type
class TicketCreated(EventType):
    @strawberry.field
    def ticket_id(self) -> strawberry.ID | None:
        pk = self.event.subject_id
        return strawberry.ID(to_global_id("Ticket", int(pk))) if pk else None

    @strawberry.field(description="The ticket's status after the change.")
    def status(self) -> str | None:
        return payload_value(self.event, "status")

    @strawberry.field(
        description="The mutation behind an update (transitionTicket, replyToTicket...)."
    )
    def operation(self) -> str | None:
        return payload_value(self.event, "operation")


@strawberry.type
class TicketUpdated(TicketCreated):
    pass


@strawberry.type
class TicketSlaBreached(TicketCreated):
    pass


@strawberry.type
class SurveyAnswered(EventType):
    @strawberry.field(description="The NPS answer (0-10), null when skipped or not an NPS survey.")
    def score(self) -> int | None:
        return payload_value(self.event, "nps")

    @strawberry.field
    def survey_id(self) -> strawberry.ID | None:
        pk = payload_value(self.event, "survey")
        return strawberry.ID(to_global_id("Survey", int(pk))) if pk else None

    @strawberry.field
    def response_id(self) -> strawberry.ID | None:
        pk = self.event.subject_id
        return strawberry.ID(to_global_id("SurveyResponse", int(pk))) if pk else None


@strawberry.type(description="An app, segment or offer was created or changed.")
class ConfigurationChanged(EventType):
    @strawberry.field(description="The app, segment or offer.")
    def subject_id(self) -> strawberry.ID | None:
        return subject_gid(self.event)

    @strawberry.field(description="The mutation, e.g. updateSegment.")
    def operation(self) -> str | None:
        return payload_value(self.event, "operation")

    @strawberry.field(description="Names of the changed fields.")
    def fields(self) -> list[str]:
        return list(payload_value(self.event, "fields") or [])


@strawberry.type
class ConsentChanged(EventType):
    @strawberry.field(description="SMS, EMAIL, PUSH or WECHAT.")
    def channel(self) -> str | None:
        return payload_value(self.event, "channel")

    @strawberry.field
    def granted(self) -> bool | None:
        return payload_value(self.event, "granted")


@strawberry.type(description="A refund gave a redeemed coupon back to its customer.")
class CouponRestored(CouponIssued):
    @strawberry.field(description="ISSUED again, or EXPIRED when its validity has ended.")
    def status(self) -> str | None:
        return payload_value(self.event, "status")


@strawberry.type(description="Send this invitation (SMS, e-mail, push or WeChat template).")
class SurveyInvitationCreated(EventType):
    @strawberry.field
    def invitation_id(self) -> strawberry.ID | None:
        return subject_gid(self.event)

    @strawberry.field
    def survey_id(self) -> strawberry.ID | None:
        pk = payload_value(self.event, "surveyId")
        return strawberry.ID(to_global_id("Survey", int(pk))) if pk else None

    @strawberry.field(description="The channel the customer consented to: send it there only.")
    def delivery_channel(self) -> str | None:
        return payload_value(self.event, "deliveryChannel")

    @strawberry.field(description="The customer's link to answer (holds a single-use token).")
    def link(self) -> str | None:
        return payload_value(self.event, "link")


@strawberry.type(description="An unanswered invitation's one reminder: send it again.")
class SurveyInvitationReminded(SurveyInvitationCreated):
    pass


@strawberry.type(description="A customer's data export was asked for, or has finished.")
class CustomerDataExportChanged(EventType):
    @strawberry.field
    def export_id(self) -> strawberry.ID | None:
        return subject_gid(self.event)

    @strawberry.field(description="QUEUED when asked for; SUCCEEDED, FAILED or CANCELLED.")
    def state(self) -> str | None:
        return payload_value(self.event, "state")


EVENT_CLASSES: dict[str, type[EventType]] = {
    "customer.created": CustomerCreated,
    "customer.updated": CustomerUpdated,
    "customer.merged": CustomerMerged,
    "customer.deleted": CustomerDeleted,
    "purchase.recorded": PurchaseRecorded,
    "purchase.refunded": PurchaseRefunded,
    "points.changed": PointsChanged,
    "membership.tier_changed": TierChanged,
    "coupon.issued": CouponIssued,
    "coupon.redeemed": CouponRedeemed,
    "campaign.launched": CampaignLaunched,
    "ticket.created": TicketCreated,
    "ticket.updated": TicketUpdated,
    "ticket.sla_breached": TicketSlaBreached,
    "survey.response_submitted": SurveyAnswered,
    "app.changed": ConfigurationChanged,
    "segment.changed": ConfigurationChanged,
    "offer.changed": ConfigurationChanged,
    "customer.consent_changed": ConsentChanged,
    "coupon.restored": CouponRestored,
    "survey.invitation_created": SurveyInvitationCreated,
    "survey.invitation_reminded": SurveyInvitationReminded,
    "customer.data_export_requested": CustomerDataExportChanged,
    "customer.data_export_finished": CustomerDataExportChanged,
    "store.created": StoreChanged,
    "store.updated": StoreChanged,
    "staff.updated": StaffChanged,
    "bookable_service.updated": BookableServiceChanged,
    "appointment.booked": AppointmentEvent,
    "appointment.rescheduled": AppointmentEvent,
    "appointment.cancelled": AppointmentEvent,
    "appointment.checked_in": AppointmentEvent,
    "appointment.completed": AppointmentEvent,
    "appointment.no_show": AppointmentEvent,
    "appointment.reminder_due": AppointmentEvent,
    "referral.invited": ReferralEvent,
    "referral.attributed": ReferralEvent,
    "referral.converted": ReferralEvent,
    "behaviour.tracked": BehaviourTracked,
    "import.completed": JobCompleted,
    "export.completed": JobCompleted,
}
ALL_EVENT_TYPES: list[type[EventType]] = list(dict.fromkeys(EVENT_CLASSES.values()))


def to_graphql(event: Event) -> EventType:
    return EVENT_CLASSES[event.type](event=event)
