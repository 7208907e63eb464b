"""Synthetic citizens' complaints (pipelines.generate.complaints): the file reads as a Traffy export, the import
balances and quarantines the dirt it was given, tickets are placed in their unit's district, seasons, unit
types, workflow times and re-reports look like the real platform, and the same seed gives the same tickets."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest

from khlang.catalog import Catalog
from models.complaints.labels import parse_types
from pipelines.complaints.intake import STATES
from pipelines.complaints.routing import load_gazetteer
from pipelines.complaints.store import import_files, read_store
from pipelines.complaints.traffy import read_tickets
from pipelines.generate.complaints import COLUMNS, TICKETS_FILE, generate_complaints, write_complaints
from pipelines.generate.dataset import _read_real_waste, generate_dataset
from pipelines.generate.population import lao_table, province_population

START, END = dt.date(2013, 10, 1), dt.date(2025, 10, 1)
DIRTY = 0.01
PHONE = re.compile(r"0[689]\d-\d{3}-\d{4}")


@pytest.fixture(scope="module")
def units(settings, reference) -> pd.DataFrame:
    """The tiny scale's units (Phuket) as the generator sizes them."""
    waste = _read_real_waste(settings.thailand_dir)
    return lao_table(reference.subset(["83"]).laos, province_population(waste), np.random.default_rng(1))


@pytest.fixture(scope="module")
def tickets(reference, units) -> pd.DataFrame:
    return generate_complaints(reference, units, START, END, seed=5, dirty_share=DIRTY, truth=True)


@pytest.fixture(scope="module")
def clean(tickets) -> pd.DataFrame:
    out = tickets[tickets["dirt"] == ""].copy()
    out["at"] = pd.to_datetime(out["timestamp"], utc=True, format="mixed")
    out["local_month"] = (out["at"] + pd.Timedelta(hours=7)).dt.month
    out["labels"] = out["type"].map(parse_types)
    return out


@pytest.fixture(scope="module")
def imported(tmp_path_factory, settings, tickets):
    root = tmp_path_factory.mktemp("complaints")
    path = write_complaints(tickets, root / "raw")
    catalog = Catalog(root / "work").ensure()
    return path, import_files([path], catalog, load_gazetteer(settings.thailand_dir)), read_store(catalog)


def test_the_file_reads_as_a_traffy_export(imported, tickets) -> None:
    path = imported[0]
    assert path.as_posix().endswith(TICKETS_FILE) and len(tickets) > 5_000
    read = read_tickets(path)
    assert tuple(read.columns) == COLUMNS
    pd.testing.assert_frame_equal(read, tickets[list(COLUMNS)].astype(str), check_dtype=False)


def test_import_balances_and_quarantines_the_dirt(imported, tickets) -> None:
    _, report, store = imported
    assert report.rows == len(tickets) == report.stored + report.quarantined
    dirt = tickets["dirt"][tickets["dirt"] != ""]
    assert report.reasons == dirt.value_counts().to_dict() and len(report.reasons) == 7
    assert DIRTY * 0.8 <= report.quarantined / report.rows <= DIRTY * 1.2
    assert report.masked > 0.05 * report.stored  # fake phones, names, plates, house numbers
    assert not store["text"].str.contains(PHONE).any() and tickets["text"].str.contains(PHONE).any()


def test_most_tickets_are_placed_in_their_units_district(imported, tickets, reference) -> None:
    store = imported[2]
    truth = tickets[tickets["dirt"] == ""].set_index("ticket_id")["lao_code"]
    lao_district = reference.laos.set_index("lao_code")["district_code"]
    expected = store["ticket_id"].map(truth).map(lao_district)
    by_coords = store["place_method"] == "coords"
    assert by_coords.mean() > 0.9 and (store["place_method"] == "address").sum() > 100
    assert (by_coords & (store["district_code"] == expected)).mean() > 0.85


def test_floods_peak_in_the_rains_and_dust_in_the_dry_season(clean) -> None:
    labelled = clean[clean["labels"].map(len) > 0]
    rainy = labelled[labelled["local_month"].between(7, 10)]["labels"]
    dry = labelled[labelled["local_month"].isin([12, 1, 2, 3])]["labels"]

    def share(labels: pd.Series, kind: str) -> float:
        return labels.map(lambda ts: kind in ts).mean()

    assert share(rainy, "น้ำท่วม") > 3 * share(dry, "น้ำท่วม") and share(rainy, "น้ำท่วม") > 0.05
    assert share(dry, "PM2.5") > 3 * share(rainy, "PM2.5")
    assert 0.08 < (labelled["labels"].map(len) == 2).mean() < 0.16
    top = labelled["labels"].explode().value_counts()
    assert top.index[0] == "ถนน" and {"ทางเท้า", "ความปลอดภัย", "ความสะอาด"} <= set(top.index[:6])


