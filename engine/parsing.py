"""Parsed documents by query text, shared by strawberry's path and the lean pipeline.

The same text gets the same document object, which the validation and cost caches key on. A
document refused by a limit is forgotten (`forget`): hostile documents with fresh names would
otherwise fill the cache with their syntax trees (about 100 KB each, tokens included) and
keep the worker's memory up after the attack.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from graphql import DocumentNode, parse

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
