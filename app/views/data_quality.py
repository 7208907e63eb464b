"""Data quality: per source file the records read, stored and quarantined, and why records were quarantined."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from app.context import Context, current_context
from app.tables import number_column, show_table

__all__ = ["REASONS_TH", "reason_text", "render"]

# Thai meanings of pipelines.schema.REASONS (the English ones come from there)
REASONS_TH = {
    "unknown_lao_code": "รหัส อปท. ไม่อยู่ในทะเบียน สถ.", "invalid_lao_code": "รหัส อปท. ไม่ใช่ 7 หลัก หรือหลักจังหวัด/อำเภอผิด",
    "non_numeric_value": "ค่าไม่ใช่ตัวเลข", "missing_value": "ค่าว่าง", "negative_value": "จำนวนหรือยอดติดลบ",
    "out_of_range": "ค่าสูงเกินกว่าที่ อปท. ประเภทและขนาดนี้จะรายงานได้", "invalid_period": "อ่านปีหรือเดือนไม่ได้",
    "year_out_of_range": "ปีอยู่นอกช่วงข้อมูล: สับสน พ.ศ./ค.ศ.", "future_period": "งวดหลังวันที่ตัดข้อมูล",
    "not_applicable": "อปท. ประเภทนี้ไม่รายงานตัวชี้วัดนี้", "unknown_metric": "คอลัมน์ไม่ตรงกับตัวชี้วัดที่รู้จัก",
    "missing_column": "ไฟล์ขาดคอลัมน์ที่จำเป็น", "ambiguous_header": "หัวตารางมีชื่อคอลัมน์ซ้ำ ไม่ชัดว่าคอลัมน์ใดคือข้อมูล",
    "truncated_row": "แถวมีช่องน้อยกว่าหัวตาราง (ไฟล์ขาด)",
    "implausible_jump": "ค่าต่างจากข้อมูลเดิมของหน่วยนี้หลายเท่าตัว (จุลภาคทศนิยม หรือหน่วยผิด)",
    "duplicate_row": "ระเบียนซ้ำ ค่าเดียวกัน ในชุดเดียวกัน", "conflicting_duplicate": "ระเบียนซ้ำแต่ค่าต่างกัน ในชุดเดียวกัน",
    "duplicate_of_stored": "มีระเบียนนี้ในคลังแล้ว ค่าเดียวกัน", "conflicts_with_stored": "มีระเบียนนี้ในคลังแล้ว แต่ค่าต่างกัน",
}


def reason_text(reason: str, lang: str) -> str:
    """What a quarantine reason means, in Thai or English (the reason itself when unknown)."""
    from pipelines.schema import REASONS

    return (REASONS_TH if lang == "th" else REASONS).get(reason, reason)


def _totals(ctx: Context, totals: dict) -> None:
    columns = st.columns(4)
    for column, key in zip(columns, ("files", "records_in", "records_stored", "records_quarantined"), strict=True):
        column.metric(ctx.t(key), ctx.num(totals.get(key)), border=True)
    if totals.get("records_in"):
        st.caption(f"{ctx.t('records_quarantined')}: {ctx.share(totals['records_quarantined'] / totals['records_in'])}")


def render() -> None:
    ctx = current_context()
    st.title(ctx.t("page_quality"))
    with st.spinner(ctx.t("loading")):
        quality = ctx.call("quality")
    _totals(ctx, quality.get("totals") or {})
    files = pd.DataFrame(quality.get("files") or [])
    reasons = pd.DataFrame(quality.get("reasons") or [], columns=["source_file", "reason", "records"])
    st.subheader(ctx.t("reasons"))
    if not reasons.empty:
        by_reason = reasons.groupby("reason", as_index=False)["records"].sum().sort_values("records", ascending=False)
        by_reason["meaning"] = by_reason["reason"].map(lambda r: reason_text(r, ctx.lang))
        st.altair_chart(alt.Chart(by_reason).mark_bar(color="#b23b3b").encode(
            y=alt.Y("reason:N", sort="-x", title=None), x=alt.X("records:Q", title=ctx.t("records_quarantined")),
            tooltip=["reason", "meaning", "records"]).properties(height=alt.Step(20)), width="stretch",
            key="quality_chart")
        show_table(by_reason[["reason", "meaning", "records"]], "quarantine_reasons",
                   (ctx.t("download_csv"), ctx.t("download_xlsx")), key="quality_reasons",
                   column_config={"records": number_column(ctx.t("records_quarantined"))})
    st.subheader(ctx.t("per_file"))
    if files.empty:
        st.info(ctx.t("no_data"))
        return
    only = st.toggle(ctx.t("only_quarantined"), key="quality_only_quarantined")
    shown = files[files["records_quarantined"] > 0] if only else files
    show_table(shown, "ingested_files", (ctx.t("download_csv"), ctx.t("download_xlsx")), key="quality_files",
               column_config={"source_file": ctx.t("file"), "records_in": number_column(ctx.t("records_in")),
                              "records_stored": number_column(ctx.t("records_stored")),
                              "records_quarantined": number_column(ctx.t("records_quarantined"))})
    if not reasons.empty:
        st.subheader(ctx.t("per_file_reason"))
        pivot = reasons.pivot_table(index="source_file", columns="reason", values="records", aggfunc="sum",
                                    fill_value=0).reset_index()
        show_table(pivot, "quarantine_by_file", (ctx.t("download_csv"), ctx.t("download_xlsx")),
                   key="quality_file_reasons", column_config={"source_file": ctx.t("file")})


if __name__ == "__main__":
    render()
