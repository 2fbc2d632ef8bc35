"""Customer clusters: k-means (scikit-learn) on each buyer's RFM and behaviour as of today.

Features: days since the last purchase, purchases, spend and tracked events in the last 30
days, each as log(1 + x), standardised. k runs from 2 to 6, fitted on a sample of at most
20,000 buyers; the k with the best silhouette (on at most 3,000 of them) is kept and every
buyer is assigned to its nearest centroid.
Clusters are numbered by their centroid's spend, highest first; each is described against the
median buyer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler

from services.analytics.features import FEATURES, FeatureSet

COLUMNS = [FEATURES.index(f) for f in ("recency_days", "frequency", "monetary", "events_30d")]
NAMES = ("recencyDays", "purchases", "spend", "events30d")
K_RANGE = range(2, 7)
SILHOUETTE_SAMPLE = 3000
CHOICE_SAMPLE = 20_000
MIN_BUYERS = 4
SEED = 0


@dataclass
class Cluster:
    number: int
    label: str
    size: int
    centroid: dict[str, float]


@dataclass
class Clustering:
    clusters: list[Cluster] = field(default_factory=list)
    assignment: npt.NDArray[np.int64] | None = None  # cluster number per buyer
    summary: dict[str, Any] = field(default_factory=dict)


def _describe(centre: npt.NDArray[np.float64], median: npt.NDArray[np.float64]) -> str:
    words = []
    recency, frequency, spend, events = centre
    if recency <= median[0] * 0.75:
        words.append("recent")
    elif recency >= median[0] * 1.5:
        words.append("lapsed")
    if frequency >= median[1] * 1.5:
        words.append("frequent")
    elif frequency <= median[1] * 0.67:
        words.append("occasional")
    if spend >= median[2] * 1.5:
        words.append("high spend")
    elif spend <= median[2] * 0.67:
        words.append("low spend")
    if events >= max(1.0, median[3] * 1.5):
        words.append("engaged online")
    return ", ".join(words) or "typical"


def _best_k(z: npt.NDArray[np.float64]) -> tuple[int, KMeans, float | None]:
    rng = np.random.default_rng(SEED)
    sample = z if len(z) <= CHOICE_SAMPLE else z[rng.choice(len(z), CHOICE_SAMPLE, replace=False)]
    distinct = len(np.unique(sample, axis=0))
    best: tuple[int, KMeans, float] | None = None
    for k in K_RANGE:
        if k > distinct or k >= len(sample):
            break
        model = KMeans(n_clusters=k, n_init=3, random_state=SEED).fit(sample)
        if len(set(model.labels_)) < 2:
            break
        size = min(SILHOUETTE_SAMPLE, len(sample))
        quality = float(
            silhouette_score(sample, model.labels_, sample_size=size, random_state=SEED)
        )
        if best is None or quality > best[2]:
            best = (k, model, quality)
    if best is None:  # every buyer alike: one cluster
        return 1, KMeans(n_clusters=1, n_init=1, random_state=SEED).fit(z), None
    return best


def fit(features: FeatureSet) -> Clustering:
    if len(features.now) < MIN_BUYERS:
        return Clustering(summary={"k": 0, "reason": f"needs at least {MIN_BUYERS} buyers"})
    raw = features.now[:, COLUMNS]
    logged = np.log1p(np.maximum(raw, 0))
    scaler = StandardScaler().fit(logged)
    z = scaler.transform(logged)
    k, model, silhouette = _best_k(z)
    centres = np.expm1(scaler.inverse_transform(model.cluster_centers_))
    order = np.argsort(-centres[:, 2], kind="stable")  # by spend, highest first
    number = np.empty(k, dtype=np.int64)
    number[order] = np.arange(1, k + 1)
    labels = np.asarray(model.predict(z))
    median = np.median(raw, axis=0)
    clusters = [
        Cluster(
            number=int(number[i]),
            label=_describe(centres[i], median),
            size=int((labels == i).sum()),
            centroid={name: round(float(v), 2) for name, v in zip(NAMES, centres[i], strict=True)},
        )
        for i in order
    ]
    summary = {"k": k, "silhouette": None if silhouette is None else round(silhouette, 4)}
    return Clustering(clusters, number[labels], summary)
