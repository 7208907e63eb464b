"""The complaint type classifier against its three baselines on real Traffy Fondue tickets, in one run.

    .venv/bin/python -m benchmarks.complaints_classifier [--data FILE ...] [--cluster ADDRESS] [--limit N]

The labelled tickets of the shared complaints folder (settings.data_dir / complaints; or --data) are
masked and normalised as `khlang complaints train` does, split by text hash (a held-out fifth), and four
classifiers are fitted on the same training part and scored on the same held-out part: the most frequent
type, keyword rules, character n-gram TF-IDF with one-vs-rest logistic regression (the anchor to beat), and
Khlang's (models.complaints.classifier.TypeClassifier, trained on the engine). Reported: micro and macro F1,
per-type precision and recall, training seconds, and tickets classified per second on the cluster (every
ticket of the files, labelled or not, through the same chunked engine map as `khlang complaints classify`).
Written to work/benchmarks/complaints.json and complaints.md."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import pandas as pd

from benchmarks.real_data import benchmark_session
from commands.progress import console
from models.complaints.classifier import CharTfidf, KeywordRules, MostFrequent, TypeClassifier
from models.complaints.evaluation import f1_table, summary
from models.complaints.train import _classify_chunk, split_labelled
from pipelines.complaints.traffy import read_tickets, ticket_files
from pipelines.generate.writers import atomic_write_bytes

__all__ = ["run", "markdown"]


def run(files: list[Path], engine, limit: int | None = None) -> dict:
    frame = pd.concat([read_tickets(f, required=("text", "type")) for f in files], ignore_index=True)
    if limit:
        frame = frame.sample(n=min(limit, len(frame)), random_state=2568).reset_index(drop=True)
    split = split_labelled(frame)  # what `khlang complaints train` fits and scores
    types, Y, held, unlabelled = split.types, split.Y, split.held, split.unlabelled
    train, test = split.train_texts, split.test_texts
    rows, per_type = [], {}
    for classifier in (MostFrequent(), KeywordRules(), CharTfidf(), TypeClassifier()):
        start = time.perf_counter()
        classifier.fit(train, Y[~held], types, engine)
        seconds = time.perf_counter() - start
        predicted = classifier.predict(test)
        rows.append({"classifier": classifier.name, **summary(Y[held], predicted), "train_seconds": seconds})
        per_type[classifier.name] = f1_table(Y[held], predicted, types)
        console.print(f"{classifier.name}: micro F1 {rows[-1]['f1_micro']:.3f}, macro F1 {rows[-1]['f1_macro']:.3f}, "
                      f"{seconds:.1f} s")
    all_texts = frame["text"].astype(str).tolist()
    chunks = [all_texts[i:i + 2000] for i in range(0, len(all_texts), 2000)]
    start = time.perf_counter()
    engine.map(_classify_chunk, chunks, classifier=classifier)
    throughput = len(all_texts) / (time.perf_counter() - start)
    anchor = next(r for r in rows if r["classifier"] == "char_tfidf_ovr")
    khlang = rows[-1]
    return {"files": [str(f) for f in files], "tickets": len(frame), "unlabelled": unlabelled,
            "train_tickets": len(train), "holdout_tickets": len(test), "types": list(types),
            "engine": engine.describe(), "rows": rows,
            "per_type": {k: v.to_dict(orient="records") for k, v in per_type.items()},
            "classify_per_second": throughput,
            "ratio_to_anchor": {"f1_micro": khlang["f1_micro"] / anchor["f1_micro"],
                                "f1_macro": khlang["f1_macro"] / anchor["f1_macro"]}}


def markdown(result: dict) -> str:
    lines = [f"Tickets {result['tickets']:,} ({result['unlabelled']:,} unlabelled left out); trained on "
             f"{result['train_tickets']:,}, held out {result['holdout_tickets']:,}; {len(result['types'])} types; "
             f"engine {result['engine']}", "",
             "| classifier | micro F1 | macro F1 | exact match | train s |", "|---|---|---|---|---|"]
    lines += [f"| {r['classifier']} | {r['f1_micro']:.3f} | {r['f1_macro']:.3f} | {r['exact_match']:.3f} | "
              f"{r['train_seconds']:.1f} |" for r in result["rows"]]
    ratio = result["ratio_to_anchor"]
    lines += ["", f"Khlang / anchor: micro F1 {ratio['f1_micro']:.3f}x, macro F1 {ratio['f1_macro']:.3f}x; "
              f"classified {result['classify_per_second']:,.0f} tickets/s on the cluster", "",
              "| type | support | Khlang P | Khlang R | Khlang F1 | anchor F1 |", "|---|---|---|---|---|---|"]
    anchor = {r["type"]: r for r in result["per_type"]["char_tfidf_ovr"]}
    for r in result["per_type"]["khlang"]:
        lines.append(f"| {r['type']} | {r['support']} | {r['precision']:.3f} | {r['recall']:.3f} | {r['f1']:.3f} | "
                     f"{anchor[r['type']]['f1']:.3f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", action="append", type=Path, help="ticket CSV (repeatable)")
    parser.add_argument("--cluster", help="engine address (default: the configured one)")
    parser.add_argument("--limit", type=int, help="a seeded sample of this many tickets")
    args = parser.parse_args()
    with benchmark_session(args.cluster) as (settings, folder, engine):
        files = args.data or ticket_files(settings.complaints_dir)
        result = run(files, engine, args.limit)
        atomic_write_bytes(folder / "complaints.json", json.dumps(result, ensure_ascii=False, indent=1).encode())
        text = markdown(result)
        atomic_write_bytes(folder / "complaints.md", text.encode())
    console.print(text)


if __name__ == "__main__":
    main()
