"""Thai and English strings of the complaints pages (merged into app.i18n.STRINGS)."""

from __future__ import annotations

__all__ = ["COMPLAINT_STRINGS", "PROBLEM_TYPES"]

COMPLAINT_STRINGS: dict[str, tuple[str, str]] = {
    "page_report": ("แจ้งเรื่องร้องเรียน", "Report a problem"),
    "page_complaints": ("เรื่องร้องเรียน", "Complaints"),
    "report_intro": ("แจ้งปัญหาในพื้นที่ของท่าน เช่น ถนนชำรุด ไฟทางดับ น้ำท่วม ขยะ ระบบจะส่งเรื่องให้ อปท. ที่รับผิดชอบ",
                     "Report a local problem (a broken road, a dark street, flooding, rubbish): Khlang sends it to "
                     "the local government responsible"),
    "report_text": ("รายละเอียดปัญหา", "What is the problem?"),
    "report_category": ("ประเภทปัญหา (ถ้าทราบ)", "Problem type (if you know it)"),
    "report_category_none": ("ให้ระบบเลือกให้", "Let Khlang suggest one"),
    "report_where": ("ตำแหน่ง: คลิกบนแผนที่ หรือพิมพ์พิกัด", "Where: click on the map, or type the coordinates"),
    "report_province": ("จังหวัด", "Province"),
    "report_lat": ("ละติจูด", "Latitude"),
    "report_lon": ("ลองจิจูด", "Longitude"),
    "report_district": ("อำเภอ/เขต (ถ้าไม่มีพิกัด)", "District (if no coordinates)"),
    "report_subdistrict": ("ตำบล/แขวง", "Sub-district"),
    "report_contact": ("ช่องทางติดต่อกลับ (ไม่บังคับ; เก็บแยก ไม่เปิดเผย)",
                       "Contact for follow-up (optional; kept apart, never published)"),
    "report_name": ("ชื่อ", "Name"),
    "report_phone": ("โทรศัพท์", "Phone"),
    "report_email": ("อีเมล", "E-mail"),
    "report_submit": ("ส่งเรื่อง", "Submit"),
    "report_done": ("รับเรื่องแล้ว เลขที่เรื่อง {case_id}", "Received: case number {case_id}"),
    "report_types": ("ประเภทที่ระบบจัดให้: {types} · ผู้รับผิดชอบ: {unit}", "Classified as: {types} · handled by: {unit}"),
    "report_need_text": ("กรุณาบอกรายละเอียดของปัญหา", "Please describe the problem"),
    "report_picked": ("ตำแหน่งที่เลือก: {lat}, {lon}", "Chosen point: {lat}, {lon}"),
    "cx_province": ("จังหวัด", "Province"),
    "cx_all": ("ทุกจังหวัด", "All provinces"),
    "cx_map": ("จุดที่มีเรื่องร้องเรียนมาก (เรื่องต่ออำเภอ/เขต และจุดที่แจ้ง)",
               "Hotspots (cases per district and reported points)"),
    "cx_cases": ("จำนวนเรื่อง", "Cases"),
    "cx_trend": ("แนวโน้มรายสัปดาห์ตามประเภท", "Weekly trend by type"),
    "cx_forecast": ("พยากรณ์จำนวนเรื่องรายสัปดาห์ (ช่วง 80% และ 95%)", "Weekly volume forecast (80% and 95% intervals)"),
    "cx_oldest": ("เรื่องค้างนานที่สุดในพื้นที่", "Oldest unresolved cases in the area"),
    "cx_accountability": ("ผลการแก้ไขปัญหาเทียบกับ อปท. ประเภทเดียวกัน", "Resolution against peers of the same LAO type"),
    "cx_type": ("ประเภท", "Type"),
    "cx_open": ("ค้างอยู่", "Open"),
    "cx_days_resolve": ("วันถึงแก้เสร็จ (มัธยฐาน)", "Days to resolve (median)"),
    "cx_days_first": ("วันถึงดำเนินการครั้งแรก (มัธยฐาน)", "Days to first action (median)"),
    "cx_within": ("แก้เสร็จภายในเป้าหมาย", "Resolved within target"),
    "cx_reopen": ("อัตราเปิดเรื่องซ้ำ", "Reopen rate"),
    "cx_peer_median": ("มัธยฐานของ อปท. ประเภทเดียวกัน", "Median of peers"),
    "cx_none": ("ยังไม่มีเรื่องร้องเรียน: นำเข้าด้วย `khlang complaints import` หรือแจ้งเรื่องที่หน้าแจ้งเรื่องร้องเรียน",
                "No complaints yet: import them with `khlang complaints import` or report one on the report page"),
    "cx_reported": ("วันที่แจ้ง", "Reported"),
    "cx_days_open": ("ค้างมา (วัน)", "Open for (days)"),
    "cx_text": ("เรื่อง", "Complaint"),
    "cx_state": ("สถานะ", "State"),
    "cx_lao": ("อปท.", "LAO"),
    "cx_district": ("อำเภอ/เขต", "District"),
    "cx_no_forecast": ("ยังไม่มีพยากรณ์สำหรับพื้นที่นี้: `khlang pipeline` เผยแพร่พยากรณ์รายสัปดาห์",
                       "No forecast for this area yet: `khlang pipeline` publishes the weekly forecasts"),
    "cx_model": ("แบบจำลองที่เลือกจากการทดสอบย้อนหลัง: {model}", "Forecaster chosen on the backtest: {model}"),
}

# Problem types a citizen may pick (Traffy Fondue's labels; the classifier suggests one when none is picked)
PROBLEM_TYPES = ("ถนน", "ทางเท้า", "แสงสว่าง", "น้ำท่วม", "ท่อระบายน้ำ", "ขยะ", "ความสะอาด", "ความปลอดภัย",
                 "จราจร", "กีดขวาง", "เสียงรบกวน", "ต้นไม้", "สายไฟ", "สะพาน", "คลอง", "ป้าย", "สัตว์จรจัด", "PM2.5")
