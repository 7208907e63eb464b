"""Choosing a unit: one select box per step down the hierarchy (nation → region → province → district or
province-wide LAO → LAO), each listing the children of the unit chosen above it."""

from __future__ import annotations

import streamlit as st

from app.context import Context
from app.i18n import lao_type_label, level_label, unit_name

__all__ = ["ALL", "MAX_STEPS", "busiest_province_path", "lao_units", "unit_picker", "set_picker_path", "step_key"]

MAX_STEPS = 4
ALL = "all"  # the "all of the unit above" choice (a string: a None choice shows as an empty box once relabelled)


def step_key(prefix: str, step: int) -> str:
    return f"{prefix}_step{step}"


def _option(unit: dict) -> str:
    return f"{unit['level']}:{unit['code']}"


def _clear_below(prefix: str, step: int) -> None:
    for below in range(step + 1, MAX_STEPS):
        st.session_state[step_key(prefix, below)] = ALL


def set_picker_path(prefix: str, path: list[tuple[str, int]]) -> None:
    """Preselect a unit: `path` from the first step down, e.g. [("region", 6), ("province", 83)]."""
    for step in range(MAX_STEPS):
        if step < len(path):
            level, code = path[step]
            st.session_state[step_key(prefix, step)] = f"{level}:{int(code)}"
        else:
            st.session_state[step_key(prefix, step)] = ALL


def busiest_province_path(ctx: Context, metric: str) -> list[tuple[str, int]]:
    """The picker path to the province with the largest forecast of `metric` ([] when none has one)."""
    answer, _ = ctx.try_call("aggregate", metric, "forecast", ("province",), level="province")
    rows = [r for r in (answer or {}).get("rows", []) if r.get("value") is not None]
    if not rows:
        return []
    province = max(rows, key=lambda r: r["value"])["province"]
    return [(u["level"], u["code"]) for u in ctx.call("unit", "province", int(province))["path"][1:]]


def unit_picker(ctx: Context, prefix: str, default_path: list[tuple[str, int]] | None = None) -> dict:
    """The chosen unit (a /v1/hierarchy/{level}/{code} answer with its children and path from the nation);
    `default_path` is preselected on the first run of the session (e.g. busiest_province_path)."""
    if default_path and not st.session_state.get(f"{prefix}_initialised"):
        set_picker_path(prefix, default_path)
    st.session_state[f"{prefix}_initialised"] = True
    current = ctx.call("unit", "nation", 0)
    columns = st.columns(MAX_STEPS)
    for step in range(MAX_STEPS):
        children = current.get("children") or []
        if not children:
            break
        options = [ALL, *(_option(c) for c in children)]
        by_option = {_option(c): c for c in children}
        key = step_key(prefix, step)
        if st.session_state.get(key) not in options:
            st.session_state[key] = ALL
        levels = sorted({c["level"] for c in children}, key=["region", "province", "district", "lao"].index)
        label = " / ".join(level_label(lv, ctx.lang) for lv in levels)
        everything = ctx.t("all_of", name=unit_name(current, ctx.lang))

        def show(option: str, by_option: dict = by_option, everything: str = everything) -> str:
            if option == ALL:
                return everything
            unit = by_option[option]
            kind = f" ({lao_type_label(unit['lao_type'], ctx.lang)})" if unit["level"] == "lao" else ""
            return f"{unit_name(unit, ctx.lang)}{kind}"

        with columns[step]:
            choice = st.selectbox(label, options, format_func=show, key=key, on_change=_clear_below,
                                  args=(prefix, step))
        if choice == ALL:
            break
        level, code = choice.split(":")
        current = ctx.call("unit", level, int(code))
    return current


def lao_units(ctx: Context, unit: dict) -> list[dict]:
    """The LAOs under `unit` (itself when it is one), walking the hierarchy down through districts."""
    if unit["level"] == "lao":
        return [unit]
    if unit["level"] in ("nation", "region"):
        return []
    laos, queue = [], list(unit.get("children") or [])
    while queue:
        child = queue.pop(0)
        if child["level"] == "lao":
            laos.append(child)
        else:
            queue.extend(ctx.call("unit", child["level"], child["code"]).get("children") or [])
    return laos
