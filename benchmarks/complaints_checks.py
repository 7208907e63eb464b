"""Placement, masking and import of complaints measured on real tickets, in one run.

    .venv/bin/python -m benchmarks.complaints_checks [--data FILE ...]

- Placement: every ticket of the shared complaints folder placed as `khlang complaints import` places it
  (coordinates in the district polygons, else the written address); the share placed at district level,
  and, where the ticket's own address names a district, the share placed in that district. Each
  disagreement is given its kind: `border` (the point lies within 1 km of the written district: the
  simplified polygons, or a point on the boundary road), `other_province` (the written province differs),
  `unknown_name` (the written name is no district of the register), `far` (the rest).
- Masking: precision and recall of every kind over the Thai corpus of pipelines.complaints.privacy_corpus,
  and how many real texts held each kind of personal data.
- Import: a Traffy-style file with dirty rows (bad coordinates, empty text, unknown state, duplicates, a
  garbled encoding, a missing id, a bad time) built from real tickets: rows in = stored + quarantined, by reason.
Written to work/benchmarks/complaints-checks.json and .md."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.real_data import benchmark_session
from commands.progress import console
from khlang.catalog import Catalog
from pipelines.complaints.privacy import mask, mask_many
from pipelines.complaints.privacy_corpus import corpus_scores
from pipelines.complaints.routing import clean_name, load_gazetteer, place
from pipelines.complaints.store import import_files
from pipelines.complaints.traffy import read_tickets, split_coords, ticket_files
from pipelines.generate.writers import atomic_write_bytes

__all__ = ["placement", "masking", "dirty_import"]


def placement(frame: pd.DataFrame, gaz) -> dict:
    from shapely import points

    start = time.perf_counter()
    lon, lat = split_coords(frame["coords"])
    placed = place(pd.DataFrame({"lon": lon, "lat": lat, "province": frame["province"], "district": frame["district"],
                                 "subdistrict": frame["subdistrict"]}), gaz)
    seconds = time.perf_counter() - start
    names = gaz.districts.assign(key=gaz.districts["name_th"].map(clean_name))
    written = frame["district"].map(clean_name)
    got = placed["district_code"].map(names.set_index("district_code")["key"])
    checked = (written != "") & placed["district_code"].notna()
    agree = checked & (got == written)
    wrong = placed[checked & ~agree].assign(written=written, lon=lon, lat=lat)
    polygon_of = {code: gaz.polygons[k] for k, code in enumerate(gaz.polygon_district)}
    kinds = []
    for _, row in wrong.iterrows():
        candidates = names[(names["key"] == row["written"])]
        same_province = candidates[candidates["province_code"] == row["province_code"]]
        if candidates.empty:
            kinds.append("unknown_name")
        elif same_province.empty:
            kinds.append("other_province")
        elif row["place_method"] == "coords" and any(
                polygon_of[c].distance(points(row["lon"], row["lat"])) * 111_000 <= 1000
                for c in same_province["district_code"] if c in polygon_of):
            kinds.append("border")
        else:
            kinds.append("far")
    methods = placed["place_method"].value_counts()
    return {"tickets": len(frame), "seconds": seconds,
            "by_method": {k: int(v) for k, v in methods.items()},
            "placed_share": float((placed["place_method"] != "unplaced").mean()),
            "checked": int(checked.sum()), "agree_share": float(agree.sum() / max(checked.sum(), 1)),
            "agree_share_coords": float(agree[placed["place_method"] == "coords"].sum()
                                        / max((checked & (placed["place_method"] == "coords")).sum(), 1)),
            "agree_share_address": float(agree[placed["place_method"] == "address"].sum()
                                         / max((checked & (placed["place_method"] == "address")).sum(), 1)),
            "error_kinds": dict(pd.Series(kinds, dtype=object).value_counts().astype(int))}


def masking(frame: pd.DataFrame) -> dict:
    corpus = corpus_scores(mask)
    start = time.perf_counter()
    _, found = mask_many(frame["text"])
    seconds = time.perf_counter() - start
    return {"corpus": corpus, "real_texts": len(frame), "real_found": dict(found), "real_seconds": seconds}


def dirty_import(frame: pd.DataFrame, folder: Path, gaz) -> dict:
    rng = np.random.default_rng(2568)
    rows = frame.sample(n=2000, random_state=1).reset_index(drop=True).copy()
    faults = {"bad_coordinates": lambda r: r.update(coords="181.5,95.2"), "empty_text": lambda r: r.update(text="  "),
              "unknown_state": lambda r: r.update(state="หายไปแล้ว"),
              "mojibake_text": lambda r: r.update(text=r["text"].encode("utf-8").decode("latin-1")),
              "missing_ticket_id": lambda r: r.update(ticket_id=""),
              "invalid_timestamp": lambda r: r.update(timestamp="31/13/2565 25:61")}
    picks = rng.choice(len(rows), size=len(faults) * 10, replace=False)
    records = rows.to_dict("records")
    for k, index in enumerate(picks):
        list(faults.values())[k // 10](records[index])
    dirty = pd.DataFrame(records)
    dirty = pd.concat([dirty, dirty.iloc[[0, 1, 2, 3, 4]]], ignore_index=True)  # five duplicate ids
    path = folder / "dirty-traffy.csv"
    dirty.to_csv(path, index=False)
    catalog = Catalog(folder / "dirty-import-work").ensure()
    first = import_files([path], catalog, gaz)
    again = import_files([path], catalog, gaz)
    return {"rows": first.rows, "stored": first.stored, "quarantined": first.quarantined, "reasons": first.reasons,
            "balanced": first.rows == first.stored + first.quarantined,
            "rerun": {"new": again.new, "updated": again.updated, "unchanged": again.unchanged,
                      "quarantined": again.quarantined}}


def markdown(result: dict) -> str:
    p, m, d = result["placement"], result["masking"], result["import"]
    lines = ["## Placement", "", f"{p['tickets']:,} real tickets placed in {p['seconds']:.1f} s: "
             + ", ".join(f"{k} {v:,}" for k, v in p["by_method"].items())
             + f"; placed at district level {p['placed_share']:.1%}.",
             f"Against the district written on {p['checked']:,} tickets: {p['agree_share']:.1%} agree "
             f"(by coordinates {p['agree_share_coords']:.1%}, by address {p['agree_share_address']:.1%}); "
             "disagreements: " + ", ".join(f"{k} {v:,}" for k, v in p["error_kinds"].items()), "",
             "## Masking", "", "| kind | spans | precision | recall |", "|---|---|---|---|"]
    lines += [f"| {k} | {v['spans']} | {v['precision']:.3f} | {v['recall']:.3f} |" for k, v in m["corpus"].items()]
    lines += ["", f"Real texts: {m['real_texts']:,} masked in {m['real_seconds']:.1f} s; found "
              + ", ".join(f"{k} {v:,}" for k, v in m["real_found"].items()), "", "## Import of a dirty file", "",
              f"{d['rows']:,} rows = {d['stored']:,} stored + {d['quarantined']:,} quarantined (balanced: {d['balanced']}); "
              "reasons: " + ", ".join(f"{k} {v}" for k, v in d["reasons"].items())
              + f"; imported again: {d['rerun']}"]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", action="append", type=Path, help="ticket CSV (repeatable)")
    args = parser.parse_args()
    with benchmark_session("local") as (settings, folder, _engine):
        files = args.data or ticket_files(settings.complaints_dir)
        frame = pd.concat([read_tickets(f) for f in files], ignore_index=True)
        gaz = load_gazetteer(settings.thailand_dir)
        result = {"files": [str(f) for f in files], "placement": placement(frame, gaz), "masking": masking(frame),
                  "import": dirty_import(frame, folder, gaz)}
        atomic_write_bytes(folder / "complaints-checks.json",
                           json.dumps(result, ensure_ascii=False, indent=1, default=str).encode())
        text = markdown(result)
        atomic_write_bytes(folder / "complaints-checks.md", text.encode())
    console.print(text)


if __name__ == "__main__":
    main()
