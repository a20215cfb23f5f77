"""Render the leaderboard: static HTML (sortable, filterable), CSV, Markdown, Pareto plots.

Why static files: the shared results repository publishes the site from CI (GitHub Pages or any
web server) with no backend; sorting and filtering are a few lines of vanilla JS over the table,
and every figure is also in the CSV for people who want to re-analyse it.
"""

from __future__ import annotations

import csv
import html
import io
from pathlib import Path

from tinybench import fsutil
from tinybench.leaderboard.normalize import WORKLOAD_TITLES, Board, Row, build_board
from tinybench.leaderboard.records import Category, DeviceClass, Division, ResultRecord

CSV_NAME = "leaderboard.csv"
MD_NAME = "leaderboard.md"
HTML_NAME = "index.html"


def fmt_latency(v: float | None) -> str:
    return "" if v is None else f"{v:.4g}"


def fmt_energy(v: float | None) -> str:
    return "" if v is None else f"{v:,.1f}"


def fmt_ratio(v: float | None) -> str:
    return "" if v is None else f"{v:.3g}×"


def fmt_accuracy(row: Row) -> str:
    if row.metric == "fp/fn":
        acc = row.record.accuracy
        return f"FP {acc.false_positives} / FN {acc.false_negatives}" if acc else ""
    if row.accuracy is None:
        return ""
    return f"{row.accuracy:.1f} %" if row.metric == "top1" else f"AUC {row.accuracy:g}"


def fmt_num(v: float | None, spec: str = "g") -> str:
    return "" if v is None else format(v, spec)


def _cells(row: Row) -> list[tuple[str, str, str]]:
    """(column name, display text, sort key) for one workload-table row (computed once per row:
    HTML and Markdown both use it)."""
    cached = getattr(row, "_cells_cache", None)
    if cached is None:
        cached = _compute_cells(row)
        row._cells_cache = cached  # type: ignore[attr-defined]
    return cached


def _compute_cells(row: Row) -> list[tuple[str, str, str]]:
    r = row.record
    p = r.provenance
    flags = []
    if row.repeated_from:
        flags.append(f"repeated from {row.repeated_from}")
    if any(b is not None and b.compliant is False for b in (r.performance, r.energy, r.accuracy)):
        flags.append("not valid for submission")
    if any(b is not None and b.unstable for b in (r.performance, r.energy, r.accuracy)):
        flags.append("unstable timing")
    composite = fmt_ratio(row.composite_speedup)
    if composite and row.partial:
        composite += f" (partial {row.composite_n}/4)"
    return [
        ("Rank", str(row.rank or ""), str(row.rank or "")),
        ("System", r.system, r.system),
        ("Submitter", p.submitter, p.submitter),
        ("Round", p.round or "", p.round or ""),
        ("Division", r.division.value, r.division.value),
        ("Device class", r.device_class.value, r.device_class.value),
        ("Clock MHz", fmt_num(p.clock_mhz), fmt_num(p.clock_mhz)),
        ("Voltage V", fmt_num(p.voltage_v), fmt_num(p.voltage_v)),
        ("Latency ms", fmt_latency(row.latency_ms), repr(row.latency_ms) if row.latency_ms else ""),
        ("Energy µJ/inf", fmt_energy(row.energy_uj), repr(row.energy_uj) if row.energy_uj else ""),
        ("Accuracy", fmt_accuracy(row), repr(row.accuracy) if row.accuracy is not None else ""),
        ("Quality", row.quality, row.quality),
        ("Speed-up vs ref", fmt_ratio(row.speedup), repr(row.speedup) if row.speedup else ""),
        ("Energy vs ref", fmt_ratio(row.energy_ratio), repr(row.energy_ratio) if row.energy_ratio else ""),
        ("Composite speed-up", composite, repr(row.composite_speedup) if row.composite_speedup else ""),
        ("Flags", "; ".join(flags), "; ".join(flags)),
    ]


