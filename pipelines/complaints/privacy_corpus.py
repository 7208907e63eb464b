"""A corpus of Thai complaint sentences with the personal data each holds, for measuring the masking:
each example is (text, the spans that must be masked). Near misses (dates, amounts, ticket and letter
numbers, pole numbers, 13-digit numbers whose check digit fails, titles that are not names) hold none.
The tests hold `mask` to it, and `corpus_scores` gives its precision and recall per kind."""

from __future__ import annotations

from collections import Counter

__all__ = ["CORPUS", "corpus_scores", "valid_id"]


def valid_id(first12: str) -> str:
    """A 13-digit number whose check digit holds (the examples' IDs are made up, not anybody's)."""
    total = sum(int(d) * (13 - i) for i, d in enumerate(first12))
    return first12 + str((11 - total % 11) % 10)


_ID1, _ID2 = valid_id("110370207183"), valid_id("370010045612")
CORPUS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (f"ผมชื่อนายสมชาย ใจดี เลขบัตร {_ID1} ขอแจ้งถนนเป็นหลุม", (("name", "สมชาย ใจดี"), ("national_id", _ID1))),
    (f"บัตรประชาชน {_ID2[0]}-{_ID2[1:5]}-{_ID2[5:10]}-{_ID2[10:12]}-{_ID2[12]} ติดต่อกลับด้วย",
     (("national_id", f"{_ID2[0]}-{_ID2[1:5]}-{_ID2[5:10]}-{_ID2[10:12]}-{_ID2[12]}"),)),
    (f"เลข {_ID2[0]} {_ID2[1:5]} {_ID2[5:10]} {_ID2[10:12]} {_ID2[12]}",
     (("national_id", f"{_ID2[0]} {_ID2[1:5]} {_ID2[5:10]} {_ID2[10:12]} {_ID2[12]}"),)),
    ("โทร 081-234-5678 ได้ตลอด", (("phone", "081-234-5678"),)),
    ("ติดต่อ 0891234567 หรือ 02 123 4567", (("phone", "0891234567"), ("phone", "02 123 4567"))),
    ("เบอร์ +66 81 234 5678 ค่ะ", (("phone", "+66 81 234 5678"),)),
    ("เบอร์โทร ๐๘๑๒๓๔๕๖๗๘ (เลขไทย)", (("phone", "0812345678"),)),
    ("ส่งรูปทางอีเมล somchai.j@example.co.th ได้", (("email", "somchai.j@example.co.th"),)),
    ("รถทะเบียน กข 1234 กรุงเทพมหานคร จอดขวางทางเข้าซอย", (("plate", "กข 1234"),)),
    ("แท็กซี่ทะเบียน 1กข-1234 จอดทิ้งไว้", (("plate", "1กข-1234"),)),
    ("รถเก๋งสีขาว 2ขท 4716 ขับย้อนศร", (("plate", "2ขท 4716"),)),
    ("รถจอดทิ้ง (ทว 1999) มาสองปีแล้ว", (("plate", "ทว 1999"),)),
    ("บ้านเลขที่ 123/45 ซอยลาดพร้าว 101 น้ำท่วมขัง", (("house_number", "123/45"),)),
    ("ร้องเรียนโดย นางสาวสุดา มีสุข บ้านเลขที่ 9 หมู่ 3", (("name", "สุดา มีสุข"), ("house_number", "9"))),
    ("น.ส.ปุณยวีร์ ทองดี แจ้งไฟดับ", (("name", "ปุณยวีร์ ทองดี"),)),
    ("จุดสังเกต บ้านเลขที่ : 84/12 ซอย : 7", (("house_number", "84/12"),)),
    # near misses: nothing here is personal data
    ("วันที่ 12/05/2565 เวลา 08:30 น. ไฟดับทั้งซอย", ()),
    ("ค่าปรับ 1,500 บาท และค่าธรรมเนียม 200 บาท", ()),
    ("เรื่องเลขที่ 2022-EZRLGQ ยังไม่ได้รับการแก้ไข", ()),
    ("หนังสือ กท 0907/2565 ลงวันที่ 3 พค 2565", ()),
    ("เสาไฟฟ้าต้นที่ ข48 - ข54 ไฟดับ", ()),
    ("เลขอ้างอิง 1234567890123 (ไม่ใช่เลขบัตร)", ()),
    ("นายกเทศมนตรีและนายอำเภอรับทราบแล้ว", ()),
    ("ตั้งแต่ปี พศ 2548 ถนนไม่เคยซ่อม ระยะทาง กม 12", ()),
    ("ซอย 5 หมู่ 3 ถนนพหลโยธิน กม. 25", ()),
    ("มีคน 100 คนเดือดร้อน รอจน 10 โมง", ()),
    ("ตลาดนางเลิ้งและซอยนางลิ้นจี่ 2 รถติดมาก", ()),
    ("งบประมาณ 2,500,000 บาท ปีงบ 2567", ()),
)


def corpus_scores(mask_fn) -> dict[str, dict[str, float]]:
    """Per kind and overall: precision (masked spans that were personal data) and recall (personal data
    masked), counting spans by kind: a kind's masks in a text beyond its true spans are false positives."""
    from pipelines.complaints.privacy import TOKENS

    tp, fp, fn = Counter(), Counter(), Counter()
    for text, spans in CORPUS:
        masked = mask_fn(text)
        truth = Counter(kind for kind, _ in spans)
        for kind in TOKENS:
            found = masked.found.get(kind, 0)
            left = sum(1 for k, value in spans if k == kind and value in masked.text)
            hit = min(found, truth[kind] - left)
            tp[kind] += hit
            fp[kind] += found - hit
            fn[kind] += truth[kind] - hit
    out = {}
    for kind in [*TOKENS, "all"]:
        t = sum(tp.values()) if kind == "all" else tp[kind]
        p = sum(fp.values()) if kind == "all" else fp[kind]
        n = sum(fn.values()) if kind == "all" else fn[kind]
        out[kind] = {"precision": t / (t + p) if t + p else 1.0, "recall": t / (t + n) if t + n else 1.0,
                     "spans": t + n}
    return out
