"""Officers' review of a case: the complaint (masked), the classifier's suggested types with their scores,
the types to confirm or correct (kept as labels for the next `khlang complaints train`), and the next state
of the workflow. Acting needs the operator's token (KHLANG_DEPOSIT_TOKEN in the app's environment); without
it the page shows the case and the suggestion only."""

from __future__ import annotations

import os

import pandas as pd
import streamlit as st

from app.client import ApiError, KhlangClient
from app.context import Context, current_context
from app.i18n_complaints import PROBLEM_TYPES

__all__ = ["render"]

_STATES = ("รอรับเรื่อง", "ส่งต่อ", "กำลังดำเนินการ", "เสร็จสิ้น", "ไม่เกี่ยวข้อง")
_STATE_KEYS = dict(zip(_STATES, ("cx_state_waiting", "cx_state_forwarded", "cx_state_in_progress", "cx_state_done",
                                 "cx_state_not_ours"), strict=True))


def _state(ctx: Context, state: str) -> str:
    """A workflow state in the page's language (the API's value stays Thai); Traffy's other states as they are."""
    return ctx.t(_STATE_KEYS[state]) if state in _STATE_KEYS else state


def render() -> None:
    ctx = current_context()
    st.title(ctx.t("page_review"))
    open_cases = ctx.call("complaints", stage="open", oldest_first=True, limit=200)["cases"]
    if not open_cases:
        st.info(ctx.t("cx_none"))
        return
    labels = {c["case_id"]: f"{c['case_id']} · {c['types'] or '–'} · {c['text'][:60]}" for c in open_cases}
    typed = st.text_input(ctx.t("rv_case_id"), key="rv_case_typed").strip()
    case_id = typed or st.selectbox(ctx.t("rv_case"), list(labels), format_func=labels.get, key="rv_case")
    client = KhlangClient()
    try:
        case = client.complaint(case_id)
    except ApiError as error:
        st.error(str(error))
        return
    st.markdown(f"**{case['case_id']}** · {_state(ctx, case['state'])} · {ctx.t('cx_lao')} {case['lao_code'] or '–'} · "
                f"{case.get('responsible_unit') or '–'}")
    st.write(case["text"])
    if case["group_size"] > 1:
        st.caption(ctx.t("rv_group", n=case["group_size"], ids=", ".join(case["group"][:10])))
    suggestion = client.suggest_types(case["text"])
    if suggestion["scores"]:
        scores = pd.DataFrame({ctx.t("cx_type"): list(suggestion["scores"]),
                               ctx.t("rv_score"): list(suggestion["scores"].values())}).sort_values(
            ctx.t("rv_score"), ascending=False).head(5)
        st.caption(ctx.t("rv_suggested", types=", ".join(suggestion["types"]), version=suggestion["model_version"]))
        st.dataframe(scores, hide_index=True, column_config={ctx.t("rv_score"): st.column_config.ProgressColumn(
            ctx.t("rv_score"), min_value=0.0, max_value=1.0, format="%.2f")})
    current = [t for t in (case["types"] or ",".join(suggestion["types"])).split(",") if t]
    token = os.environ.get("KHLANG_DEPOSIT_TOKEN", "").strip()
    with st.form("rv_form"):
        chosen = st.multiselect(ctx.t("rv_types"), sorted({*PROBLEM_TYPES, *current, *suggestion["scores"]}),
                                default=current, key=f"rv_types_{case_id}")
        state = st.selectbox(ctx.t("cx_state"), _STATES, index=_STATES.index(case["state"]) if case["state"] in _STATES
                             else 0, format_func=lambda s: _state(ctx, s), key=f"rv_state_{case_id}")
        by = st.text_input(ctx.t("rv_by"), key="rv_by")
        sent = st.form_submit_button(ctx.t("rv_save"), type="primary", disabled=not token)
    if not token:
        st.info(ctx.t("rv_no_token"))
    if sent and token:
        try:
            if chosen:  # confirmed as they were, or corrected: a label either way
                client.complaint_event(case_id, "type", ",".join(chosen), by, token)
            if state != case["state"]:
                client.complaint_event(case_id, "state", state, by, token)
        except ApiError as error:
            st.error(str(error))
            return
        st.success(ctx.t("rv_saved", case_id=case_id))


if __name__ == "__main__":
    render()