_CSS = """
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em;font-size:13px}
th,td{border:1px solid #ccc;padding:3px 6px;text-align:right}
td:nth-child(2),td:nth-child(3),th{text-align:left}
th{background:#eef;cursor:pointer;user-select:none}
th.sorted-asc::after{content:" ▲"} th.sorted-desc::after{content:" ▼"}
tr.fail td{background:#fee} .cat{font-size:90%;color:#555}
.filters label{margin-right:1em} img{max-width:520px;border:1px solid #ddd}
"""

_JS = """
(function(){
  function key(td){var s=td.getAttribute('data-sort');var n=parseFloat(s);
    return (s!==''&&!isNaN(n)&&/^[-+0-9.eE]+$/.test(s))?[0,n]:[s===''?2:1,s.toLowerCase()];}
  function cmp(a,b){if(a[0]!==b[0])return a[0]-b[0];return a[1]<b[1]?-1:(a[1]>b[1]?1:0);}
  document.querySelectorAll('table.lb').forEach(function(table){
    table.querySelectorAll('th').forEach(function(th,col){
      th.addEventListener('click',function(){
        var asc=!th.classList.contains('sorted-asc');
        table.querySelectorAll('th').forEach(function(h){h.classList.remove('sorted-asc','sorted-desc');});
        th.classList.add(asc?'sorted-asc':'sorted-desc');
        var body=table.tBodies[0];var rows=Array.prototype.slice.call(body.rows);
        rows.sort(function(x,y){var ka=key(x.cells[col]),kb=key(y.cells[col]);
          if(ka[0]===2||kb[0]===2)return ka[0]-kb[0];var c=cmp(ka,kb);return asc?c:-c;});
        rows.forEach(function(r){body.appendChild(r);});
      });
    });
  });
  function applyFilters(){
    var f={};document.querySelectorAll('select.filter').forEach(function(s){f[s.name]=s.value;});
    document.querySelectorAll('table.lb tbody tr').forEach(function(tr){
      var show=Object.keys(f).every(function(k){return !f[k]||tr.getAttribute('data-'+k)===f[k];});
      tr.style.display=show?'':'none';});
    document.querySelectorAll('section.lbsec').forEach(function(sec){
      var cat=sec.getAttribute('data-category');
      sec.style.display=(!f.category||f.category===cat)?'':'none';});
  }
  document.querySelectorAll('select.filter').forEach(function(s){s.addEventListener('change',applyFilters);});
})();
"""


def _row_html(row: Row) -> str:
    r = row.record
    attrs = (f'data-device-class="{html.escape(r.device_class.value)}" '
             f'data-division="{r.division.value}" data-category="{r.category.value}" '
             f'data-system-key="{html.escape(r.system_key)}"')
    cls = ' class="fail"' if row.quality == "fail" else ""
    tds = "".join(f'<td data-sort="{html.escape(sort)}">{html.escape(text)}</td>'
                  for _, text, sort in _cells(row))
    return f"<tr {attrs}{cls}>{tds}</tr>"


def _table_html(table_id: str, rows: list[Row]) -> str:
    head = "".join(f"<th>{html.escape(name)}</th>" for name, _, _ in _cells(rows[0]))
    body = "\n".join(_row_html(r) for r in rows)
    return f'<table class="lb" id="{table_id}"><thead><tr>{head}</tr></thead><tbody>\n{body}\n</tbody></table>'


def _select(name: str, label: str, options: list[str]) -> str:
    opts = '<option value="">all</option>' + "".join(
        f'<option value="{html.escape(o)}">{html.escape(o)}</option>' for o in options)
    return f'<label>{label} <select class="filter" name="{name}" id="filter-{name}">{opts}</select></label>'


