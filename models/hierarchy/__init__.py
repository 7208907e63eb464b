"""The administrative hierarchy as a summing matrix (LAO -> district -> province -> region -> nation)
and the reconciliation that makes forecasts add up across it.

Public names load on first use (models.lazy)."""

from models.lazy import lazy_names

_WHERE = {
    "NODE_LEVELS": "models.hierarchy.matrix",
    "Hierarchy": "models.hierarchy.matrix",
    "HierarchyError": "models.hierarchy.matrix",
    "hierarchy_from_table": "models.hierarchy.matrix",
    "build_hierarchy": "models.hierarchy.matrix",
    "metric_lao_codes": "models.hierarchy.matrix",
    "METHODS": "models.hierarchy.reconcile",
    "Reconciled": "models.hierarchy.reconcile",
    "ReconciliationWarning": "models.hierarchy.reconcile",
    "bottom_up": "models.hierarchy.reconcile",
    "wls": "models.hierarchy.reconcile",
    "mint_shrink": "models.hierarchy.reconcile",
    "structural_weights": "models.hierarchy.reconcile",
    "residual_variances": "models.hierarchy.reconcile",
    "shrinkage_intensity": "models.hierarchy.reconcile",
    "clip_nonnegative": "models.hierarchy.reconcile",
    "coherence_gaps": "models.hierarchy.reconcile",
    "coherence_gap": "models.hierarchy.reconcile",
}
__getattr__, __dir__, __all__ = lazy_names(__name__, _WHERE)
