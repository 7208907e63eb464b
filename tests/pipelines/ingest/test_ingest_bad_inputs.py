"""Each kind of bad input lands in the quarantine (or the manifest) with its exact reason, and every file
balances: records_in == records_stored + records_quarantined."""

from __future__ import annotations

import io

import pytest

from pipelines.headers import headers_for

TH, EN = headers_for("th"), headers_for("en")
LONG_TH = f"{TH['lao_code']},{TH['item']},{TH['year']},{TH['month']},{TH['value']}\n"


@pytest.fixture(scope="module")
def lao(codes):
    return codes["local"][0]


@pytest.fixture(scope="module")
def pao(codes):
    return codes["pao"][0]


def _only(quarantine, reason):
    assert set(quarantine["reason"]) == {reason}, quarantine[["reason", "detail"]]
    return quarantine


def test_unknown_lao_code(ingest_files, lao):
    unknown = lao[:3] + "9999"
    report, store, q = ingest_files({"a.csv": LONG_TH + f"{lao},งบบุคลากร,2567,ม.ค.,100\n"
                                                        f"{unknown},งบบุคลากร,2567,ม.ค.,100\n"})
    _only(q, "unknown_lao_code")
    assert unknown in q["detail"].iat[0] and q["source_row"].iat[0] == 3
    assert len(store) == 1


@pytest.mark.parametrize("code", ["61101", "61101111", "6AB0101", "6990101", ""])
def test_invalid_lao_code(ingest_files, code):
    report, store, q = ingest_files({"a.csv": LONG_TH + f"{code},งบบุคลากร,2567,ม.ค.,100\n"})
    _only(q, "invalid_lao_code")
    assert report.files[0].records_quarantined == 1


def test_non_numeric_value(ingest_files, lao):
    report, store, q = ingest_files({"a.csv": LONG_TH + f"{lao},งบบุคลากร,2567,ม.ค.,12a\n"})
    _only(q, "non_numeric_value")
    assert "'12a'" in q["detail"].iat[0] and q["value"].iat[0] == "12a"


def test_negative_count(ingest_files, lao):
    header = f"{EN['lao_code']},{EN['period']},{EN['elderly_60_69']},{EN['elderly_70_79']}\n"
    report, store, q = ingest_files({"w.csv": header + f"{lao},2024-01,-5,7\n"})
    _only(q, "negative_value")
    assert q["source_column"].iat[0] == EN["elderly_60_69"]
    assert store["value"].tolist() == [7.0] and report.files[0].records_in == 2


def test_value_far_out_of_range(ingest_files, lao):
    report, store, q = ingest_files({"a.csv": LONG_TH + f"{lao},งบบุคลากร,2567,ม.ค.,\"900,000,000,000\"\n"})
    _only(q, "out_of_range")
    assert "900,000,000,000" in q["detail"].iat[0]


@pytest.mark.parametrize("year", ["3110", "1967", "2599", "2099"])
def test_be_ce_mix_up(ingest_files, lao, year):
    # 1967 / 3110: neither plausible CE nor BE; 2599 BE and 2099 CE: fiscal years far beyond the as-of date
    report, store, q = ingest_files({"a.csv": LONG_TH + f"{lao},งบบุคลากร,{year},ม.ค.,5\n"})
    _only(q, "year_out_of_range")
    assert year in q["detail"].iat[0]


def test_the_first_fiscal_year_is_the_ingests_setting(ingest_files, lao, tmp_path):
    # ต.ค. 2546 is in FY2547: before the default first fiscal year (2550), stored from an earlier one
    rows = LONG_TH + f"{lao},งบบุคลากร,2546,ต.ค.,5\n{lao},งบบุคลากร,2549,ก.ย.,6\n{lao},งบบุคลากร,2549,ต.ค.,7\n"
    report, store, q = ingest_files({"a.csv": rows}, work=tmp_path / "default")
    assert q["reason"].tolist() == ["year_out_of_range", "year_out_of_range"]
    assert "fiscal years 2550-" in q["detail"].iat[0] and store["value"].tolist() == [7.0]
    report, store, q = ingest_files({"a.csv": rows}, work=tmp_path / "earlier", first_fiscal_year=2545)
    assert q.empty and sorted(store["fiscal_year"].tolist()) == [2547, 2549, 2550]


