"""Reading Traffy Fondue CSV exports (and any CSV with the same columns): the platform's column names,
gzip or not, UTF-8 (with or without BOM). Everything is read as text; checking is the caller's."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

__all__ = ["TRAFFY_COLUMNS", "read_tickets", "split_coords", "ticket_files", "TicketFileError"]

TRAFFY_COLUMNS = ("ticket_id", "type", "text", "organization", "coords", "district", "subdistrict", "province",
                  "timestamp", "state", "last_activity")


class TicketFileError(ValueError):
    """A ticket file that cannot be read as a table of tickets."""


def ticket_files(folder: Path) -> list[Path]:
    """The ticket files of a folder (CSV, gzipped or not), in name order; none when it does not exist."""
    folder = Path(folder)
    return sorted(p for p in folder.glob("*.csv*") if p.is_file()) if folder.is_dir() else []


def read_tickets(path: Path, required: tuple[str, ...] = ("ticket_id", "text")) -> pd.DataFrame:
    """Every row of the file as strings (missing optional columns added empty); a clear error when the file
    is not a CSV, not UTF-8, or lacks a required column."""
    path = Path(path)
    if not path.is_file():
        raise TicketFileError(f"{path}: no such file")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise TicketFileError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise TicketFileError(f"{path}: not a CSV table ({error})") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise TicketFileError(f"{path}: lacks the column(s) {', '.join(missing)}; it has {', '.join(frame.columns)}")
    for column in TRAFFY_COLUMNS:
        if column not in frame.columns:
            frame[column] = ""
    return frame


def split_coords(coords: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(lon, lat) floats from `lon,lat` text; NaN where absent or not two numbers."""
    parts = coords.fillna("").astype(str).str.strip("() ").str.split(",", n=1, expand=True)
    if parts.shape[1] < 2:
        nan = pd.Series(float("nan"), index=coords.index)
        return nan, nan.copy()
    lon = pd.to_numeric(parts[0].str.strip(), errors="coerce")
    lat = pd.to_numeric(parts[1].str.strip(), errors="coerce")
    return lon, lat
