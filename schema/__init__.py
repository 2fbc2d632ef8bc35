"""The GraphQL schema: each domain's Query/Mutation parts merged into the root types."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

import strawberry
from graphql import GraphQLError, NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxTokensLimiter,
    SchemaExtension,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.name_converter import NameConverter
from strawberry.schema.schema import DEFAULT_ALLOWED_OPERATION_TYPES, StreamResult
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.utils.operation import OperationType

from auth.context import Context
from engine.allowlist import PersistedQueryAllowList
from engine.document_limits import document_limits_rule
from engine.extensions import MaskUnexpectedErrors, is_unexpected
from engine.inputs import plan_input_conversions
from engine.introspection import AnonymousIntrospectionOff, is_anonymous, without_suggestions
from engine.lean import LeanPipeline, SharedParserCache
from engine.limits import QueryCostLimiter, rate_limit_key
from engine.ratelimit import RateLimiter
from engine.refusals import RefusalThrottle, noted_stream, refused_stream
from engine.request_errors import with_codes
from engine.shared_events import SharedEventExecutor
from engine.string_inputs import NulFreeStrings, NulFreeVariables
from engine.unavailable import is_read, is_unavailable
from engine.validation import ValidationByIdentity
from observability.request_record import operation_executed
from resolvers.brands.usage_hook import operation_finished
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
    lean: LeanPipeline | None = None
    anonymous_hints = True  # "Did you mean ...?" for callers without a token (engine/introspection)
    refusals: RefusalThrottle | None = None

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
        """The lean pipeline when it can answer, strawberry's extension hooks otherwise; each
        operation is reported once to `operation_executed` (metrics, request log)."""
        started = time.perf_counter()
        result = None
        arguments = (
            query,
            variable_values,
            context_value,
            root_value,
            operation_name,
            allowed_operation_types,
            operation_extensions,
        )
        caller = rate_limit_key(context_value) if isinstance(context_value, Context) else None
        try:
            held_back = self.refusals.held_back(caller) if self.refusals and caller else None
            if held_back is not None:
                result = ExecutionResult(data=None, errors=[held_back])
                return result
            result = await self._execute(*arguments)
            if is_unavailable(result.errors) and is_read(query, operation_name):
                if isinstance(context_value, Context):
                    context_value.loaders = {}  # nothing cached from the lost connection
                result = await self._execute(*arguments)  # once more, on a fresh connection
            if result.errors:
                result.errors = with_codes(result.errors)
                if not self.anonymous_hints and is_anonymous(context_value):
                    result.errors = without_suggestions(result.errors)
            return result
        finally:
            elapsed = time.perf_counter() - started
            operation_executed(context_value, operation_name, query, result, elapsed)
            if result is not None:
                operation_finished(context_value, result.errors)  # per-app usage counts
                if self.refusals is not None and caller is not None:
                    self.refusals.note(caller, result.errors)

    async def stream(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        operation_extensions: dict[str, Any] | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
    ) -> StreamResult:
        """Operations over a websocket (and HTTP's streamed transports): refusals by a limit
        count against the caller as over a JSON POST, and a held-back caller is refused before
        its document is parsed."""
        caller = rate_limit_key(context_value) if isinstance(context_value, Context) else None
        held_back = self.refusals.held_back(caller) if self.refusals and caller else None
        if held_back is not None:
            return refused_stream(held_back)
        results = await super().stream(
            query,
            variable_values,
            context_value,
            root_value,
            operation_name,
            operation_extensions,
            allowed_operation_types,
        )
        if self.refusals is None or caller is None:
            return results
        return noted_stream(results, self.refusals, caller)

    async def _execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None,
        context_value: Any | None,
        root_value: Any | None,
        operation_name: str | None,
        allowed_operation_types: Iterable[OperationType] | None,
        operation_extensions: dict[str, Any] | None,
    ) -> ExecutionResult:
        if self.lean is not None:
            result = await self.lean.execute(
                self,
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
            if result is not None:
                return result
        return await super().execute(
            query,
            variable_values,
            context_value,
            root_value,
            operation_name,
            allowed_operation_types,
            operation_extensions,
        )

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Log only unexpected failures; auth and input errors are the client's business."""
        unexpected = [e for e in errors if is_unexpected(e)]
        if unexpected:
            super().process_errors(unexpected, execution_context)


def build_schema(
    introspection: bool = True,
    anonymous_introspection: bool = True,
    max_query_cost: int = 10_000,
    rate_limiter: RateLimiter | None = None,
    max_batch_operations: int = 10,
    execution_context_class: type[SharedEventExecutor] = SharedEventExecutor,
    max_list_length: int = 2_000,
    validation_budget_ms: int = 300,
) -> CRMSchema:
    """`execution_context_class`: tests compare the default (queries level by level) with a
    subclass that executes them graphql-core's way."""
    limit_rules = [document_limits_rule(MAX_DEPTH, MAX_ALIASES, MAX_FIELDS), NulFreeStrings]
    budget_seconds = validation_budget_ms / 1000
    extensions: list[Callable[[], SchemaExtension]] = [
        MaskUnexpectedErrors,
        SharedParserCache,
        lambda: ValidationByIdentity(budget_seconds=budget_seconds),
        NulFreeVariables,
        # Rule classes built once, so the validation cache recognises them request after request.
        lambda: AddValidationRules(limit_rules),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
    ]
    if not introspection:
        extensions.append(DisableIntrospection)
    elif not anonymous_introspection:
        extensions.append(AnonymousIntrospectionOff)
    extensions.append(PersistedQueryAllowList)
    extensions.append(lambda: QueryCostLimiter(max_query_cost, max_list_length, rate_limiter))
    # Must check what the extensions above check, with the same rules in the same order.
    introspection_rules = [] if introspection else [NoSchemaIntrospectionCustomRule]
    lean = LeanPipeline(
        [*limit_rules, *introspection_rules],
        MAX_TOKENS,
        max_query_cost,
        max_list_length,
        rate_limiter,
        budget_seconds,
    )
    schema = CRMSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[CustomerType, *ALL_EVENT_TYPES],
        extensions=extensions,
        execution_context_class=execution_context_class,
        config=StrawberryConfig(
            auto_camel_case=True,
            name_converter=CachedNameConverter(),
            batching_config={"max_operations": max_batch_operations},
        ),
    )
    lean.anonymous_introspection = anonymous_introspection
    schema.lean = lean
    schema.anonymous_hints = anonymous_introspection
    schema.refusals = RefusalThrottle()
    plan_input_conversions(schema)
    return schema


def printed_sdl() -> str:
    return build_schema().as_str() + "\n"
