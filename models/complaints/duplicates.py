"""Near-duplicate complaints: the same problem reported several times is grouped into one case.

Two tickets are the same problem when they are close in space (within `radius_m`, haversine), close in
time (within `days`), share a problem type (or both have none yet), and say similar things (cosine of
their character 1–3-gram TF-IDF vectors ≥ `similarity`). Groups are the connected components of that
relation (scipy), so a chain of re-reports forms one group; a group is named by its earliest ticket.
Tickets without coordinates or time are groups of one. Pure: a frame in, a frame out."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import connected_components

__all__ = ["DuplicateRule", "group_duplicates"]

_EARTH_M = 6_371_000.0
PAIRS_CHUNK = 20_000  # tickets whose neighbours are looked up at once, and pairs whose texts are compared at once


@dataclass(frozen=True)
class DuplicateRule:
    radius_m: float = 100.0
    days: float = 7.0
    similarity: float = 0.5


def _pairs_near(lat: np.ndarray, lon: np.ndarray, radius_m: float, seconds: np.ndarray | None = None,
                window_s: float = np.inf, chunk: int = PAIRS_CHUNK) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i < j) within radius_m of each other (great-circle) and, where `seconds` are given, within
    window_s in time. The points are put on the unit sphere, where the great-circle radius is a chord of
    2 sin(radius / 2R) (the one grows with the other, so the same pairs), and looked up in a k-d tree
    (scipy's, compiled) `chunk` at a time; each chunk's pairs are cut to the close-in-time ones before the
    next: where tickets crowd (a city's centre, a busy week) the pairs within the radius alone run to
    hundreds of millions, which all at once held gigabytes."""
    from scipy.spatial import cKDTree

    phi, lam = np.radians(lat), np.radians(lon)
    points = np.column_stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)])
    tree = cKDTree(points)
    chord = 2.0 * np.sin(radius_m / _EARTH_M / 2.0)
    found_i, found_j = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    for start in range(0, len(points), chunk):
        neighbours = tree.query_ball_point(points[start:start + chunk], r=chord, return_sorted=False)
        i = np.repeat(np.arange(start, start + len(neighbours)), [len(n) for n in neighbours])
        j = np.fromiter((k for n in neighbours for k in n), dtype=np.int64, count=len(i))
        keep = i < j
        if seconds is not None:
            keep &= np.abs(seconds[i] - seconds[j]) <= window_s
        found_i.append(i[keep])
        found_j.append(j[keep])
    return np.concatenate(found_i), np.concatenate(found_j)


def _share_a_type(types: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Pairs with a type in common, or both without any: one bit per type (a type past the 63rd shares
    a bit with another: at worst a pair is compared on its text that need not have been)."""
    bit: dict[str, int] = {}
    masks = np.zeros(len(types), dtype=np.uint64)
    for k, value in enumerate(types):
        for t in filter(None, value.split(",")):
            masks[k] |= np.uint64(1) << np.uint64(bit.setdefault(t, len(bit)) % 63)
    return ((masks[i] & masks[j]) != 0) | ((masks[i] == 0) & (masks[j] == 0))


def _similar(texts: list[str], i: np.ndarray, j: np.ndarray, threshold: float) -> np.ndarray:
    from sklearn.feature_extraction.text import TfidfVectorizer

    if not len(i):
        return np.zeros(0, dtype=bool)
    involved, position = np.unique(np.concatenate([i, j]), return_inverse=True)  # only texts in a pair
    vectors = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True,
                              dtype=np.float32).fit_transform([texts[k] for k in involved])
    a, b = position[:len(i)], position[len(i):]
    cosine = np.empty(len(i), dtype=np.float64)
    for start in range(0, len(i), PAIRS_CHUNK):  # the two rows of every pair at once held gigabytes
        part = slice(start, start + PAIRS_CHUNK)
        cosine[part] = np.asarray(vectors[a[part]].multiply(vectors[b[part]]).sum(axis=1), dtype=np.float64).ravel()
    return cosine >= threshold


def group_duplicates(frame: pd.DataFrame, rule: DuplicateRule = DuplicateRule()) -> pd.DataFrame:
    """For tickets with columns ticket_id, text, types, lon, lat, reported_at: `group_id` (the earliest
    ticket of its group) and `group_size`, index aligned with `frame`."""
    out = pd.DataFrame({"group_id": frame["ticket_id"].to_numpy(), "group_size": 1}, index=frame.index)
    placed = frame["lon"].notna() & frame["lat"].notna() & frame["reported_at"].notna()
    rows = frame[placed]
    if len(rows) < 2:
        return out
    seconds = rows["reported_at"].astype("int64").to_numpy() / 1e9
    i, j = _pairs_near(rows["lat"].to_numpy(float), rows["lon"].to_numpy(float), rule.radius_m, seconds,
                       rule.days * 86400)
    same = _share_a_type(rows["types"].fillna("").to_numpy(), i, j)
    i, j = i[same], j[same]
    similar = _similar(rows["text"].fillna("").astype(str).tolist(), i, j, rule.similarity)
    i, j = i[similar], j[similar]
    graph = sparse.coo_matrix((np.ones(len(i)), (i, j)), shape=(len(rows), len(rows)))
    _, component = connected_components(graph, directed=False)
    order = pd.DataFrame({"component": component, "at": seconds, "ticket_id": rows["ticket_id"].to_numpy()})
    first = order.sort_values(["at", "ticket_id"]).drop_duplicates("component").set_index("component")["ticket_id"]
    out.loc[rows.index, "group_id"] = first.reindex(component).to_numpy()
    out.loc[rows.index, "group_size"] = np.bincount(component)[component]
    return out
