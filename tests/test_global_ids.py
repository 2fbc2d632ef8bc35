"""Relay global ids: base64("TypeName:pk"), one at a time or a column at once."""

from __future__ import annotations

import pytest

from resolvers.ids import BadGlobalId, from_global_id, to_global_id, to_global_ids


def test_a_column_of_ids_encodes_as_one_at_a_time() -> None:
    pks = [0, 1, 9, 10, 99, 12345, 2**31, 2**63 - 1]
    for type_name in ("PointsTransaction", "Customer", "X"):
        column = to_global_ids(type_name, iter(pks))
        assert column == [to_global_id(type_name, pk) for pk in pks]
        assert [from_global_id(gid) for gid in column] == [(type_name, pk) for pk in pks]
    assert to_global_ids("Customer", []) == []


def test_a_malformed_id_is_refused() -> None:
    for bad in ("", "not base64!", to_global_id("Customer", 1)[:-2] + "!!"):
        with pytest.raises(BadGlobalId):
            from_global_id(bad)
