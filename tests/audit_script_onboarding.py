"""The session's onboarding from a POS (upsert, bulk calls, an import and an export started)
and the partner's webhook operations (a test message, dead letters sent again)."""

from __future__ import annotations

from models.events import Webhook
from resolvers.ids import to_global_id
from tests.audit_script import Session

POS = "pos"


def pos(external_id: str) -> dict[str, str]:
    return {"system": POS, "externalId": external_id}


async def bulk(s: Session) -> None:
    wu = {"externalId": pos("c-1"), "name": "Wu", "city": "Xi'an"}
    upserted = await s.do("upsertCustomer", "UpsertCustomerInput", wu, "outcome")
    assert upserted["outcome"] == "CREATED"
    rows = [
        {"externalId": pos("c-2"), "name": "Zhao"},
        {"externalId": pos("c-1"), "city": "Beijing"},
    ]
    people = {"rows": rows, "idempotencyKey": "pos-sync-1"}
    assert (await s.do("bulkUpsertCustomers", "BulkUpsertCustomersInput", people, "count")) == {
        "count": 2,
        "errors": [],
    }
    sales = [
        {"customerExternalId": pos("c-1"), "amount": "30", "externalId": "pos-s-1"},
        {"customerExternalId": pos("c-2"), "amount": "12.50", "externalId": "pos-s-2"},
    ]
    await s.do("bulkRecordPurchases", "BulkRecordPurchasesInput", {"rows": sales}, "count")
    welcome = [
        {"customerExternalId": pos(c), "points": 20, "reason": "opening"} for c in ("c-1", "c-2")
    ]
    await s.do("bulkAwardPoints", "BulkAwardPointsInput", {"rows": welcome}, "count")


async def files(s: Session) -> None:
    """The jobs are queued; running them is tests/test_imports_api.py's and test_exports_api's."""
    await s.do("startImport", "StartImportInput", {"kind": "CUSTOMERS"}, "job { id }")
    await s.do("startExport", "StartExportInput", {"kind": "CUSTOMERS"}, "job { id }")


async def webhook_operations(s: Session, brand_id: int) -> None:
    """A hook whose URL the app refuses when it sends (a private address): the test message
    comes back as failed, nothing is dead yet. createWebhook refuses such URLs, so the row is
    written directly."""
    hook = await Webhook.create(
        brand_id=brand_id, url="http://127.0.0.1:9/hook", secret="s" * 24, is_active=True
    )
    hook_id = to_global_id("Webhook", hook.id)
    sample = {"webhookId": hook_id, "eventType": "customer.created"}
    sent = await s.do("sendTestWebhook", "SendTestWebhookInput", sample, "delivery { succeeded }")
    assert sent["delivery"]["succeeded"] is False
    again = {"webhookId": hook_id, "all": True}
    assert (
        await s.do("redeliverWebhookMessages", "RedeliverWebhookMessagesInput", again, "count")
    )["count"] == 0
