"""Dirty records: every kind is injected, each logged at the file, line and column it sits in."""

from __future__ import annotations

import numpy as np
import pandas as pd

from khlang.domain.metrics import METRICS
from khlang.domain.thai import parse_number
from pipelines.generate.dirt import DIRT_KINDS
from pipelines.schema import REASONS


def _cells(generated, source_file: str) -> tuple[list[str], list[list[str]]]:
    """Header and data rows as text, indexed so that row k is line header_row + 1 + k."""
    files = generated.table("files").set_index("source_file")
    meta = files.loc[source_file]
    path = generated.raw / source_file
    if meta["encoding"] == "xlsx":
        frame = pd.read_excel(path, header=int(meta["header_row"]) - 1, dtype=str, engine="calamine")
    else:
        frame = pd.read_csv(path, encoding=meta["encoding"], dtype=str, keep_default_na=False)
    return list(frame.columns), frame.fillna("").astype(str).values.tolist()


def test_every_kind_is_present_with_a_known_reason(tiny):
    dirt = tiny.table("dirt")
    assert set(dirt["kind"]) == set(DIRT_KINDS)
    assert set(dirt["expected_reason"]) <= set(REASONS)
    share = len(dirt) / tiny.report.n_truth_records
    assert 0.001 < share < 0.01


def test_dirt_points_at_the_written_cell(tiny):
    dirt = tiny.table("dirt")
    files = tiny.table("files").set_index("source_file")
    cell_kinds = dirt[dirt["kind"].isin(["non_numeric_value", "negative_value", "out_of_range"])]
    assert len(cell_kinds)
    for _, d in cell_kinds.iterrows():
        header, rows = _cells(tiny, d["source_file"])
        k = d["source_row"] - files.loc[d["source_file"], "header_row"] - 1
        text = rows[k][header.index(d["source_column"])]
        if d["kind"] == "non_numeric_value":
            assert text == d["written"]
        else:
            value = parse_number(text)
            assert value == parse_number(d["written"])
            assert value < 0 if d["kind"] == "negative_value" else value > METRICS[d["metric"]].max_per_lao


def test_codes_and_duplicates_are_where_logged(tiny, reference):
    dirt = tiny.table("dirt")
    files = tiny.table("files").set_index("source_file")
    register = reference.lao_codes()
    for kind in ("unknown_lao_code", "invalid_lao_code", "duplicate_row", "conflicting_duplicate"):
        d = dirt[dirt["kind"] == kind].iloc[0]
        header, rows = _cells(tiny, d["source_file"])
        k = d["source_row"] - files.loc[d["source_file"], "header_row"] - 1
        code = next(i for i, h in enumerate(header) if h in ("lao_code", "รหัส อปท."))
        written = rows[k][code].translate(str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789"))
        if kind == "unknown_lao_code":
            assert len(written) == 7 and written not in register and written[1:3] == d["lao_code"][1:3]
        elif kind == "invalid_lao_code":
            assert len(written) != 7 or written[1:3] != d["lao_code"][1:3]
        else:  # a copy right after its source row: same key; same (duplicate) or other (conflict) values
            source = rows[k - 1]
            assert written == d["lao_code"] and source[code] == rows[k][code]
            values = [header.index(c) for c in dirt.loc[(dirt["source_file"] == d["source_file"])
                                                         & (dirt["source_row"] == d["source_row"]), "source_column"]]
            same = [source[v] == rows[k][v] for v in values]
            assert all(same) if kind == "duplicate_row" else not any(same)


def test_no_dirt_at_zero_share(reference, thailand_dir, tmp_path):
    from pipelines.generate import generate_dataset

    report = generate_dataset(reference, thailand_dir, "tiny", 3, tmp_path / "raw", tmp_path / "truth", 0.0)
    assert report.n_dirty_records == 0
    assert len(pd.read_parquet(tmp_path / "truth" / "dirt.parquet")) == 0
    assert np.isfinite(report.calibration["waste_max_rel_error"])
