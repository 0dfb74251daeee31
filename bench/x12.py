"""Benchmark of the X12 path against pyx12: reading, validating + translating, and memory.

Run from the project root: ``python bench/x12.py [--mb 20] [--big-mb 100]``. It writes a plain
004010 interchange of 850 purchase orders (ISA12 00401, ``~`` + newline, segments a real buyer
sends: BEG, CUR, REF, PER, DTM, N1/N3/N4, PO1/PID, CTT) to a temporary file and prints:

(a) segments/s of :func:`formats.x12.reader.read_interchanges` alone;
(b) the same plus ``formats.x12.validator.validate`` and ``formats.x12.po850.parse`` per set;
(c) segments/s of pyx12's ``X12Reader`` over the same file;
(d) segments/s of pyx12's ``x12n_document`` validation with our maps (``formats/x12/maps``), on a
    smaller file because it is slow;
(e) segments/s of ``formats.translate.check``, what the pre-send gate runs on every outbound X12
    document (reader, map with its code lists, ISA widths, envelope dates, CTT01);
then the ratios, and the peak RSS of a child process that only reads a ``--mb`` and a
``--big-mb`` file (streaming means both stay flat).
"""

from __future__ import annotations

import argparse
import io
import logging
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from formats.x12.envelope import TransactionSet  # noqa: E402
from formats.x12.reader import read_interchanges  # noqa: E402

MAPS = ROOT / "formats" / "x12" / "maps"
VALIDATION_SLICE_MB = 2.0
_PRODUCTS = ["WIDGET BLUE 10CM", "GASKET RUBBER 3IN", "BOLT HEX M8X40", "PAPER A4 80G 500SH", "TONER BLACK HY",
             "GLOVES NITRILE L", "LABEL THERMAL 4X6", "CABLE USB-C 2M", "SAFETY GLASSES", "TAPE PACKING 48MM"]
_CITIES = [("SPRINGFIELD", "IL", "62701"), ("COLUMBUS", "OH", "43004"), ("AUSTIN", "TX", "73301"),
           ("DENVER", "CO", "80014"), ("SALEM", "OR", "97301")]


def _purchase_order(rng: random.Random, number: int) -> list[str]:
    """The segments of one 850 between ST and SE (ASC X12 004010 order)."""
    city, state, postal = rng.choice(_CITIES)
    store = rng.randint(1, 999)
    segments = [
        f"BEG*00*SA*PO{number:08d}**202611{rng.randint(1, 28):02d}",
        "CUR*BY*USD",
        f"REF*DP*{rng.randint(1, 99):03d}",
        f"PER*BD*BUYER {number % 97}*TE*555{rng.randint(1000000, 9999999)}",
        f"DTM*002*202612{rng.randint(1, 28):02d}",
        f"N1*ST*ACME STORE {store}*92*{store:04d}",
        f"N3*{rng.randint(1, 9999)} MAIN STREET",
        f"N4*{city}*{state}*{postal}*US",
        "N1*BT*ACME CORPORATION*92*0001",
        "N3*1 CORPORATE WAY",
        "N4*CHICAGO*IL*60601*US",
    ]
    lines = rng.randint(3, 12)
    total = 0
    for line in range(1, lines + 1):
        quantity = rng.randint(1, 48)
        total += quantity
        cents = rng.randint(99, 99999)
        segments.append(f"PO1*{line}*{quantity}*EA*{cents // 100}.{cents % 100:02d}**VP*SKU{rng.randint(10000, 99999)}"
                        f"*UP*0{rng.randint(10**10, 10**11 - 1)}")
        segments.append(f"PID*F****{rng.choice(_PRODUCTS)}")
    segments.append(f"CTT*{lines}*{total}")
    return segments


def write_interchange(path: Path, megabytes: float, seed: int = 850) -> int:
    """Write a ~``megabytes`` 850 interchange to ``path``; return its number of segments."""
    rng = random.Random(seed)
    limit = int(megabytes * 1_000_000)
    written = segment_count = 0
    with path.open("w", encoding="ascii", newline="\n") as out:
        def put(segments: list[str]) -> None:
            nonlocal written, segment_count
            text = "~\n".join(segments) + "~\n"
            out.write(text)
            written += len(text)
            segment_count += len(segments)

        put(["ISA*00*          *00*          *ZZ*ACMEBUYER      *ZZ*OURSELLER      *261123*0930*U*00401"
             "*000000001*0*P*>", "GS*PO*ACMEBUYER*OURSELLER*20261123*0930*1*X*004010"])
        sets = 0
        while written < limit:
            sets += 1
            control = f"{sets:09d}"
            body = _purchase_order(rng, sets)
            put([f"ST*850*{control}", *body, f"SE*{len(body) + 2}*{control}"])
        put([f"GE*{sets}*1", "IEA*1*000000001"])
    return segment_count


