"""Reading Prometheus' text format as a scraper would."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample (0 when absent); counters are named with their `_total`."""
    for family in text_string_to_metric_families(text):
        for found in family.samples:
            if found.name == name and all(found.labels.get(k) == v for k, v in labels.items()):
                return float(found.value)
    return 0.0


def families(text: str) -> set[str]:
    return {family.name for family in text_string_to_metric_families(text)}
