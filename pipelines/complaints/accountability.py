"""Accountability per LAO (or district, province) and problem type: open cases, time to first action, time
to resolve, the share resolved within a target, the reopen rate; and each LAO's resolution time beside
its peers: the LAOs of its type and size (city municipalities of 25,000–50,000 residents with each other).

A case with several types counts once under each. Times are in days. Time to resolve is taken from the
report to the resolution (an officer's `done` event, else an imported ticket's last activity when it is
done); time to first action only where the state history is known (cases worked in Khlang): an imported
ticket carries its last state, not its history. `within_target` is the share of cases old enough to be
judged (reported at least `target_days` ago, or already resolved) that were resolved within the target."""

from __future__ import annotations

import pandas as pd

from khlang.domain.size import size_group

__all__ = ["accountability", "explode_types", "OPEN_STAGES", "TARGET_DAYS", "peer_comparison"]

OPEN_STAGES = ("waiting", "forwarded", "in_progress", "unknown")
TARGET_DAYS = 30.0
ALL_TYPES = "ทั้งหมด"


def explode_types(cases: pd.DataFrame) -> pd.DataFrame:
    """One row per (case, type); a case without a type is under 'ไม่ระบุ' (unspecified)."""
    types = cases["types"].fillna("").astype(str).str.split(",")
    out = cases.assign(type=types).explode("type")
    out["type"] = out["type"].str.strip().replace("", "ไม่ระบุ")
    return out


def _days(later: pd.Series, earlier: pd.Series) -> pd.Series:
    return (later - earlier).dt.total_seconds() / 86400.0


def accountability(cases: pd.DataFrame, by: tuple[str, ...] = ("lao_code", "type"),
                   target_days: float = TARGET_DAYS, now: pd.Timestamp | None = None,
                   with_total: bool = True) -> pd.DataFrame:
    """The measures per group of `by` (any columns of the cases, and `type`); with `with_total`, a row per
    group of the other keys over all types (type 'ทั้งหมด')."""
    now = now if now is not None else pd.Timestamp.now(tz="UTC")
    rows = explode_types(cases) if "type" in by else cases.copy()
    if with_total and "type" in by:
        rows = pd.concat([rows, cases.assign(type=ALL_TYPES)], ignore_index=True)
    rows["open"] = rows["stage"].isin(OPEN_STAGES)
    rows["resolve_days"] = _days(rows["resolved_at"], rows["reported_at"])
    rows["first_action_days"] = _days(rows["first_action_at"], rows["reported_at"])
    judged = rows["resolved_at"].notna() | (_days(pd.Series(now, index=rows.index), rows["reported_at"]) >= target_days)
    rows["judged"] = judged
    rows["in_target"] = judged & (rows["resolve_days"] <= target_days)
    rows["open_age"] = _days(pd.Series(now, index=rows.index), rows["reported_at"]).where(rows["open"])
    grouped = rows.groupby(list(by), dropna=False)
    table = pd.DataFrame({
        "cases": grouped.size(), "open": grouped["open"].sum(),
        "median_days_to_first_action": grouped["first_action_days"].median(),
        "median_days_to_resolve": grouped["resolve_days"].median(),
        "resolved_within_target": grouped["in_target"].sum() / grouped["judged"].sum().where(lambda s: s > 0),
        "reopen_rate": grouped["reopened"].mean(),
        "oldest_open_days": grouped["open_age"].max(),
    }).reset_index()
    return table


def peer_comparison(cases: pd.DataFrame, laos: pd.DataFrame, target_days: float = TARGET_DAYS,
                    now: pd.Timestamp | None = None) -> pd.DataFrame:
    """Per LAO with cases: its measures (over all types) beside its peers, the LAOs with cases of the same
    type and size (khlang.domain.size: population band when `laos` has a known `population`, else the
    register's area band). `laos`: lao_code, lao_type, area_km2 and optionally population. Adds size,
    peer_group, peers (LAOs in the group, itself included), the group's median and 25th/75th percentiles of
    median days to resolve, its median share resolved within target, and `vs_peers` = the LAO's median days
    to resolve / the group's median - 1 (NaN where either is unknown or the median is 0)."""
    table = accountability(cases, by=("lao_code",), target_days=target_days, now=now, with_total=False)
    table = table[table["lao_code"].notna()].merge(laos, on="lao_code", how="left")
    population = table["population"] if "population" in table else None
    sizes = size_group(table["lao_type"].fillna("?"), population, table.get("area_km2", pd.Series(index=table.index)))
    table["size"], table["peer_group"] = sizes["size"], sizes["peer_group"]
    peers = table.groupby("peer_group")
    days = peers["median_days_to_resolve"]
    table["peers"] = peers["lao_code"].transform("size")
    table["peer_median_days_to_resolve"] = days.transform("median")
    table["peer_p25_days_to_resolve"] = days.transform(lambda s: s.quantile(0.25))
    table["peer_p75_days_to_resolve"] = days.transform(lambda s: s.quantile(0.75))
    table["peer_resolved_within_target"] = peers["resolved_within_target"].transform("median")
    median = table["peer_median_days_to_resolve"]
    table["vs_peers"] = table["median_days_to_resolve"] / median.where(median > 0) - 1.0
    return table
