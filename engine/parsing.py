"""Parsing within the token limit, parsed documents remembered by query text, and the
operation's type against the types the transport carries.

The same text gets the same document object, which the validation and cost caches key on. A
document refused by a limit is forgotten (`forget`): hostile documents with fresh names would
otherwise fill the cache with their syntax trees (about 100 KB each, tokens included) and
keep the worker's memory up after the attack.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from graphql import DocumentNode, GraphQLError, parse
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.utils.operation import get_operation_type

from engine.request import Checked, Request, RequestPolicy

PARSED_DOCUMENTS = 512

Key = tuple[str, tuple[tuple[str, Any], ...]]


class ParsedDocuments:
    def __init__(self, maxsize: int = PARSED_DOCUMENTS) -> None:
        self.maxsize = maxsize
        self.documents: OrderedDict[Key, DocumentNode] = OrderedDict()
        self.keys: dict[int, Key] = {}  # id(document) -> its key, for `forget`

    def __call__(self, query: str, **options: Any) -> DocumentNode:
        key = (query, tuple(sorted(options.items())))
        document = self.documents.get(key)
        if document is not None:
            self.documents.move_to_end(key)
            return document
        document = parse(query, **options)  # a syntax error is not remembered
        self.documents[key] = document
        self.keys[id(document)] = key
        while len(self.documents) > self.maxsize:
            _, evicted = self.documents.popitem(last=False)
            self.keys.pop(id(evicted), None)
        return document

    def forget(self, document: DocumentNode) -> None:
        key = self.keys.pop(id(document), None)
        if key is not None and self.documents.get(key) is document:
            del self.documents[key]


parse_cached = ParsedDocuments()


LIMIT_CODES = {
    "tokens. Parsing aborted": "TOO_MANY_TOKENS",
    "nested too deeply": "QUERY_TOO_DEEP",
}


def with_limit_code(error: GraphQLError) -> GraphQLError:
    """The parser's refusal of a document over a limit, with the limit's code."""
    code = next((code for text, code in LIMIT_CODES.items() if text in error.message), None)
    if code is None:
        return error
    return GraphQLError(
        error.message,
        source=error.source,
        positions=error.positions,
        extensions={**(error.extensions or {}), "code": code},
    )


class Parse(RequestPolicy):
    def __init__(self, max_tokens: int) -> None:
        self.max_tokens = max_tokens

    def check(self, request: Request) -> Checked:
        if not request.query:
            raise MissingQueryError
        try:
            request.document = parse_cached(request.query, max_tokens=self.max_tokens)
        except GraphQLError as error:
            return [with_limit_code(error)]
        return None


class AllowedOperationType(RequestPolicy):
    """The named operation (else the first), of a type the transport carries. Raises as
    strawberry does: the HTTP view answers 400 or 405, a websocket an error message."""

    def check(self, request: Request) -> Checked:
        assert request.document is not None
        try:
            kind = get_operation_type(request.document, request.operation_name)
        except RuntimeError:
            raise CannotGetOperationTypeError(request.operation_name) from None
        if kind not in request.allowed:
            raise InvalidOperationTypeError(kind)
        request.operation = kind
        return None