def render_html(board: Board, plots: dict[str, str]) -> str:
    parts = ["<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">",
             "<title>tinybench leaderboard</title>",
             "<link rel=\"icon\" href=\"data:,\">",
             f"<style>{_CSS}</style></head><body>",
             "<h1>tinybench leaderboard</h1>",
             f"<p>Normalised against <b>{html.escape(board.reference)}</b>"
             + ("" if board.reference_found else " (not among the inputs: ratios are empty)")
             + ". Speed-up = reference latency / latency; energy ratio = energy / reference energy "
             "(lower is better); composite = geometric mean over the kws, vww, ic, ad workloads a "
             "system completed (partial when fewer than four). Measured, simulated and estimated "
             "results are ranked separately and never together. Latency = 1000 / median "
             "throughput as published.</p>",
             '<div class="filters">',
             _select("device-class", "Device class", [d.value for d in DeviceClass]),
             _select("division", "Division", [d.value for d in Division]),
             _select("category", "Category", [c.value for c in Category]),
             "</div>"]
    for workload, table in board.tables.items():
        parts.append(f'<h2 id="wl-{workload}">{html.escape(WORKLOAD_TITLES.get(workload, workload))}</h2>')
        if workload in plots:
            parts.append(f'<p><img src="{plots[workload]}" alt="latency vs energy, {workload}"></p>')
        for category, rows in table.items():
            note = "" if category == Category.measured else " — not ranked with measured results"
            parts.append(f'<section class="lbsec" data-category="{category.value}">'
                         f'<h3 class="cat">{category.value}{note}</h3>'
                         + _table_html(f"t-{workload}-{category.value}", rows) + "</section>")
    parts.append("<h2>Systems (composite)</h2>")
    for category, rows in board.systems.items():
        body = "".join(
            f'<tr data-device-class="{html.escape(r.record.device_class.value)}" '
            f'data-division="{r.record.division.value}" data-category="{category.value}">'
            f'<td data-sort="{html.escape(r.record.system_key)}">{html.escape(r.record.system_key)}</td>'
            f'<td data-sort="{html.escape(r.record.device_class.value)}">{html.escape(r.record.device_class.value)}</td>'
            f'<td data-sort="{repr(r.composite_speedup) if r.composite_speedup else ""}">{fmt_ratio(r.composite_speedup)}</td>'
            f'<td data-sort="{repr(r.composite_energy) if r.composite_energy else ""}">{fmt_ratio(r.composite_energy)}</td>'
            f'<td data-sort="{r.composite_n}">{r.composite_n}/4{" (partial)" if r.partial else ""}</td></tr>'
            for r in rows)
        parts.append(f'<section class="lbsec" data-category="{category.value}"><h3 class="cat">{category.value}</h3>'
                     f'<table class="lb" id="t-systems-{category.value}"><thead><tr><th>System</th>'
                     "<th>Device class</th><th>Composite speed-up</th><th>Composite energy ratio</th>"
                     f"<th>Workloads</th></tr></thead><tbody>{body}</tbody></table></section>")
    parts.append(f"<p>Data: <a href=\"{CSV_NAME}\">{CSV_NAME}</a> · <a href=\"{MD_NAME}\">{MD_NAME}</a></p>")
    parts.append(f"<script>{_JS}</script></body></html>")
    return "\n".join(parts)


CSV_COLUMNS = ["workload", "category", "rank", "system_key", "system", "submitter", "round", "division",
               "device_class", "device_class_source", "clock_mhz", "voltage_v", "voltage_source",
               "throughput_ips", "latency_ms", "energy_uj", "accuracy_metric", "accuracy", "quality",
               "speedup_vs_ref", "energy_ratio_vs_ref", "composite_speedup", "composite_energy_ratio",
               "composite_workloads", "composite_partial", "repeated_from", "harness",
               "harness_version", "instrument", "source"]