def _timed(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def our_reader(path: Path) -> None:
    with path.open("rb") as source:
        for _ in read_interchanges(source):
            pass


def _our_full_path() -> Callable[[Path], None] | None:
    try:
        from formats.x12.po850 import parse
        from formats.x12.validator import validate  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return None

    def run(path: Path) -> None:
        with path.open("rb") as source:
            for event in read_interchanges(source):
                if isinstance(event, TransactionSet):
                    validate(event)
                    parse(event)

    return run


def our_check(path: Path) -> int:
    """Problems ``formats.translate.check`` finds in the file (the generated one has none)."""
    from formats.translate import check

    return len(check(path.read_bytes()))


def pyx12_reader(path: Path) -> None:
    import pyx12.x12file

    with path.open(encoding="ascii") as source:
        for _ in pyx12.x12file.X12Reader(source):
            pass


def pyx12_validation(path: Path) -> bool:
    import pyx12.params
    import pyx12.x12n_document

    param: Any = pyx12.params.params()
    param.set("map_path", str(MAPS))
    logging.getLogger("pyx12").setLevel(logging.CRITICAL)
    with path.open(encoding="ascii") as source:
        return bool(pyx12.x12n_document.x12n_document(param=param, src_file=source, fd_997=io.StringIO(),
                                                       fd_html=None, map_path=str(MAPS)))


_RSS_CHILD = """
import resource, sys
sys.path.insert(0, sys.argv[2])
from formats.x12.reader import read_interchanges
sets = 0
with open(sys.argv[1], "rb") as source:
    for event in read_interchanges(source):
        sets += 1
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, sets)
"""


def peak_rss_mb(path: Path) -> tuple[float, int]:
    """Peak RSS (MB) of a fresh Python process that reads ``path`` with our reader, and its event count."""
    done = subprocess.run([sys.executable, "-c", _RSS_CHILD, str(path), str(ROOT)], check=True,
                          capture_output=True, text=True)
    kilobytes, events = done.stdout.split()
    return int(kilobytes) / 1024, int(events)


def main(argv: list[str] | None = None) -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--mb", type=float, default=20.0, help="size of the main test file (default 20)")
    options.add_argument("--big-mb", type=float, default=100.0, help="size of the second RSS file (default 100)")
    args = options.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="b2bgw-bench-") as tmp:
        main_file, slice_file, big_file = Path(tmp, "main.x12"), Path(tmp, "slice.x12"), Path(tmp, "big.x12")
        segments = write_interchange(main_file, args.mb)
        print(f"input: {main_file.stat().st_size / 1e6:.1f} MB, {segments:,} segments (850, 00401/004010)")

        ours = segments / _timed(lambda: our_reader(main_file))
        print(f"(a) our reader:                       {ours:12,.0f} seg/s")
        full_path = _our_full_path()
        full: float | None = None
        if full_path is None:
            print("(b) reader + validate + 850 parse:    not available (formats.x12.validator not importable yet)")
        else:
            full = segments / _timed(lambda: full_path(main_file))
            print(f"(b) reader + validate + 850 parse:    {full:12,.0f} seg/s")
        found: list[int] = []
        checked = segments / _timed(lambda: found.append(our_check(main_file)))
        print(f"(e) formats.translate.check:          {checked:12,.0f} seg/s ({found[0]} problems)")
        theirs = segments / _timed(lambda: pyx12_reader(main_file))
        print(f"(c) pyx12 X12Reader:                  {theirs:12,.0f} seg/s")
        validation: float | None = None
        if (MAPS / "maps.xml").exists() and (MAPS / "850.4010.xml").exists():
            slice_segments = write_interchange(slice_file, VALIDATION_SLICE_MB)
            valid: list[bool] = []
            validation = slice_segments / _timed(lambda: valid.append(pyx12_validation(slice_file)))
            print(f"(d) pyx12 x12n_document validation:   {validation:12,.0f} seg/s "
                  f"(on a {VALIDATION_SLICE_MB:g} MB slice, {slice_segments:,} segments: pyx12 is slow; "
                  f"valid={valid[0]})")
        else:
            print("(d) pyx12 x12n_document validation:   not available (no pyx12 maps in formats/x12/maps)")

        print(f"ratio reader        ours/pyx12:       {ours / theirs:8.1f}x")
        if full is not None and validation is not None:
            print(f"ratio full path     ours/pyx12 valid: {full / validation:8.1f}x")
        else:
            print("ratio full path     ours/pyx12 valid: not available")

        rss, events = peak_rss_mb(main_file)
        print(f"peak RSS reading {args.mb:g} MB:  {rss:7.1f} MB ({events:,} events)")
        main_file.unlink()
        write_interchange(big_file, args.big_mb)
        rss, events = peak_rss_mb(big_file)
        print(f"peak RSS reading {args.big_mb:g} MB: {rss:7.1f} MB ({events:,} events)")
        os.remove(big_file)


if __name__ == "__main__":
    main()
