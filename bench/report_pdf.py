"""Time the report's PDF alone on a synthetic national-scale report (no database needed).

    python bench/report_pdf.py [--teams 160] [--templates DIR] [--profile FILE]

160 teams with random counts (10% `<5`, 5% `x`), every table of the report, the 12-month
trend. `--templates` renders with an operator's template folder (same layout as `templates/`),
to compare print stylesheets; `--profile` writes a cProfile of the PDF step. Prints JSON (CPU
and wall seconds of `to_pdf`, WeasyPrint's import included, bytes).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import random
import time
from datetime import date
from pathlib import Path

from nazorg.core.charts import MonthFigures
from nazorg.core.suppression import Cell, Hidden
from nazorg.services.report.build import Report, Row
from nazorg.services.report.cases import COLUMNS as CASE_COLUMNS
from nazorg.services.report.cases import CaseRow
from nazorg.services.report.figures import AFTER_KINDS, kind_column
from nazorg.services.report.period import Period
from nazorg.services.report.render import to_pdf

KINDS = ("geweld", "bedreiging", "ongeval", "overig")


def synthetic(teams: int, seed: int = 1) -> Report:
    rng = random.Random(seed)

    def cell() -> Cell:
        r = rng.random()
        if r < 0.10:
            return Hidden("primary", 5)
        return Hidden("secondary", 5) if r < 0.15 else rng.randint(0, 400)

    columns = ["incidents", *(kind_column(k) for k in KINDS), *AFTER_KINDS]
    names = [f"Basisteam {i:03} Regio Noord-Holland" for i in range(teams)] + ["Totaal"]
    rows = [
        Row(f"T{i:03}", n, {c: cell() for c in columns}, 2.5, 81.0) for i, n in enumerate(names)
    ]
    cases = tuple(CaseRow(r.team, r.name, {c: cell() for c in CASE_COLUMNS}) for r in rows)
    period = Period(date(2026, 2, 1))
    trend = tuple(MonthFigures(m, 1000, 80.0) for m in period.trend_months())
    return Report(period, 5, KINDS, tuple(rows[:-1]), rows[-1], trend, cases)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teams", type=int, default=160)
    parser.add_argument("--templates", type=Path)
    parser.add_argument("--profile", type=Path)
    args = parser.parse_args()
    report = synthetic(args.teams)
    profiler = cProfile.Profile() if args.profile else None
    start, cpu = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    pdf = to_pdf(report, override=args.templates)
    if profiler:
        profiler.disable()
        profiler.dump_stats(args.profile)
    result = {
        "teams": args.teams,
        "wall_s": round(time.perf_counter() - start, 2),
        "cpu_s": round(time.process_time() - cpu, 2),
        "bytes": len(pdf),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