def render_csv(board: Board) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for workload, table in board.tables.items():
        for category, rows in table.items():
            for row in rows:
                r, p = row.record, row.record.provenance
                writer.writerow([workload, category.value, row.rank or "", r.system_key, r.system,
                                 p.submitter, p.round or "", r.division.value, r.device_class.value,
                                 r.device_class_source, _c(p.clock_mhz), _c(p.voltage_v),
                                 p.voltage_source or "", _c(row.throughput_ips), _c(row.latency_ms),
                                 _c(row.energy_uj), row.metric or "", _c(row.accuracy), row.quality,
                                 _c(row.speedup), _c(row.energy_ratio), _c(row.composite_speedup),
                                 _c(row.composite_energy), row.composite_n, row.partial,
                                 row.repeated_from or "", p.harness, p.harness_version or "",
                                 p.instrument or "", p.source])
    return buf.getvalue()


def _c(v: float | None) -> str:
    return "" if v is None else repr(v)


def render_markdown(board: Board) -> str:
    lines = ["# tinybench leaderboard", "",
             f"Reference for ratios: `{board.reference}`. Categories are ranked separately.", ""]
    for workload, table in board.tables.items():
        lines += [f"## {WORKLOAD_TITLES.get(workload, workload)}", ""]
        for category, rows in table.items():
            lines += [f"### {category.value}", ""]
            cells = [_cells(r) for r in rows]
            lines.append("| " + " | ".join(c[0] for c in cells[0]) + " |")
            lines.append("|" + "---|" * len(cells[0]))
            for row in cells:
                lines.append("| " + " | ".join(c[1].replace("|", "/") for c in row) + " |")
            lines.append("")
    return "\n".join(lines) + "\n"


def render_plot(workload: str, table: dict[Category, list[Row]], path: Path) -> bool:
    """Latency vs energy scatter per category with each category's Pareto front; False if no data."""
    points = {c: [(r.latency_ms, r.energy_uj) for r in rows if r.latency_ms and r.energy_uj]
              for c, rows in table.items()}
    if not any(points.values()):
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4), dpi=90)
    style = {Category.measured: ("o", "C0"), Category.simulated: ("s", "C1"), Category.estimated: ("^", "C2")}
    for category, pts in points.items():
        if not pts:
            continue
        marker, color = style[category]
        xs, ys = zip(*pts)
        ax.scatter(xs, ys, s=14, marker=marker, color=color, alpha=0.7, label=category.value)
        front = pareto_front(pts)
        ax.plot([p[0] for p in front], [p[1] for p in front], "-", color=color, lw=1)
    from matplotlib.ticker import LogLocator, NullLocator

    ax.set_xscale("log")
    ax.set_yscale("log")
    for axis in (ax.xaxis, ax.yaxis):  # few ticks: log minor ticks dominate the render time
        axis.set_major_locator(LogLocator(numticks=6))
        axis.set_minor_locator(NullLocator())
    ax.set_xlabel("latency (ms, lower is better)")
    ax.set_ylabel("energy (µJ/inference)")
    ax.set_title(f"{workload}: latency vs energy (lines: Pareto fronts)")
    ax.legend(fontsize=8)
    fig.subplots_adjust(left=0.15, right=0.97, bottom=0.13, top=0.91)  # fixed: tight_layout redraws
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    fsutil.atomic_write_bytes(path, buf.getvalue())
    return True


def pareto_front(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Points not dominated in (latency, energy), sorted by latency."""
    front: list[tuple[float, float]] = []
    best = float("inf")
    for x, y in sorted(points):
        if y < best:
            front.append((x, y))
            best = y
    return front


def build_site(records: list[ResultRecord], out: Path, *, reference: str | None = None,
               plots: bool = True) -> Board:
    from tinybench.leaderboard.normalize import DEFAULT_REFERENCE

    out = Path(out)
    board = build_board(records, reference or DEFAULT_REFERENCE)
    plot_files: dict[str, str] = {}
    if plots:
        for workload, table in board.tables.items():
            name = f"plots/{workload}-pareto.png"
            if render_plot(workload, table, out / name):
                plot_files[workload] = name
    fsutil.atomic_write_text(out / HTML_NAME, render_html(board, plot_files))
    fsutil.atomic_write_text(out / CSV_NAME, render_csv(board))
    fsutil.atomic_write_text(out / MD_NAME, render_markdown(board))
    return board
