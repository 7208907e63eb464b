"""Training the complaint classifier and classifying tickets with the champion: the work behind
`khlang complaints train` and `khlang complaints classify`, on the engine handed in.

Train: the labelled tickets (models.complaints.labels) of the given files, masked and normalised; a held-out
fifth by text hash (models.complaints.evaluation); Khlang's classifier fitted on the rest, one engine task
per type; scored on the held-out part; logged to MLflow with its per-type table and registered.
Classify: the champion from the registry, the tickets in chunks of `chunk` texts, one engine task each."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from cluster.engine import IN_PROCESS, Engine
from khlang.catalog import Catalog
from models.complaints.classifier import TypeClassifier
from models.complaints.evaluation import f1_table, holdout_mask, summary
from models.complaints.labels import MIN_SUPPORT, indicator, parse_types, taxonomy
from models.complaints.text import clean_texts
from models.complaints.tracking import FAMILY, classify_frame, data_key, load_champion, log_classifier
from models.tracking.registry import Registration, register_winner
from models.tracking.runs import training_cycle
from pipelines.complaints.traffy import read_tickets

__all__ = ["TrainReport", "labelled_tickets", "train_classifier", "classify_tickets", "ClassifyReport",
           "NotEnoughLabels", "publish_volumes", "officer_labels", "LabelledSplit", "split_labelled"]

HOLDOUT_SHARE = 0.2


class NotEnoughLabels(ValueError):
    """Too few labelled tickets to learn from."""


def labelled_tickets(frame: pd.DataFrame) -> tuple[list[str], list[list[str]], int]:
    """(normalised texts, problem types) of the tickets that carry at least one type, and how many rows had
    none (unlabelled: อื่นๆ, empty, or only a message kind)."""
    labels = [parse_types(v) for v in frame["type"]]
    keep = np.array([bool(ls) for ls in labels]) & (frame["text"].astype(str).str.strip() != "").to_numpy()
    texts = clean_texts(frame.loc[keep, "text"].tolist())
    return texts, [ls for ls, k in zip(labels, keep, strict=True) if k], int((~keep).sum())


@dataclass(frozen=True)
class LabelledSplit:
    """The labelled tickets of a frame (normalised texts, their types within the taxonomy learnt) and the
    held-out side of each (by text hash): what `train_classifier` fits and scores, and the benchmark too."""

    texts: list[str]
    labels: list[list[str]]
    Y: np.ndarray  # bool [tickets, types]
    types: tuple[str, ...]
    held: np.ndarray  # bool [tickets]: held out
    unlabelled: int  # rows left out: no problem type

    @property
    def train_texts(self) -> list[str]:
        return [t for t, h in zip(self.texts, self.held, strict=True) if not h]

    @property
    def test_texts(self) -> list[str]:
        return [t for t, h in zip(self.texts, self.held, strict=True) if h]


def split_labelled(frame: pd.DataFrame, min_support: int = MIN_SUPPORT,
                   holdout_share: float = HOLDOUT_SHARE) -> LabelledSplit:
    """The types with at least `min_support` tickets (fewer on a small file: a fiftieth of its labelled
    tickets, at least 2), the tickets having one of them, and a held-out `holdout_share` by text hash."""
    texts, labels, unlabelled = labelled_tickets(frame)
    types = taxonomy(labels, min_support=min(min_support, max(2, len(labels) // 50)))
    Y = indicator(labels, types)
    keep = Y.any(axis=1)
    texts = [t for t, k in zip(texts, keep, strict=True) if k]
    labels = [ls for ls, k in zip(labels, keep, strict=True) if k]
    return LabelledSplit(texts, labels, Y[keep], types, holdout_mask(texts, holdout_share), unlabelled)


@dataclass(frozen=True)
class TrainReport:
    files: tuple[str, ...]
    tickets: int
    unlabelled: int
    train: int
    holdout: int
    types: tuple[str, ...]
    scores: dict[str, float]
    per_type: pd.DataFrame
    seconds: float
    model_uri: str
    registration: Registration

    def summary(self) -> str:
        return (f"complaint classifier: {len(self.types)} types from {self.train:,} labelled tickets "
                f"({self.unlabelled:,} unlabelled left out); held-out {self.holdout:,}: micro F1 "
                f"{self.scores['f1_micro']:.3f}, macro F1 {self.scores['f1_macro']:.3f}; {self.seconds:.0f} s; "
                f"{self.registration.name} v{self.registration.version} → {self.registration.alias} "
                f"({self.registration.reason})")


def officer_labels(catalog: Catalog) -> pd.DataFrame:
    """ticket_id, text, type of the work folder's cases whose types an officer confirmed or corrected
    (POST /v1/complaints/{case_id}/events, kind `type`): new labels for the next training."""
    from pipelines.complaints.cases import read_cases

    cases = read_cases(catalog)
    if not len(cases):
        return pd.DataFrame(columns=["ticket_id", "text", "type"])
    corrected = cases[cases["corrected"].astype(bool)]
    return pd.DataFrame({"ticket_id": corrected["ticket_id"].astype(str), "text": corrected["text"].astype(str),
                         "type": corrected["types"].astype(str)})


def train_classifier(files: Sequence[Path], catalog: Catalog, engine: Engine = IN_PROCESS,
                     min_support: int = MIN_SUPPORT, say: Callable[[str], None] | None = None) -> TrainReport:
    say = say or (lambda _message: None)
    start = time.perf_counter()
    frame = pd.concat([read_tickets(Path(f), required=("text", "type")) for f in files], ignore_index=True)
    corrections = officer_labels(catalog)
    if len(corrections):  # an officer's confirmed or corrected types are labels; they replace a file's own
        frame = pd.concat([frame[~frame["ticket_id"].isin(corrections["ticket_id"])],
                           corrections.reindex(columns=frame.columns, fill_value="")], ignore_index=True)
    say(f"read {len(frame):,} tickets ({len(corrections):,} labelled by officers); masking and normalising the texts")
    split = split_labelled(frame, min_support)
    types, Y, held, unlabelled = split.types, split.Y, split.held, split.unlabelled
    if len(types) < 2 or len(split.texts) < 50:
        raise NotEnoughLabels(f"{len(split.texts)} labelled tickets in {len(types)} types: a classifier needs "
                              "at least 50 tickets and 2 types with enough examples each")
    train_texts, test_texts = split.train_texts, split.test_texts
    say(f"fitting {len(types)} types on {len(train_texts):,} tickets ({engine.describe()})")
    classifier = TypeClassifier().fit(train_texts, Y[~held], types, engine)
    predicted = classifier.predict(test_texts)
    scores = summary(Y[held], predicted)
    per_type = f1_table(Y[held], predicted, types)
    seconds = time.perf_counter() - start
    key = data_key(split.texts, split.labels, HOLDOUT_SHARE)
    params = {"files": ",".join(Path(f).name for f in files), "types": ",".join(types), "C": classifier.C,
              "train_tickets": len(train_texts), "holdout_tickets": len(test_texts), "min_support": min_support}
    with training_cycle(FAMILY, "classifier", catalog, params=params) as run:
        run._log_metrics({**{k: float(v) for k, v in scores.items()}, "train_seconds": seconds,
                          **{f"f1__{j}": float(f) for j, f in enumerate(per_type["f1"])}})
        run.log_frame(per_type, "per_type.parquet")
        model_uri = log_classifier(classifier, "type_classifier", test_texts[:2] or train_texts[:2])
    registration = register_winner(model_uri, FAMILY, 1.0 - scores["f1_micro"], key, catalog,
                                   score_metric="f1_micro_error__holdout")
    return TrainReport(files=tuple(str(f) for f in files), tickets=len(frame), unlabelled=unlabelled,
                       train=len(train_texts), holdout=len(test_texts), types=types, scores=scores,
                       per_type=per_type, seconds=seconds, model_uri=model_uri, registration=registration)


def _classify_chunk(texts: list[str], classifier: TypeClassifier) -> pd.DataFrame:
    """One engine task: the types and scores of a chunk of raw texts."""
    return classify_frame(classifier, texts)


@dataclass(frozen=True)
class ClassifyReport:
    tickets: int
    seconds: float
    output: Path
    type_counts: dict[str, int]

    def summary(self) -> str:
        top = ", ".join(f"{t} {n:,}" for t, n in list(self.type_counts.items())[:5])
        return (f"{self.tickets:,} tickets classified in {self.seconds:.1f} s "
                f"({self.tickets / max(self.seconds, 1e-9):,.0f} per second) → {self.output}; most: {top}")


def classify_tickets(path: Path, output: Path, catalog: Catalog, engine: Engine = IN_PROCESS,
                     chunk: int = 2000) -> ClassifyReport:
    """Label every ticket of `path` (columns ticket_id, text) with the champion; write `output` (CSV)
    atomically: ticket_id, type, one score column per type."""
    frame = read_tickets(Path(path), required=("ticket_id", "text"))
    classifier = load_champion(catalog)
    start = time.perf_counter()
    texts = frame["text"].astype(str).tolist()
    chunks = [texts[i:i + chunk] for i in range(0, len(texts), chunk)] or [[]]
    parts = engine.map(_classify_chunk, chunks, classifier=classifier)
    labelled = pd.concat(parts, ignore_index=True)
    seconds = time.perf_counter() - start
    out = pd.concat([frame[["ticket_id"]].reset_index(drop=True), labelled], axis=1)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(f".{output.name}.partial")
    out.to_csv(partial, index=False, encoding="utf-8")
    partial.replace(output)
    counts = out["type"].str.split(",").explode().value_counts()
    return ClassifyReport(tickets=len(out), seconds=seconds, output=output,
                          type_counts={str(k): int(v) for k, v in counts.items() if k})


def publish_volumes(catalog: Catalog, engine: Engine = IN_PROCESS, horizon_weeks: int = 8):
    """Forecast weekly complaint volumes per district and type from the complaints store
    (models.complaints.volume) and write them, atomically, to <work>/complaints/forecast.parquet (what
    GET /v1/complaints/forecast serves); the VolumeForecast."""
    import io

    from models.complaints.volume import forecast_volume
    from pipelines.complaints.store import read_store
    from pipelines.generate.writers import atomic_write_bytes

    volume = forecast_volume(read_store(catalog), horizon_weeks=horizon_weeks, engine=engine)
    buffer = io.BytesIO()
    volume.frame.to_parquet(buffer, index=False)
    atomic_write_bytes(catalog.complaints / "forecast.parquet", buffer.getvalue())
    return volume
