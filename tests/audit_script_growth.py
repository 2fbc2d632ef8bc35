"""The session's referral programme, behaviour tracking and custom attributes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.audit_script import Session

REFERRAL_CODE = "query($id: ID!) { customer(id: $id) { referralCode } }"


async def referrals(s: Session, referrer: str) -> str:
    """A sign-up programme; a new customer applies the referrer's code, the referrer shares
    theirs. The referee's id."""
    rewards = {"trigger": "SIGNUP", "referrerPoints": 10, "refereePoints": 5}
    await s.do("configureReferrals", "ConfigureReferralsInput", rewards)
    code = (await s.read(REFERRAL_CODE, id=referrer))["customer"]["referralCode"]
    referee = (
        await s.do("createCustomer", "CreateCustomerInput", {"name": "Chen"}, "customer { id }")
    )["customer"]["id"]
    await s.do("applyReferralCode", "ApplyReferralCodeInput", {"customerId": referee, "code": code})
    invite = {"customerId": referrer, "channel": "WECHAT"}
    await s.do("recordReferralInvite", "RecordReferralInviteInput", invite)
    return str(referee)


async def tracking(s: Session, customer: str) -> None:
    """A write key for the shop's site, a custom event, one event tracked, the key revoked."""
    key = (
        await s.do(
            "createTrackingKey", "CreateTrackingKeyInput", {"name": "web"}, "trackingKey { id }"
        )
    )["trackingKey"]["id"]
    wish = {"name": "wishlist_add", "description": "Added to the wishlist"}
    await s.do("defineTrackingEvent", "DefineTrackingEventInput", wish)
    seen = {
        "eventId": "session-1",
        "name": "wishlist_add",
        "occurredAt": (datetime.now(UTC) - timedelta(minutes=1)).isoformat(),
        "customerId": customer,
        "properties": {"sku": "LATTE-12"},
    }
    await s.do("trackEvents", "TrackEventsInput", {"events": [seen]}, "accepted")
    await s.do("revokeTrackingKey", "RevokeTrackingKeyInput", {"id": key})


async def attributes(s: Session) -> None:
    shoe = {"key": "shoeSize", "label": "Shoe size", "type": "NUMBER"}
    await s.do("defineCustomerAttribute", "DefineCustomerAttributeInput", shoe)