def test_date_in_the_future(ingest_files, lao):
    # as-of 2026-06-15: July 2026 (CE) and ก.ค. 2569 (BE) are in the future, June is not
    report, store, q = ingest_files({"a.csv": LONG_TH + f"{lao},งบบุคลากร,2026,7,5\n{lao},งบบุคลากร,2569,ก.ค.,5\n"
                                                        f"{lao},งบลงทุน,2569,มิ.ย.,5\n"})
    assert q["reason"].tolist() == ["future_period", "future_period"]
    assert len(store) == 1


def test_invalid_period(ingest_files, lao):
    report, store, q = ingest_files({"a.csv": LONG_TH + f"{lao},งบบุคลากร,2567,เดือนสิบสาม,5\n"})
    _only(q, "invalid_period")


def test_not_applicable_for_pao(ingest_files, pao):
    header = f"{EN['lao_code']},{EN['period']},{EN['elderly_60_69']},{EN['budget_personnel']}\n"
    report, store, q = ingest_files({"w.csv": header + f"{pao},2024-01,5,7000\n"})
    _only(q, "not_applicable")
    assert store["metric"].tolist() == ["budget_personnel"]


def test_unknown_metric_and_missing_value(ingest_files, lao):
    report, store, q = ingest_files({"a.csv": LONG_TH + f"{lao},งบพิเศษ,2567,ม.ค.,5\n{lao},งบบุคลากร,2567,ม.ค.,\n"})
    assert q["reason"].tolist() == ["unknown_metric", "missing_value"]
    assert "งบพิเศษ" in q["detail"].iat[0]


def test_duplicates_within_and_across_files(ingest_files, lao):
    row = f"{lao},งบบุคลากร,2567,ม.ค.,100\n"
    report, store, q = ingest_files({"a.csv": LONG_TH + row + row, "b.csv": LONG_TH + row})
    _only(q, "duplicate_row")
    assert sorted(zip(q["source_file"], q["source_row"], strict=True)) == [("a.csv", 3), ("b.csv", 2)]
    assert store[["value"]].values.ravel().tolist() == [100.0]
    assert store["source_row"].tolist() == [2]  # the first copy is kept
    assert [f.records_stored for f in report.files] == [1, 0]


def test_conflicting_duplicates(ingest_files, lao):
    report, store, q = ingest_files({"a.csv": LONG_TH + f"{lao},งบบุคลากร,2567,ม.ค.,100\n",
                                     "b.csv": LONG_TH + f"{lao},งบบุคลากร,2024,1,101\n{lao},งบลงทุน,2567,ม.ค.,9\n"})
    assert sorted(q["reason"]) == ["conflicting_duplicate"] * 2
    assert store["metric"].tolist() == ["budget_investment"]
    assert "100" in q["detail"].iat[0] and "101" in q["detail"].iat[0]


def test_duplicates_against_the_store(ingest_files, lao, tmp_path):
    work = tmp_path / "w"
    ingest_files({"a.csv": LONG_TH + f"{lao},งบบุคลากร,2567,ม.ค.,100\n{lao},งบบุคลากร,2567,ก.พ.,100\n"}, work=work)
    report, store, q = ingest_files({"later.csv": LONG_TH + f"{lao},งบบุคลากร,2567,ม.ค.,100\n"
                                                            f"{lao},งบบุคลากร,2567,ก.พ.,200\n"}, work=work)
    later = q[q["source_file"] == "later.csv"]
    assert later["reason"].tolist() == ["duplicate_of_stored", "conflicts_with_stored"]
    assert "a.csv row 2" in later["detail"].iat[0]
    assert len(store) == 2 and report.files[-1].records_quarantined == 2


