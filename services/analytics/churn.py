"""The churn model: a logistic regression per brand on its own purchase history (scikit-learn).

Training rows are the customers who had bought by the cutoff (`horizon` days ago), with their
features as of then; the label is 1 when they bought nothing since. A stratified quarter is
held out to measure the model (ROC AUC, Brier score, calibration by quantile bins), then the
model is refitted on every row and scores every buyer's features as of today: the probability
of buying nothing in the next `horizon` days. Features enter as log(1 + x), standardised.
A customer's drivers are the terms coefficient x standardised value, largest first.
Standardised values are clipped to [-5, 5] when scoring, so a feature that hardly varied in
training (every customer's tenure alike, say) cannot swamp the others today.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from services.analytics.features import FEATURES, FeatureSet

if TYPE_CHECKING:  # fitting imports scikit-learn when it runs: the server only reads the model
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

MIN_PER_CLASS = 2  # fewer churned (or retained) customers: no model
MIN_HOLDOUT_PER_CLASS = 4  # fewer: fitted, but not measured
CALIBRATION_BINS = 5
Z_LIMIT = 5.0
SEED = 0


@dataclass
class ChurnModel:
    """What scoring and explaining need, as stored with the refresh (AnalyticsRun.churn)."""

    fitted: bool
    reason: str = ""
    horizon_days: int = 0
    means: list[float] = field(default_factory=list)
    scales: list[float] = field(default_factory=list)
    coefficients: list[float] = field(default_factory=list)
    intercept: float = 0.0
    quality: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "fitted": self.fitted,
            "reason": self.reason,
            "horizonDays": self.horizon_days,
            "features": list(FEATURES),
            "means": self.means,
            "scales": self.scales,
            "coefficients": self.coefficients,
            "intercept": self.intercept,
            **self.quality,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ChurnModel:
        quality_keys = ("auc", "brier", "calibration", "trainingCustomers", "holdoutCustomers")
        return cls(
            fitted=bool(data.get("fitted")),
            reason=str(data.get("reason", "")),
            horizon_days=int(data.get("horizonDays", 0)),
            means=list(data.get("means", [])),
            scales=list(data.get("scales", [])),
            coefficients=list(data.get("coefficients", [])),
            intercept=float(data.get("intercept", 0.0)),
            quality={k: data[k] for k in quality_keys if k in data},
        )

    def contributions(self, features: list[float]) -> list[float]:
        """Each feature's term in the log-odds (positive raises the risk)."""
        return [float(v) for v in self.standardised(np.asarray([features]))[0] * self.coefficients]

    def standardised(self, x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        z = (_prepare(x) - np.asarray(self.means)) / np.asarray(self.scales)
        return np.clip(z, -Z_LIMIT, Z_LIMIT)


def _prepare(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return np.log1p(np.maximum(x, 0))


def _pipeline(
    x: npt.NDArray[np.float64], y: npt.NDArray[np.int_]
) -> tuple[StandardScaler, LogisticRegression]:
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(x)
    model = LogisticRegression(C=1.0, max_iter=500).fit(scaler.transform(x), y)
    return scaler, model


def _calibration(y: npt.NDArray[np.int_], p: npt.NDArray[np.float64]) -> list[dict[str, float]]:
    """Predicted and observed churn per quantile bin of the predictions."""
    order = np.argsort(p, kind="stable")
    bins = []
    for part in np.array_split(order, min(CALIBRATION_BINS, len(order))):
        if len(part):
            bins.append(
                {
                    "predicted": round(float(p[part].mean()), 4),
                    "observed": round(float(y[part].mean()), 4),
                    "customers": len(part),
                }
            )
    return bins


def _measure(x: npt.NDArray[np.float64], y: npt.NDArray[np.int_]) -> dict[str, Any]:
    from sklearn.metrics import brier_score_loss, roc_auc_score
    from sklearn.model_selection import train_test_split

    counts = np.bincount(y, minlength=2)
    if counts.min() < MIN_HOLDOUT_PER_CLASS:
        return {"auc": None, "brier": None, "calibration": [], "holdoutCustomers": 0}
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=0.25, stratify=y, random_state=SEED
    )
    scaler, model = _pipeline(x_train, y_train)
    p = model.predict_proba(scaler.transform(x_test))[:, 1]
    return {
        "auc": round(float(roc_auc_score(y_test, p)), 4),
        "brier": round(float(brier_score_loss(y_test, p)), 4),
        "calibration": _calibration(y_test, p),
        "holdoutCustomers": len(y_test),
    }


def fit(features: FeatureSet, horizon_days: int) -> ChurnModel:
    x = _prepare(features.then[features.bought_by_cutoff])
    y = features.churned[features.bought_by_cutoff].astype(int)
    counts = np.bincount(y, minlength=2)
    if counts.min() < MIN_PER_CLASS:
        reason = (
            f"needs at least {MIN_PER_CLASS} customers who bought before the cutoff and "
            f"{MIN_PER_CLASS} of them who did not buy again within {horizon_days} days "
            f"(found {int(counts[0])} retained, {int(counts[1])} churned)"
        )
        return ChurnModel(fitted=False, reason=reason, horizon_days=horizon_days)
    quality = _measure(x, y)
    quality["trainingCustomers"] = len(y)
    scaler, model = _pipeline(x, y)
    return ChurnModel(
        fitted=True,
        horizon_days=horizon_days,
        means=[float(v) for v in scaler.mean_],
        scales=[float(v) for v in scaler.scale_],
        coefficients=[float(v) for v in model.coef_[0]],
        intercept=float(model.intercept_[0]),
        quality=quality,
    )


def score(model: ChurnModel, features: FeatureSet) -> npt.NDArray[np.float64] | None:
    """Every buyer's probability of not buying in the next horizon, or None without a model."""
    if not model.fitted or not len(features.now):
        return None
    logits = model.standardised(features.now) @ np.asarray(model.coefficients) + model.intercept
    return 1.0 / (1.0 + np.exp(-logits))
