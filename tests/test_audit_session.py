"""One scripted session that runs every mutation of the schema, each in its own request: each
request leaves audit rows (found through auditLog by its request id) naming who acted. The
newer domains' steps are in tests/audit_script_<domain>.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from config import Settings
from library_adapter import graphql_core_schema
from models.offers import Coupon
from schema import build_schema
from services.brands import brands
from tests import audit_script_booking, audit_script_growth, audit_script_onboarding
from tests.audit_script import Session
from tests.support import GraphQL, app_token, make_brand


async def test_every_mutation_writes_its_audit_row(gql: GraphQL, settings: Settings) -> None:
    global _LOG
    _LOG = None
    brand = await make_brand("session", phone_region="CN")
    admin = await app_token(settings, brand)
    s = Session(gql, admin)
    do = s.do

    await do("updateBrand", "UpdateBrandInput", {"displayName": "Session Coffee"})
    await do("setLoyaltySettings", "SetLoyaltySettingsInput", {"earnRate": "1"})
    await do(
        "setTierLadder",
        "SetTierLadderInput",
        {
            "tiers": [
                {"name": "Member", "rank": 0, "minLifetimeSpend": "0.01"},
                {"name": "Gold", "rank": 1, "minLifetimeSpend": "10000"},
            ]
        },
    )
    await do(
        "configureTickets",
        "ConfigureTicketsInput",
        {"categories": ["service"], "rootCauses": ["staff"]},
    )
    await do(
        "setSlaPolicy",
        "SetSlaPolicyInput",
        {"severity": "HIGH", "firstResponseMinutes": 60, "resolutionMinutes": 600},
    )
    await do(
        "configureSurveyDelivery",
        "ConfigureSurveyDeliveryInput",
        {"linkTemplate": "https://s.example.com/{token}", "reminderHours": 1},
    )
    li = (
        await do(
            "createCustomer",
            "CreateCustomerInput",
            {"name": "Li", "phone": "13800138000"},
            "customer { id }",
        )
    )["customer"]["id"]
    other = (await do("createCustomer", "CreateCustomerInput", {"name": "Bo"}, "customer { id }"))[
        "customer"
    ]["id"]
    await do("updateCustomer", "UpdateCustomerInput", {"id": li, "city": "Xi'an"})
    await do("addCustomerNote", "AddCustomerNoteInput", {"customerId": li, "body": "hello"})
    await do("tagCustomers", "TagCustomersInput", {"customerIds": [li], "add": ["vip"]})
    await do(
        "setCustomerConsent",
        "SetCustomerConsentInput",
        {"customerId": li, "consents": [{"channel": "SMS", "granted": True}], "source": "APP"},
    )
    await do("enrollMember", "EnrollMemberInput", {"customerId": li})
    purchase = (
        await do(
            "recordPurchase",
            "RecordPurchaseInput",
            {"customerId": li, "amount": "120"},
            "purchase { id }",
        )
    )["purchase"]["id"]
    await do("awardPoints", "AwardPointsInput", {"customerId": li, "points": 50})
    await do("redeemPoints", "PointsInput", {"customerId": li, "points": 10})
    await do("adjustPoints", "AdjustPointsInput", {"customerId": li, "points": -5, "reason": "fix"})
    await do("setMemberTier", "SetMemberTierInput", {"customerId": li, "tier": "Gold"})
    segment = (
        await do(
            "createSegment",
            "CreateSegmentInput",
            {"name": "Xi'an", "rule": {"city": {"in": ["Xi'an"]}}},
            "segment { id }",
        )
    )["segment"]["id"]
    await do("updateSegment", "UpdateSegmentInput", {"id": segment, "description": "west"})
    offer = (
        await do(
            "createOffer",
            "CreateOfferInput",
            {"kind": "AMOUNT_OFF", "title": "Ten off", "amount": "10", "perCustomerLimit": 3},
            "offer { id }",
        )
    )["offer"]["id"]
    await do("updateOffer", "UpdateOfferInput", {"id": offer, "stock": 100})
    await do(
        "issueOffer",
        "IssueOfferInput",
        {"offerId": offer, "customerIds": [li], "idempotencyKey": "s-1"},
    )
    code = (await Coupon.filter(status="ISSUED").first()).code  # type: ignore[union-attr]
    await do("redeemCoupon", "RedeemCouponInput", {"code": code, "purchaseId": purchase})
    await do("refundPurchase", "RefundPurchaseInput", {"purchaseId": purchase, "amount": "20"})
    customer_token = (
        await do("issueCustomerToken", "IssueCustomerTokenInput", {"customerId": li}, "token")
    )["token"]
    await do("claimOffer", "ClaimOfferInput", {"offerId": offer}, token=customer_token)
    coupon = await Coupon.filter(status="ISSUED").first()
    assert coupon is not None
    from resolvers.ids import to_global_id

    await do("voidCoupon", "VoidCouponInput", {"couponId": to_global_id("Coupon", coupon.id)})
    campaign = (
        await do(
            "createCampaign",
            "CreateCampaignInput",
            {
                "name": "Spring",
                "segmentId": segment,
                "offerIds": [offer],
                "startsAt": datetime.now(UTC).isoformat(),
                "endsAt": (datetime.now(UTC) + timedelta(days=7)).isoformat(),
                "holdoutPercent": "0",
            },
            "campaign { id }",
        )
    )["campaign"]["id"]
    await do("launchCampaign", "LaunchCampaignInput", {"campaignId": campaign})
    ticket = (
        await do(
            "openTicket",
            "OpenTicketInput",
            {
                "customerId": li,
                "channel": "APP",
                "category": "service",
                "severity": "HIGH",
                "subject": "Late",
                "description": "Cold",
            },
            "ticket { id }",
        )
    )["ticket"]["id"]
    staff = await brands.create_staff_user(brand, "agent@example.com", "password-123", "OWNER")
    login = await do(
        "login",
        "LoginInput",
        {"brand": "session", "email": "agent@example.com", "password": "password-123"},
        "token",
        token=None,
    )
    assert login["token"]
    await do(
        "assignTicket",
        "AssignTicketInput",
        {"ticketId": ticket, "assigneeId": to_global_id("StaffUser", staff.id)},
    )
    await do("transitionTicket", "TransitionTicketInput", {"ticketId": ticket, "to": "OPEN"})
    await do("replyToTicket", "TicketMessageInput", {"ticketId": ticket, "body": "Sorry"})
    await do("addTicketNote", "TicketMessageInput", {"ticketId": ticket, "body": "Called"})
    await do(
        "compensateTicket",
        "CompensateTicketInput",
        {"ticketId": ticket, "points": 20, "reason": "sorry"},
    )
    await do(
        "resolveTicket",
        "ResolveTicketInput",
        {"ticketId": ticket, "resolution": "voucher", "rootCause": "staff"},
    )
    await do("rateTicket", "RateTicketInput", {"ticketId": ticket, "score": 4})
    survey = (
        await do(
            "createSurvey",
            "CreateSurveyInput",
            {
                "name": "NPS",
                "kind": "NPS",
                "status": "DRAFT",
                "questions": [{"kind": "NPS", "text": "Recommend us?"}],
            },
            "survey { id }",
        )
    )["survey"]["id"]
    await do("setSurveyStatus", "SetSurveyStatusInput", {"surveyId": survey, "status": "ACTIVE"})
    sent = await do(
        "sendSurvey",
        "SendSurveyInput",
        {"surveyId": survey, "customerIds": [li]},
        "invitations { token }",
    )
    from models.surveys import SurveyInvitation

    await SurveyInvitation.filter(id__gt=0).update(sent_at=datetime.now(UTC) - timedelta(hours=2))
    await s.call("sendSurveyReminders", "mutation { sendSurveyReminders { sent errors { code } } }")
    await do(
        "submitSurveyResponse",
        "SubmitSurveyResponseInput",
        {"token": sent["invitations"][0]["token"], "answers": [{"questionId": "q1", "score": 10}]},
        token=None,
    )
    hook = (
        await do(
            "createWebhook",
            "CreateWebhookInput",
            {
                "url": "https://8.8.8.8/crm",
                "secret": "s" * 24,
                "eventTypes": ["customer.created"],
            },
            "webhook { id }",
        )
    )["webhook"]["id"]
    await do("updateWebhook", "UpdateWebhookInput", {"id": hook, "isActive": False})
    await do("deleteWebhook", "DeleteWebhookInput", {"id": hook})
    partner = (
        await do(
            "createApp",
            "CreateAppInput",
            {"name": "POS", "scopes": ["customers:read"]},
            "app { id clientId }",
        )
    )["app"]
    await do(
        "updateAppScopes",
        "UpdateAppScopesInput",
        {"appId": partner["id"], "scopes": ["customers:write"]},
    )
    await do(
        "rotateAppSecret", "RotateAppSecretInput", {"appId": partner["id"], "overlapSeconds": 60}
    )
    await do("disableApp", "AppIdInput", {"appId": partner["id"]})
    await do("enableApp", "AppIdInput", {"appId": partner["id"]})
    await do(
        "setAppAllowListMode",
        "SetAppAllowListModeInput",
        {"clientId": partner["clientId"], "enabled": True},
    )
    await do(
        "registerPersistedQueries",
        "RegisterPersistedQueriesInput",
        {"clientId": partner["clientId"], "queries": ["{ viewer { kind } }"]},
        "hashes",
    )
    await do(
        "unregisterPersistedQueries",
        "UnregisterPersistedQueriesInput",
        {"clientId": partner["clientId"], "hashes": ["0" * 64]},
    )
    victim = jwt.decode(customer_token, options={"verify_signature": False})["jti"]
    await do("revokeToken", "RevokeTokenInput", {"jti": victim})
    await audit_script_booking.script(s, li)
    await audit_script_growth.referrals(s, li)
    await audit_script_growth.tracking(s, li)
    await audit_script_growth.attributes(s)
    await audit_script_onboarding.bulk(s)
    await audit_script_onboarding.files(s)
    await audit_script_onboarding.webhook_operations(s, brand.id)
    await do("setPrivacySettings", "SetPrivacySettingsInput", {"encryptContacts": False})
    await do("exportCustomerData", "ExportCustomerDataInput", {"customerId": li})
    await do("mergeCustomers", "MergeCustomersInput", {"sourceId": other, "targetId": li})
    await do("deleteCustomer", "DeleteCustomerInput", {"id": li})
    await _delete_a_free_segment(do)

    mutations = set(graphql_core_schema(build_schema()).mutation_type.fields)  # type: ignore[union-attr]
    assert set(s.run) == mutations, sorted(mutations ^ set(s.run))
    missing = []
    for name, (request_id, kind) in sorted(s.run.items()):
        rows = await _audit_rows(gql, admin, request_id)
        mine = [r for r in rows if r["operation"] == name]
        if not mine or (kind == "app" and mine[0]["actorKind"] != "app"):
            missing.append(name)
    assert missing == [], missing  # every mutation: a row under its own name, its own actor


async def _delete_a_free_segment(do: Any) -> None:
    """The session's segment is held by its offer and campaign: delete one made for it."""
    made = await do(
        "createSegment",
        "CreateSegmentInput",
        {"name": "Spare", "rule": {"city": {"in": ["X"]}}},
        "segment { id }",
    )
    await do("deleteSegment", "DeleteSegmentInput", {"id": made["segment"]["id"]})


async def _audit_rows(gql: GraphQL, token: str, request_id: str) -> list[dict[str, Any]]:
    """auditLog has no request-id filter: read the whole (small) log once and index it."""
    global _LOG
    if _LOG is None:
        rows: list[dict[str, Any]] = []
        after = None
        while True:
            page = (
                await gql.data(
                    """query($after: String) { auditLog(first: 100, after: $after) {
                     edges { node { operation requestId actorKind } }
                     pageInfo { hasNextPage endCursor } } }""",
                    {"after": after},
                    token,
                )
            )["auditLog"]
            rows += [edge["node"] for edge in page["edges"]]
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        _LOG = rows
    return [r for r in _LOG if r["requestId"] == request_id]


_LOG: list[dict[str, Any]] | None = None