def test_missing_columns(ingest_files, lao):
    # no lao_code column: every record (rows x value columns) is quarantined
    header = f"{EN['period']},{EN['elderly_60_69']},{EN['elderly_70_79']}\n"
    report, store, q = ingest_files({"w.csv": header + "2024-01,5,6\n2024-02,5,6\n",
                                     "v.csv": f"{TH['lao_code']},{TH['item']},{TH['year']},{TH['month']}\n"
                                              f"{lao},งบบุคลากร,2567,ม.ค.\n"})
    _only(q, "missing_column")
    by_file = {f.source_file: f for f in report.files}
    assert by_file["w.csv"].records_in == 4 and by_file["w.csv"].records_quarantined == 4
    assert by_file["v.csv"].records_in == 1
    assert "lao_code" in q.loc[q["source_file"] == "w.csv", "detail"].iat[0]


def test_a_column_named_twice_is_an_ambiguous_header(ingest_files, lao):
    """`จำนวน,จำนวน`: which one holds the value is unclear, so no record of the file is stored; each is kept
    with its reason naming both columns (the first one used to be taken silently)."""
    header = f"{TH['lao_code']},{TH['item']},{TH['year']},{TH['month']},{TH['value']},{TH['value']}\n"
    wide = f"{EN['lao_code']},{EN['period']},{EN['elderly_60_69']},{EN['elderly_60_69']}\n"
    report, store, q = ingest_files({"a.csv": header + f"{lao},งบบุคลากร,2567,ม.ค.,100,1000\n"
                                                       f"{lao},งบบุคลากร,2567,ก.พ.,200,2000\n",
                                     "w.csv": wide + f"{lao},2024-01,5,6\n"})
    _only(q, "ambiguous_header")
    assert len(store) == 0 and {f.records_quarantined for f in report.files} == {2}
    detail = q.loc[q["source_file"] == "a.csv", "detail"].iat[0]
    assert f"{TH['value']!r} = value (columns 5, 6)" in detail, detail
    assert "columns 3, 4" in q.loc[q["source_file"] == "w.csv", "detail"].iat[0]


def test_extra_columns_are_ignored(ingest_files, lao):
    text = (f"{TH['lao_code']},{TH['lao_name']},{TH['item']},{TH['year']},{TH['month']},{TH['value']},foo,{TH['remark']}\n"
            f"{lao},อบต. ทดสอบ,งบบุคลากร,2567,ม.ค.,100,bar,\n")
    report, store, q = ingest_files({"a.csv": text})
    assert len(q) == 0 and store["value"].tolist() == [100.0]


def test_empty_files(ingest_files):
    report, store, q = ingest_files({"empty.csv": b"", "bom.csv": b"\xef\xbb\xbf\n", "header.csv": LONG_TH})
    assert {f.status for f in report.files} == {"empty"}
    assert all(f.records_in == 0 == f.records_stored + f.records_quarantined for f in report.files)


def test_cp874_file_with_a_utf8_bom(ingest_files, lao):
    text = LONG_TH + f"{lao},งบบุคลากร,๒๕๖๗,มกราคม,๑๒๓\n"
    report, store, q = ingest_files({"a.csv": b"\xef\xbb\xbf" + text.encode("cp874"),
                                     "b.csv": text.replace("๑๒๓", "124").replace("มกราคม", "ก.พ.").encode("cp874")})
    assert [f.encoding for f in report.files] == ["cp874 (despite a UTF-8 BOM)", "cp874"]
    assert sorted(store["value"]) == [123.0, 124.0] and len(q) == 0


def test_utf16_text_is_read_like_the_other_encodings(ingest_files, lao):
    """Excel's "Unicode text" export (UTF-16 LE with a BOM, tab-separated, .txt), and UTF-16 without a BOM in
    either byte order, are read like UTF-8; the manifest names each encoding."""
    def text(*months: str) -> str:
        return LONG_TH + "".join(f"{lao},งบบุคลากร,2567,{month},๒๐๐\n" for month in months)

    report, store, q = ingest_files({
        "unicode.txt": b"\xff\xfe" + text("ม.ค.", "ก.พ.").replace(",", "\t").replace("\n", "\r\n").encode("utf-16-le"),
        "le.csv": text("มี.ค.", "เม.ย.").encode("utf-16-le"),
        "be.tsv": text("พ.ค.", "มิ.ย.").replace(",", "\t").encode("utf-16-be")})
    by_name = {f.source_file.split("/")[-1]: f for f in report.files}
    assert {name: f.encoding for name, f in by_name.items()} == {
        "unicode.txt": "utf-16-le", "le.csv": "utf-16-le (no byte-order mark)",
        "be.tsv": "utf-16-be (no byte-order mark)"}
    assert all(f.status == "ingested" and f.records_stored == 2 for f in report.files), report.frame()
    assert len(q) == 0 and sorted(store["period"].astype(str)) == sorted(set(store["period"].astype(str)))
    assert store["value"].tolist() == [200.0] * 6


