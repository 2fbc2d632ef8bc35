"""The GraphQL schema: each domain's Query/Mutation parts merged into the root types."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import Any

import strawberry
from graphql import GraphQLError, NoSchemaIntrospectionCustomRule
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.name_converter import NameConverter
from strawberry.schema.schema import DEFAULT_ALLOWED_OPERATION_TYPES
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.utils.operation import OperationType

from engine.document_limits import document_limits_rule
from engine.inputs import plan_input_conversions
from engine.policies import CheckedByPolicies, RequestPipeline, request_policies
from engine.ratelimit import RateLimiter
from engine.refusals import RefusalThrottle
from engine.request import Request, RequestPolicy
from engine.shared_events import SharedEventExecutor
from engine.string_inputs import NulFreeStrings
from library_adapter import graphql_core_schema
from schema.analytics.queries import AnalyticsQueries
from schema.appointments.mutations import AppointmentMutations
from schema.appointments.queries import AppointmentQueries
from schema.appointments.subscriptions import AppointmentSubscriptions
from schema.attributes.operations import AttributeMutations, AttributeQueries
from schema.audit.queries import AuditQueries
from schema.auth.operations import AuthMutations, AuthQueries
from schema.brands.app_admin import AppAdminMutations, AppAdminQueries
from schema.brands.apps import AppMutations
from schema.brands.operations import BrandMutations, BrandQueries
from schema.bulk.mutations import BulkMutations
from schema.campaigns.operations import CampaignMutations, CampaignQueries
from schema.customers.mutations import CustomerMutations
from schema.customers.queries import CustomerQueries
from schema.customers.types import CustomerType
from schema.events.subscriptions import EventSubscriptions
from schema.events.types import ALL_EVENT_TYPES
from schema.events.webhook_operations import WebhookOperationMutations, WebhookOperationQueries
from schema.events.webhooks import WebhookMutations, WebhookQueries
from schema.imports.operations import ImportMutations, ImportQueries
from schema.loyalty.mutations import LoyaltyMutations
from schema.loyalty.queries import LoyaltyQueries
from schema.node import NodeQueries
from schema.offers.mutations import OfferMutations
from schema.offers.queries import OfferQueries
from schema.privacy.consents import ConsentMutations
from schema.privacy.exports import PrivacyMutations, PrivacyQueries
from schema.referrals.operations import ReferralMutations, ReferralQueries
from schema.segments.mutations import SegmentMutations
from schema.segments.queries import SegmentQueries
from schema.stores.operations import StoreMutations, StoreQueries
from schema.surveys.operations import SurveyMutations, SurveyQueries
from schema.tickets.mutations import TicketMutations
from schema.tickets.queries import TicketQueries
from schema.tracking.operations import TrackingMutations, TrackingQueries

Query = merge_types(
    "Query",
    (
        NodeQueries,
        AuthQueries,
        BrandQueries,
        CustomerQueries,
        TicketQueries,
        SurveyQueries,
        LoyaltyQueries,
        OfferQueries,
        SegmentQueries,
        CampaignQueries,
        WebhookQueries,
        AuditQueries,
        AppAdminQueries,
        PrivacyQueries,
        StoreQueries,
        AppointmentQueries,
        ReferralQueries,
        TrackingQueries,
        AnalyticsQueries,
        AttributeQueries,
        WebhookOperationQueries,
        ImportQueries,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        AuthMutations,
        BrandMutations,
        AppMutations,
        AppAdminMutations,
        ConsentMutations,
        PrivacyMutations,
        CustomerMutations,
        TicketMutations,
        SurveyMutations,
        LoyaltyMutations,
        OfferMutations,
        SegmentMutations,
        CampaignMutations,
        WebhookMutations,
        StoreMutations,
        AppointmentMutations,
        ReferralMutations,
        TrackingMutations,
        AttributeMutations,
        BulkMutations,
        WebhookOperationMutations,
        ImportMutations,
    ),
)
Subscription = merge_types("Subscription", (EventSubscriptions, AppointmentSubscriptions))

MAX_DEPTH = 12
MAX_ALIASES = 50
MAX_TOKENS = 4000
MAX_FIELDS = 10_000  # fields with fragments inlined


class CachedNameConverter(NameConverter):
    """Strawberry converts argument names snake -> camel on every resolver call; cache them."""

    def __init__(self) -> None:
        super().__init__(auto_camel_case=True)
        self._converted: dict[str, str] = {}

    def apply_naming_config(self, name: str) -> str:
        converted = self._converted.get(name)
        if converted is None:
            converted = self._converted[name] = super().apply_naming_config(name)
        return converted


class CRMSchema(strawberry.Schema):
    """Every operation goes through `pipeline`, the one list of request policies
    (engine/policies.py): `execute` for HTTP, `stream` for websockets."""

    pipeline: RequestPipeline
    refusals: RefusalThrottle | None = None  # lean_post holds callers back before parsing

    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        return await self.pipeline.execute(
            query,
            variable_values,
            context_value,
            root_value,
            operation_name,
            DEFAULT_ALLOWED_OPERATION_TYPES
            if allowed_operation_types is None
            else allowed_operation_types,
            operation_extensions,
        )

    async def stream(  # type: ignore[override]
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        operation_extensions: dict[str, Any] | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
    ) -> Any:
        allowed = (
            DEFAULT_ALLOWED_OPERATION_TYPES
            if allowed_operation_types is None
            else allowed_operation_types
        )
        request = Request(
            self.pipeline.schema, query, variable_values, context_value, operation_name, allowed
        )
        stream = partial(
            super().stream,
            query,
            variable_values,
            context_value,
            root_value,
            operation_name,
            operation_extensions,
            allowed_operation_types,
        )
        return await self.pipeline.checked_stream(request, stream)

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Logged by the pipeline (engine.extensions.LogUnexpectedErrors), once."""