def test_city_municipalities_get_more_tickets_than_saos(tickets, units) -> None:
    per_unit = units.set_index("lao_code").assign(n=tickets["lao_code"].value_counts()).fillna({"n": 0})
    mean = per_unit.groupby("lao_type")["n"].mean()
    per_resident = per_unit.groupby("lao_type")["n"].sum() / per_unit.groupby("lao_type")["population"].sum()
    assert mean["city_municipality"] > 10 * mean["subdistrict_admin_org"]
    assert per_resident["city_municipality"] > 3 * per_resident["subdistrict_admin_org"]


def test_states_times_and_ids_are_consistent(clean) -> None:
    assert set(clean["state"]) <= set(STATES) and {"รอรับเรื่อง", "ส่งเรื่องแล้ว", "กำลังดำเนินการ", "เสร็จสิ้น"} <= set(clean["state"])
    last = pd.to_datetime(clean["last_activity"].replace("", None), utc=True, format="mixed")
    end = pd.Timestamp(END, tz="UTC")
    assert clean["at"].min() >= pd.Timestamp(START, tz="UTC") and clean["at"].max() < end
    assert (last.dropna() < end).all() and (last >= clean["at"])[last.notna()].all()
    ids = clean["ticket_id"]
    assert ids.str.fullmatch(r"\d{4}-[A-Z0-9]{6}").all() and ids.is_unique
    assert (ids.str[:4].astype(int) == clean["at"].dt.year).all()
    done = clean["state"] == "เสร็จสิ้น"
    year = clean["at"].dt.year
    assert done[year == 2023].mean() > done[(clean["at"] > end - pd.Timedelta(days=30))].mean() + 0.3
    days = (last - clean["at"]).dt.total_seconds() / 86_400
    first = clean["labels"].map(lambda ts: ts[0] if len(ts) == 1 else "")
    assert days[done & first.isin(["ถนน", "สะพาน"])].median() > 3 * days[done & (first == "แสงสว่าง")].median()


def test_repeats_are_nearby_within_days(clean) -> None:
    repeats = clean[clean["repeat_of"] != ""]
    assert 0.04 < len(repeats) / len(clean) < 0.1
    repeats = repeats[repeats["repeat_of"].isin(clean["ticket_id"])]  # not those of a spoilt original
    original = clean.set_index("ticket_id").loc[repeats["repeat_of"]]
    lag = (repeats["at"].to_numpy() - original["at"].to_numpy()) / np.timedelta64(1, "D")
    assert np.nanmin(lag) >= 0 and np.nanmax(lag) <= 14
    assert (repeats["lao_code"].to_numpy() == original["lao_code"].to_numpy()).all()
    xy = np.array([[float(v) for v in c.split(",")] if c else [np.nan, np.nan] for c in repeats["coords"]])
    xy0 = np.array([[float(v) for v in c.split(",")] if isinstance(c, str) and c else [np.nan, np.nan]
                    for c in original["coords"]])
    assert np.nanmedian(np.hypot(*(xy - xy0).T)) < 0.001  # ~100 m


def test_same_seed_same_tickets_other_seed_others(reference, units, tickets, tmp_path) -> None:
    again = generate_complaints(reference, units, START, END, seed=5, dirty_share=DIRTY, truth=True)
    pd.testing.assert_frame_equal(again, tickets)
    other = generate_complaints(reference, units, START, END, seed=6, dirty_share=DIRTY)
    assert len(other) != len(tickets) or not other.equals(tickets[list(COLUMNS)])
    a, b = write_complaints(again, tmp_path / "a"), write_complaints(tickets, tmp_path / "b")
    assert a.read_bytes() == b.read_bytes()
    none = generate_complaints(reference, units, dt.date(2010, 1, 1), dt.date(2010, 1, 8), seed=5)
    assert list(none.columns) == list(COLUMNS) and len(none) == 0
    assert read_tickets(write_complaints(none, tmp_path / "c")).empty


def test_generate_dataset_writes_the_complaints_when_asked(reference, thailand_dir, tmp_path) -> None:
    raw, truth = tmp_path / "raw", tmp_path / "truth"
    report = generate_dataset(reference, thailand_dir, "tiny", 3, raw, truth, complaints=True)
    written = sorted(p.relative_to(raw).as_posix() for p in raw.rglob("*") if p.is_file())
    assert written == sorted(report.files) and report.n_files == len(written) and TICKETS_FILE in written
    tickets = read_tickets(raw / TICKETS_FILE)
    assert report.n_complaints == len(tickets) > 2_000 and f"{len(tickets):,} complaints" in report.summary()
    months = tickets["timestamp"][tickets["timestamp"].str.match(r"\d{4}-\d\d-")].str[:7]
    assert "2022-01" < months.max() <= "2025-09"  # within the months of the other series
    assert TICKETS_FILE not in set(pd.read_parquet(truth / "files.parquet")["source_file"])  # not an agency file
    again = generate_dataset(reference, thailand_dir, "tiny", 3, raw, truth)  # the default: none
    assert again.n_complaints == 0 and not (raw / TICKETS_FILE).exists() and "complaints" not in again.summary()