def test_utf16_that_does_not_decode_is_refused_with_its_reason(ingest_files, lao):
    broken = b"\xff\xfe" + (LONG_TH + f"{lao},งบบุคลากร,2567,ม.ค.,100\n").encode("utf-16-le") + b"\x00\xd8"
    report, _, _ = ingest_files({"broken.txt": broken})
    assert report.files[0].status == "unreadable", report.frame()
    assert "UTF-16-LE text that does not decode" in report.files[0].reason


def test_truncated_csv(ingest_files, lao):
    text = LONG_TH + f"{lao},งบบุคลากร,2567,ม.ค.,100\n{lao},งบบุคลากร,2567,ก.พ.,200\n{lao},งบบุค"
    report, store, q = ingest_files({"a.csv": text})
    _only(q, "truncated_row")
    assert q["source_row"].tolist() == [4] and len(store) == 2


def test_truncated_xlsx_is_unreadable(ingest_files, lao, tmp_path):
    import xlsxwriter

    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(buffer)
    ws = wb.add_worksheet()
    ws.write_row(0, 0, [TH["lao_code"], TH["period"], TH["waste_generated"]])
    for r in range(1, 200):
        ws.write_row(r, 0, [lao, f"2567-{r % 12 + 1:02d}", r])
    wb.close()
    data = buffer.getvalue()
    report, store, q = ingest_files({"cut.xlsx": data[: len(data) // 2], "junk.csv": bytes(range(256)) * 20,
                                     "ok.csv": LONG_TH + f"{lao},งบบุคลากร,2567,ม.ค.,100\n"})
    by_file = {f.source_file: f for f in report.files}
    assert by_file["cut.xlsx"].status == "unreadable" and ".xlsx" in by_file["cut.xlsx"].reason
    assert by_file["junk.csv"].status == "unreadable"
    assert "\n" not in by_file["cut.xlsx"].reason and by_file["ok.csv"].records_stored == 1


def test_no_recognisable_header(ingest_files):
    report, store, q = ingest_files({"a.csv": "foo,bar\n1,2\n"})
    assert report.files[0].status == "unreadable" and "header" in report.files[0].reason


def test_excel_with_merged_header_rows(ingest_files, codes, tmp_path):
    from khlang.domain.calendar import fiscal_year_months
    from tests.pipelines.ingest.conftest import write_merged_header_xlsx
    path = tmp_path / "x.xlsx"
    n = write_merged_header_xlsx(path, codes["local"][:3], fiscal_year_months(2567)[:4])
    report, store, q = ingest_files({"x.xlsx": path.read_bytes()})
    assert len(q) == 0 and len(store) == n == report.files[0].records_stored
    assert report.files[0].layout == "wide_metrics"
    assert store["source_row"].min() == 4  # title row, merged group header, header, then data


def test_thai_digits_separators_and_dash_are_stored(ingest_files, lao):
    text = (f"{TH['lao_code']},{TH['item']},{TH['fiscal_year']}," + ",".join(
        ["ต.ค.", "พ.ย.", "ธ.ค.", "ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย."]) + "\n"
            f'{lao},งบดำเนินงาน,๒๕๖๗,"๑,๒๓๔",-,"1,000,000.50",๐,1,2,3,4,5,6,7,8\n')
    report, store, q = ingest_files({"m.csv": text})
    assert len(q) == 0 and report.files[0].layout == "wide_months"
    got = dict(zip(store["period"].astype(str), store["value"], strict=True))
    assert got["2023-10-01"] == 1234.0 and got["2023-11-01"] == 0.0 and got["2023-12-01"] == 1_000_000.5
    assert got["2024-01-01"] == 0.0 and got["2024-09-01"] == 8.0
    assert set(store["fiscal_year"]) == {2567}


def _waste(lao: str, values: dict[str, str]) -> str:
    header = f"{EN['lao_code']},{EN['period']},{EN['waste_generated']}\n"
    return header + "".join(f'{lao},{period},"{value}"\n' for period, value in values.items())


def test_a_jump_of_orders_of_magnitude_is_quarantined(ingest_files, lao, tmp_path):
    """`1,658` t/d where the unit's other months are about 5: stored as sixteen hundred before; now kept in
    the quarantine with the median it is compared with and the decimal-comma reading named (the value is
    below what a unit of this type can report at all, so only its own history tells)."""
    values = {f"2023-{m}": f"{4 + m / 10:.1f}" for m in (10, 11, 12)}
    values |= {f"2024-0{m}": f"{4.5 + m / 10:.1f}" for m in (1, 2, 3)} | {"2024-04": "1,658"}
    work = tmp_path / "w"
    report, store, q = ingest_files({"waste.csv": _waste(lao, values)}, work=work)
    _only(q, "implausible_jump")
    assert len(store) == 6 and q["value"].tolist() == ["1,658"] and q["period"].tolist() == ["2024-04"]
    detail = q["detail"].iat[0]
    assert "median of 5 over 7 months" in detail and "decimal comma (1.658)" in detail, detail
    # a later batch is judged against the stored months: 600 (120 times their median) is caught, 6.0 stored
    report, store, q = ingest_files({"later.csv": _waste(lao, {"2024-05": "600", "2024-06": "6.0"})}, work=work)
    later = q[q["source_file"] == "later.csv"]
    assert later["reason"].tolist() == ["implausible_jump"] and "over 6 months" in later["detail"].iat[0]
    assert "decimal comma" not in later["detail"].iat[0]
    assert len(store) == 7 and {f.source_file: f.records_stored for f in report.files}["later.csv"] == 1


def test_a_value_beyond_the_units_type_and_size_is_out_of_range_without_history(ingest_files, reference, tmp_path):
    """The issue's case: `16,583` t/d for a sub-district municipality with no month stored yet (Bangkok as a
    whole makes about 11,000) was stored; a unit of that kind cannot report it. The same figure from Bangkok
    is below its ceiling and stored; a welfare count is bounded by the unit's size the same way."""
    laos = reference.laos.set_index("lao_code")["lao_type"]
    small = sorted(laos.index[laos == "subdistrict_municipality"])[0]
    bangkok = laos.index[laos == "bangkok"][0]
    report, store, q = ingest_files({"waste.csv": _waste(small, {"2024-04": "16,583", "2024-05": "17.2"})
                                     + f'{bangkok},2024-04,"16,583"\n'})
    _only(q, "out_of_range")
    assert q["lao_code"].tolist() == [small] and q["value"].tolist() == ["16,583"]
    detail = q["detail"].iat[0]
    assert "subdistrict municipality" in detail and "300,000 residents" in detail, detail
    assert "decimal comma (16.583)" in detail, detail
    assert sorted(store["value"]) == [17.2, 16_583.0] and report.files[0].records_in == 3
    header = f"{EN['lao_code']},{EN['period']},{EN['elderly_60_69']}\n"
    report, store, q = ingest_files({"w.csv": header + f"{small},2024-01,90000\n{small},2024-02,900\n"},
                                    work=tmp_path / "welfare")
    _only(q, "out_of_range")
    assert "75,000 persons" in q["detail"].iat[0] and store["value"].tolist() == [900.0]


def test_lumpy_budget_spending_is_not_judged_by_its_median(ingest_files, lao):
    months = ("ต.ค.", "พ.ย.", "ธ.ค.", "ม.ค.", "ก.พ.")
    text = LONG_TH + "".join(f"{lao},งบลงทุน,2567,{m},{v}\n" for m, v in zip(months, (100, 120, 90, 110, 2_500_000),
                                                                             strict=True))
    report, store, q = ingest_files({"capital.csv": text})
    assert len(q) == 0 and len(store) == 5  # one month of investment can be many times the median
