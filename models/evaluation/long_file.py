"""A long file (unique_id, ds, y) of any frequency, laid out as a dense [series, period] block.

A data scientist brings a CSV or Parquet file of one row per (series, period) at a frequency M, Q, W, D,
H or Y. `read_long` checks it and lays it out as a dense float64 [series, period] block on a regular
period axis (NaN = gap); bad files are ValueErrors that name the rows."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from models.forecasters.candidates import SEASON_LENGTH

__all__ = ["FREQS", "SEASON_LENGTH", "COLUMNS", "LongData", "read_long", "long_data", "check_freq"]

FREQS = tuple(SEASON_LENGTH)
_PANDAS_FREQ = {"M": "M", "Q": "Q", "W": "W", "D": "D", "H": "h", "Y": "Y"}  # pandas period aliases
COLUMNS = ("unique_id", "ds", "y")
_SHOWN_ROWS = 10  # bad rows named in an error message


@dataclass(frozen=True)
class LongData:
    """A long file laid out as a dense float64 [series, period] block, NaN where a period has no row."""

    block: np.ndarray  # float64 [series, period], the file's unit
    series: np.ndarray  # [series] unique_id keys (str), sorted
    periods: pd.PeriodIndex  # [period] the regular axis from the first to the last period of the file
    freq: str  # one of FREQS
    source: str = "<frame>"  # file name
    sha256: str = ""  # of the file's bytes ("" for a frame built in memory)
    n_rows: int = 0  # data rows read

    @property
    def period(self) -> int:
        """The season length of the frequency (periods)."""
        return SEASON_LENGTH[self.freq]

    def month_indices(self) -> np.ndarray | None:
        """Months since January 1970 of each column (khlang.domain.calendar.month_index); None unless monthly."""
        return self.periods.asi8.astype(np.int64) if self.freq == "M" else None


def check_freq(freq: str) -> str:
    code = str(freq).upper()
    if code not in SEASON_LENGTH:
        raise ValueError(f"freq must be one of {'|'.join(FREQS)}; got {freq!r}")
    return code


def _rows(mask: np.ndarray | pd.Series) -> str:
    """Row numbers (1 = the first data row) of a mask, the first few of them."""
    rows = np.flatnonzero(np.asarray(mask)) + 1
    shown = ", ".join(str(r) for r in rows[:_SHOWN_ROWS])
    return f"row{'s' if rows.size > 1 else ''} {shown}{' …' if rows.size > _SHOWN_ROWS else ''} ({rows.size} in all)"


def _period_start(text: str, pandas_freq: str) -> pd.Timestamp:
    """The first instant of the period a string names ('2013Q1'), NaT when it names none."""
    try:
        period = pd.Period(text, freq=pandas_freq)
    except (ValueError, TypeError, OverflowError):
        return pd.NaT
    return pd.NaT if period is pd.NaT else period.start_time


def _parse_periods(ds: pd.Series, freq: str) -> pd.PeriodIndex:
    """Each ds as a period of freq: ISO dates and times ('2013', '2013-05', '2013-05-03 04:00'), pandas
    period strings ('2013Q1'), or datetimes; a date anywhere inside a period names that period."""
    pandas_freq = _PANDAS_FREQ[freq]
    if pd.api.types.is_datetime64_any_dtype(ds):
        stamps = pd.to_datetime(ds)
        if stamps.dt.tz is not None:
            stamps = stamps.dt.tz_localize(None)  # the wall-clock time the file shows
    else:
        text = ds.astype("string").str.strip()
        stamps = pd.to_datetime(text, format="ISO8601", errors="coerce")
        failed = stamps.isna() & text.notna()
        if failed.any():  # period strings such as 2013Q1, parsed once per distinct value
            starts = {value: _period_start(value, pandas_freq) for value in text[failed].unique()}
            stamps[failed] = text[failed].map(starts).astype(stamps.dtype)
    if stamps.isna().any():
        bad = stamps.isna().to_numpy()
        examples = ", ".join(repr(v) for v in ds[bad].head(3).tolist())
        raise ValueError(f"column ds: not a date at {_rows(bad)}, e.g. {examples}")
    return pd.PeriodIndex(stamps.dt.to_period(pandas_freq))


def long_data(frame: pd.DataFrame, freq: str, source: str = "<frame>", sha256: str = "") -> LongData:
    """The dense block of a long frame with columns unique_id, ds, y (extra columns are ignored).

    Empty y is a gap; text or infinite y, unreadable dates and repeated (unique_id, period) pairs are
    ValueErrors that name the rows."""
    freq = check_freq(freq)
    missing = [column for column in COLUMNS if column not in frame.columns]
    if missing:
        raise ValueError(f"{source}: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}; "
                         f"a long file has {', '.join(COLUMNS)} (found {', '.join(map(str, frame.columns))})")
    frame = frame.reset_index(drop=True)
    keys = frame["unique_id"].astype("string").str.strip()
    if (no_key := keys.isna() | (keys == "")).any():
        raise ValueError(f"{source}: column unique_id: empty at {_rows(no_key)}")
    y = pd.to_numeric(frame["y"], errors="coerce").astype(np.float64)
    bad_y = (y.isna() & frame["y"].notna() & (frame["y"].astype("string").str.strip() != "")) | np.isinf(y)
    if bad_y.any():
        examples = ", ".join(repr(v) for v in frame["y"][bad_y].head(3).tolist())
        raise ValueError(f"{source}: column y: not a finite number at {_rows(bad_y)}, e.g. {examples}")
    ds = frame["ds"]
    if pd.api.types.is_integer_dtype(ds):
        ds = ds.astype("string")  # 2013 is a year, not nanoseconds since 1970
    try:
        periods = _parse_periods(ds, freq)
    except ValueError as error:
        raise ValueError(f"{source}: {error}") from None
    duplicated = pd.DataFrame({"key": keys, "period": periods}).duplicated(keep=False).to_numpy()
    if duplicated.any():
        first = int(np.argmax(duplicated))
        raise ValueError(f"{source}: (unique_id, ds) repeats at {_rows(duplicated)}, e.g. {keys.iloc[first]!r} at "
                         f"{periods[first]}; one row per series and period (freq {freq}: is the file finer than that?)")
    if frame.empty:
        raise ValueError(f"{source}: no data rows")

    series, row_of = np.unique(keys.to_numpy(dtype=str), return_inverse=True)
    ordinals = periods.asi8
    first, last = int(ordinals.min()), int(ordinals.max())
    axis = pd.period_range(start=pd.Period(ordinal=first, freq=periods.freq), periods=last - first + 1,
                           freq=periods.freq)
    block = np.full((series.size, axis.size), np.nan)
    block[row_of, ordinals - first] = y.to_numpy()
    return LongData(block=block, series=series, periods=axis, freq=freq, source=source, sha256=sha256,
                    n_rows=len(frame))


def read_long(path: str | Path, freq: str) -> LongData:
    """Read a long CSV or Parquet file (unique_id, ds, y) into its dense block at freq M|Q|W|D|H|Y."""
    path = Path(path)
    content = path.read_bytes()
    if path.suffix.lower() in (".parquet", ".pq"):
        frame = pd.read_parquet(path)
    else:
        # keys and dates as written: '0101' keeps its zero, '2013' stays a year
        frame = pd.read_csv(path, dtype={"unique_id": str, "ds": str}, keep_default_na=False,
                            na_values={"y": ["", "NA", "NaN", "nan", "null"]})
    return long_data(frame, freq, source=path.name, sha256=hashlib.sha256(content).hexdigest())