def build_schema(
    introspection: bool = True,
    anonymous_introspection: bool = True,
    max_query_cost: int = 10_000,
    rate_limiter: RateLimiter | None = None,
    max_batch_operations: int = 10,
    execution_context_class: type[SharedEventExecutor] = SharedEventExecutor,
    max_list_length: int = 2_000,
    validation_budget_ms: int = 300,
    extra_policies: Iterable[RequestPolicy] = (),
) -> CRMSchema:
    """`execution_context_class`: tests compare the default (queries level by level) with a
    subclass that executes them graphql-core's way. `extra_policies` run after the others."""
    refusals = RefusalThrottle()
    policies = request_policies(
        max_tokens=MAX_TOKENS,
        # Rule classes built once, so the validation cache recognises them request after request.
        validation_rules=[
            document_limits_rule(MAX_DEPTH, MAX_ALIASES, MAX_FIELDS),
            NulFreeStrings,
            *([] if introspection else [NoSchemaIntrospectionCustomRule]),
        ],
        validation_budget_seconds=validation_budget_ms / 1000,
        introspection=introspection,
        anonymous_introspection=anonymous_introspection,
        max_cost=max_query_cost,
        max_list_length=max_list_length,
        rate_limiter=rate_limiter,
        refusals=refusals,
    )
    policies.extend(extra_policies)
    schema = CRMSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[CustomerType, *ALL_EVENT_TYPES],
        extensions=[lambda: CheckedByPolicies(MAX_TOKENS)],
        execution_context_class=execution_context_class,
        config=StrawberryConfig(
            auto_camel_case=True,
            name_converter=CachedNameConverter(),
            batching_config={"max_operations": max_batch_operations},
        ),
    )
    schema.pipeline = RequestPipeline(
        policies, graphql_core_schema(schema), execution_context_class
    )
    schema.refusals = refusals
    plan_input_conversions(schema)
    return schema


def printed_sdl() -> str:
    return build_schema().as_str() + "\n"
