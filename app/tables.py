"""Every table of the app is shown with its CSV and Excel downloads."""

from __future__ import annotations

import io
import re

import pandas as pd
import streamlit as st

__all__ = ["csv_bytes", "xlsx_bytes", "number_column", "show_table"]


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 with BOM, so that Excel on Thai Windows opens the Thai text correctly."""
    return frame.to_csv(index=False).encode("utf-8-sig")


def xlsx_bytes(frame: pd.DataFrame, sheet: str = "data") -> bytes:
    """One sheet of .xlsx (xlsxwriter); time zones dropped (Excel has none)."""
    out = frame.copy()
    for column in out.columns:
        if isinstance(out[column].dtype, pd.DatetimeTZDtype):
            out[column] = out[column].dt.tz_localize(None)
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="xlsxwriter") as writer:
        out.to_excel(writer, sheet_name=re.sub(r"[\[\]:*?/\\]", "_", sheet)[:31] or "data", index=False)
    return buffer.getvalue()


def number_column(label: str, decimals: int = 0, help: str | None = None):
    """A number column with thousands separators: 1,234,567.89."""
    return st.column_config.NumberColumn(label, format=f"%,.{decimals}f", help=help)


def show_table(frame: pd.DataFrame, name: str, download_label: tuple[str, str], key: str,
               column_config: dict | None = None, height: int | str = "auto") -> None:
    """st.dataframe of `frame` plus two downloads, `name`.csv and `name`.xlsx; download_label is
    (CSV label, Excel label); `key` makes the widgets unique on the page."""
    st.dataframe(frame, hide_index=True, width="stretch", column_config=column_config, height=height)
    with st.container(horizontal=True):
        st.download_button(download_label[0], csv_bytes(frame), f"{name}.csv", "text/csv", key=f"{key}_csv",
                           on_click="ignore", icon=":material/download:")
        st.download_button(download_label[1], xlsx_bytes(frame, name), f"{name}.xlsx",
                           "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key=f"{key}_xlsx",
                           on_click="ignore", icon=":material/table_view:")
