"""`make bench`: every benchmark at the scale given by BENCH_SCALE (default small)."""

from __future__ import annotations

import os

from benchmarks import foundation


def main() -> None:
    foundation.run(os.environ.get("BENCH_SCALE", "small"), os.environ.get("KHLANG_CLUSTER") or None)


if __name__ == "__main__":
    main()
