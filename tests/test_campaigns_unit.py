"""The campaign statistics and the holdout split, on hand-computed examples (no database)."""

from __future__ import annotations

from decimal import Decimal

from services.campaigns.campaigns import choose_holdout, holdout_size
from services.campaigns.stats import GroupRevenue, uplift


def _group(values: list[float]) -> GroupRevenue:
    return GroupRevenue(len(values), sum(values), sum(v * v for v in values))


def test_uplift_by_hand() -> None:
    # treated spent 10, 20, 30, 0: mean 15, s^2 = (1400 - 60^2/4) / 3 = 166.67
    # holdout spent 5, 15:        mean 10, s^2 = (250 - 20^2/2) / 1 = 50
    treated, holdout = _group([10, 20, 30, 0]), _group([5, 15])
    assert treated.mean == 15 and holdout.mean == 10
    assert abs((treated.variance or 0) - 500 / 3) < 1e-9 and holdout.variance == 50
    u = uplift(treated, holdout)
    # se = sqrt(166.67/4 + 50/2) = sqrt(66.67) = 8.165; 1.96 * se = 16.003
    assert u.absolute == Decimal("5.00")
    assert (u.confidence_low, u.confidence_high) == (Decimal("-11.00"), Decimal("21.00"))
    assert u.percent == 50.0
    # delta method: sqrt(41.67/10^2 + 15^2 * 25/10^4) = sqrt(0.9792) = 0.98953; x1.96 = 1.9395
    assert (u.percent_low, u.percent_high) == (-143.95, 243.95)
    assert u.significant is False


def test_a_clear_uplift_is_significant() -> None:
    treated = _group([100.0, 110.0, 90.0, 100.0] * 25)  # mean 100, s^2 = 50.5
    holdout = _group([50.0, 60.0, 40.0, 50.0] * 25)  # mean 50
    u = uplift(treated, holdout)
    assert u.absolute == Decimal("50.00") and u.percent == 100.0
    assert u.significant is True
    assert u.confidence_low is not None and u.confidence_low > Decimal("47")


def test_uplift_degenerate_groups() -> None:
    empty = GroupRevenue(0, 0.0, 0.0)
    assert uplift(_group([5, 6]), empty).absolute is None
    one = uplift(_group([5]), _group([3]))  # means, but no variance with one per group
    assert one.absolute == Decimal("2.00") and one.confidence_low is None
    assert one.significant is None
    no_base = uplift(_group([5, 7]), _group([0, 0]))  # holdout spent nothing: no percent
    assert no_base.absolute == Decimal("6.00") and no_base.percent is None


def test_holdout_is_exact_reproducible_and_seeded() -> None:
    ids = list(range(1, 1001))
    first = choose_holdout("seed-a", ids, Decimal(10))
    assert len(first) == 100 == holdout_size(1000, Decimal(10))
    assert choose_holdout("seed-a", list(reversed(ids)), Decimal(10)) == first
    other = choose_holdout("seed-b", ids, Decimal(10))
    assert len(other) == 100 and other != first
    assert len(set(first) & set(other)) < 40  # independent draws overlap by ~10
    # spread over the id range, not a block of low or high ids
    assert 300 < sum(first) / len(first) < 700
    assert holdout_size(7, Decimal("12.5")) == 1  # 0.875 rounds half up to 1
    assert holdout_size(3, Decimal(0)) == 0
    assert choose_holdout("s", [], Decimal(50)) == []
