"""Purchase orders in bulk for the pipeline benchmark and the fault tests: X12 850 interchanges.

Each order is the demo partner ``acme``'s basic 850 (``fixtures/x12/850-4010-basic.x12``: its
header, parties and dates) reduced to one line of one each of a demo SKU, under its own PO
number, so a thousand orders stay inside the demo customer's credit and every one is placed.
Orders are packed many sets to an interchange, each interchange with its own ISA13, as a
partner's batch would be.
"""

from __future__ import annotations

from pathlib import Path

BASIC = Path(__file__).resolve().parents[1] / "fixtures" / "x12" / "850-4010-basic.x12"
SKUS = ("DEMO-1001", "DEMO-1002", "DEMO-1004", "DEMO-1005")


def _segments() -> list[str]:
    return [s.strip() for s in BASIC.read_text().split("~") if s.strip()]


def order_interchanges(count: int, *, per_file: int = 100, prefix: str = "BULK", first_isa13: int = 800000000
                       ) -> list[bytes]:
    """``count`` orders (PO numbers ``{prefix}-000001`` ...) in interchanges of ``per_file`` sets."""
    segments = _segments()
    isa, gs = segments[0], segments[1]
    header = [s for s in segments[3:] if s.split("*")[0] not in {"PO1", "PID", "CTT", "AMT", "SE", "GE", "IEA"}
              and not (s.startswith("DTM*002*20261205"))]
    files = []
    for start in range(0, count, per_file):
        numbers = range(start, min(count, start + per_file))
        isa13 = f"{first_isa13 + start // per_file:09d}"
        group = str(start // per_file + 1)
        body: list[str] = []
        for n in numbers:
            st02 = f"{n - start + 1:04d}"
            po = f"{prefix}-{n + 1:06d}"
            sku = SKUS[n % len(SKUS)]
            lines = [f"ST*850*{st02}"] + [
                f"BEG*00*SA*{po}**20261118" if s.startswith("BEG*") else s for s in header
            ] + [f"PO1*1*1*EA*12.5*PE*VP*{sku}", "PID*F****DEMO ITEM", "CTT*1"]
            lines.append(f"SE*{len(lines) + 1}*{st02}")
            body.extend(lines)
        isa_fields = isa.split("*")
        isa_fields[13] = isa13
        text = "~\n".join(["*".join(isa_fields), "*".join([*gs.split("*")[:6], group, *gs.split("*")[7:]]), *body,
                           f"GE*{len(numbers)}*{group}", f"IEA*1*{isa13}"]) + "~\n"
        files.append(text.encode("ascii"))
    return files
