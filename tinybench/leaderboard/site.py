"""Render the leaderboard: static HTML (sortable, filterable), CSV, Markdown, Pareto plots.

Why static files: the shared results repository publishes the site from CI (GitHub Pages or any
web server) with no backend; sorting and filtering are a few lines of vanilla JS over the table,
and every figure is also in the CSV for people who want to re-analyse it.

What a reader can trust: rows are ranked within their device class by default (an "all classes"
view is one click away) and within their category (measured / simulated / estimated) always; a
measurement re-published unchanged in later rounds is one row listing its rounds; the composite
is given only to systems with all four workloads (the others are listed apart); numbers are
printed for people (``10,400×``, never ``1.04e+04×``); streaming wake word has its own table in
its own units; every table fits a 1280-px window.
"""

from __future__ import annotations

import csv
import html
import io
import math
import re
from pathlib import Path

from tinybench import fsutil
from tinybench.leaderboard.normalize import WORKLOAD_TITLES, Board, Row, build_board
from tinybench.leaderboard.records import Category, DeviceClass, Division, ResultRecord

CSV_NAME = "leaderboard.csv"
MD_NAME = "leaderboard.md"
HTML_NAME = "index.html"
CLASS_ORDER = [d.value for d in DeviceClass]


def human(v: float | None, sig: int = 4) -> str:
    """A number for people: ``sig`` significant digits, thousands separators, never an exponent
    (10400 -> '10,400', 0.004321 -> '0.004321', 181.92 -> '181.9')."""
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return ""
    if v == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(v)))
    decimals = max(0, sig - 1 - magnitude)
    return f"{v:,.{decimals}f}"


def fmt_latency(v: float | None) -> str:
    return human(v)


def fmt_energy(v: float | None) -> str:
    if v is None:
        return ""
    return f"{v:,.1f}" if v >= 1000 else human(v)


def fmt_ratio(v: float | None) -> str:
    if v is None:
        return ""
    return f"{human(v, 3 if v < 1000 else 1)}×" if v >= 1 else f"{human(v, 2)}×"


def fmt_accuracy(row: Row) -> str:
    if row.metric == "fp/fn":
        acc = row.record.accuracy
        return f"FP {acc.false_positives} / FN {acc.false_negatives}" if acc else ""
    if row.accuracy is None:
        return ""
    if row.metric == "top1":
        return f"{row.accuracy:.1f} %"
    method = row.record.accuracy.auc_method if row.record.accuracy else None
    label = {"eembc-simplified": " (EEMBC simplified)", "sklearn": " (sklearn)"}.get(method or "", "")
    return f"AUC {row.accuracy:g}{label}"


def fmt_num(v: float | None, spec: str = "g") -> str:
    return "" if v is None else human(v)


def _flags(row: Row) -> list[str]:
    r = row.record
    flags = []
    if row.repeated_from:
        flags.append(f"partly re-published from {row.repeated_from}")
    if any(b is not None and b.compliant is False for b in (r.performance, r.energy, r.accuracy)):
        flags.append("not valid for submission")
    if any(b is not None and getattr(b, "unstable", False) for b in (r.performance, r.energy, r.accuracy)):
        flags.append("unstable timing")
    return flags


def _system_cell(row: Row) -> tuple[str, str]:
    r, p = row.record, row.record.provenance
    name = r.system + (f" · {r.variant}" if r.variant else "")
    framework = (p.framework or "").split(",")[0].strip()
    framework = framework if len(framework) <= 32 else framework[:31] + "…"
    facts = [f"{human(p.clock_mhz, 3)} MHz" if p.clock_mhz else "",
             f"{human(p.voltage_v, 2)} V" if p.voltage_v else "", framework]
    return name, "; ".join(x for x in facts if x)


def _cells(row: Row) -> list[tuple[str, str, str]]:
    """(column name, display text, sort key) of one workload-table row, computed once per row
    (HTML and Markdown both use it)."""
    cached = getattr(row, "_cells_cache", None)
    if cached is None:
        cached = _compute_cells(row)
        row._cells_cache = cached  # type: ignore[attr-defined]
    return cached


def _rounds(row: Row) -> str:
    return ", ".join(row.rounds) if row.rounds else (row.record.provenance.round or "")


def _compute_cells(row: Row) -> list[tuple[str, str, str]]:
    r = row.record
    p = r.provenance
    name, _facts = _system_cell(row)
    head = [
        ("Rank", str(row.rank or ""), str(row.rank or "")),
        ("System", name, name.lower()),
        ("Submitter", p.submitter, p.submitter.lower()),
        ("Round", _rounds(row), _rounds(row)),
        ("Div.", r.division.value, r.division.value),
        ("Device class", r.device_class.value, r.device_class.value),
    ]
    flags = "; ".join(_flags(row))
    if r.workload == "sww":
        perf, energy, acc = r.performance, r.energy, r.accuracy
        duty = perf.duty_cycle if perf else None
        power = energy.power_mw if energy else None
        stream_j = energy.energy_uj / 1e6 if energy else None
        return head + [
            ("Throughput inf./s (estimated)", human(row.throughput_ips), repr(row.throughput_ips or "")),
            ("Duty cycle", human(duty, 3), repr(duty) if duty is not None else ""),
            ("Power mW", human(power), repr(power) if power is not None else ""),
            ("Stream energy J", human(stream_j), repr(stream_j) if stream_j is not None else ""),
            ("Detections", f"TP {acc.true_positives} / FN {acc.false_negatives} / FP {acc.false_positives}"
             if acc and acc.true_positives is not None else "",
             repr((acc.false_positives or 0) + (acc.false_negatives or 0)) if acc else ""),
            ("Quality", row.quality, row.quality),
            ("Flags", flags, flags),
        ]
    return head + [
        ("Latency ms", fmt_latency(row.latency_ms), repr(row.latency_ms) if row.latency_ms else ""),
        ("Energy µJ/inf", fmt_energy(row.energy_uj), repr(row.energy_uj) if row.energy_uj else ""),
        ("Accuracy", fmt_accuracy(row), repr(row.accuracy) if row.accuracy is not None else ""),
        ("Quality", row.quality, row.quality),
        ("Speed-up vs ref", fmt_ratio(row.speedup), repr(row.speedup) if row.speedup else ""),
        ("Energy vs ref", fmt_ratio(row.energy_ratio), repr(row.energy_ratio) if row.energy_ratio else ""),
        ("Flags", flags, flags),
    ]


_CSS = """
*{box-sizing:border-box}
body{font-family:system-ui,sans-serif;margin:0 auto;padding:1em 1.2em;max-width:1280px;color:#222}
table{border-collapse:collapse;margin:.4em 0 1.2em;font-size:12.5px;width:100%}
th,td{border:1px solid #ccc;padding:3px 5px;text-align:right;vertical-align:top}
td.t,th{text-align:left} td.sys{overflow-wrap:anywhere;max-width:17em} td.nw{white-space:nowrap}
td.fl{max-width:11em;overflow-wrap:anywhere;text-align:left;font-size:11.5px;color:#844}
td .sub{display:block;color:#666;font-size:11px}
th{background:#eef;cursor:pointer;user-select:none}
th.sorted-asc::after{content:" ▲"} th.sorted-desc::after{content:" ▼"}
tr.fail td{background:#fee} .cat{font-size:95%;color:#555;margin:.3em 0 0}
.filters{position:sticky;top:0;background:#fff;padding:.4em 0;border-bottom:1px solid #ddd;z-index:1}
.filters label{margin-right:1em} img{max-width:100%;width:560px;border:1px solid #ddd}
.view-all{display:none} body.all .view-all{display:block} body.all .view-class{display:none}
.note{color:#555;font-size:13px}
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
    document.body.classList.toggle('all', document.getElementById('view').value==='all');
    document.querySelectorAll('table.lb tbody tr').forEach(function(tr){
      var show=Object.keys(f).every(function(k){return !f[k]||tr.getAttribute('data-'+k)===f[k];});
      tr.style.display=show?'':'none';});
    document.querySelectorAll('section.lbsec').forEach(function(sec){
      var ok=Object.keys(f).every(function(k){var v=sec.getAttribute('data-'+k);return !f[k]||v===null||v===f[k];});
      sec.style.display=ok?'':'none';});
  }
  document.querySelectorAll('select.filter, #view').forEach(function(s){s.addEventListener('change',applyFilters);});
})();
"""


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


_TEXT_COLUMNS = {"System", "Submitter", "Round", "Div.", "Device class", "Quality", "Detections"}
_NOWRAP_COLUMNS = {"Div.", "Device class", "Quality", "Rank"}


def _row_html(row: Row, rank: int | None) -> str:
    r = row.record
    attrs = (f'data-device-class="{html.escape(r.device_class.value)}" '
             f'data-division="{r.division.value}" data-category="{r.category.value}" '
             f'data-system-key="{html.escape(r.system_key)}"')
    cls = ' class="fail"' if row.quality == "fail" else ""
    tds = []
    for name, text, sort in _cells(row):
        if name == "Rank":
            text = sort = str(rank or "")
        classes = ["fl"] if name == "Flags" else (["t"] if name in _TEXT_COLUMNS else [])
        classes += ["sys"] if name == "System" else (["nw"] if name in _NOWRAP_COLUMNS else [])
        css = f' class="{" ".join(classes)}"' if classes else ""
        body = html.escape(text)
        if name == "System":
            _, facts = _system_cell(row)
            title = f"{r.system_key} — {r.device_class_source}"
            body = (f'<span title="{html.escape(title)}">{body}</span>'
                    + (f'<span class="sub">{html.escape(facts)}</span>' if facts else ""))
        tds.append(f'<td{css} data-sort="{html.escape(sort)}">{body}</td>')
    return f"<tr {attrs}{cls}>{''.join(tds)}</tr>"


def _table_html(table_id: str, rows: list[Row], rank_of) -> str:
    head = "".join(f"<th>{html.escape(name)}</th>" for name, _, _ in _cells(rows[0]))
    body = "\n".join(_row_html(r, rank_of(r)) for r in rows)
    return f'<table class="lb" id="{table_id}"><thead><tr>{head}</tr></thead><tbody>\n{body}\n</tbody></table>'


def _select(name: str, label: str, options: list[str]) -> str:
    opts = '<option value="">all</option>' + "".join(
        f'<option value="{html.escape(o)}">{html.escape(o)}</option>' for o in options)
    return f'<label>{label} <select class="filter" name="{name}" id="filter-{name}">{opts}</select></label>'


def _by_class(rows: list[Row]) -> list[tuple[str, list[Row]]]:
    groups: dict[str, list[Row]] = {}
    for r in rows:
        groups.setdefault(r.record.device_class.value, []).append(r)
    return sorted(groups.items(), key=lambda kv: CLASS_ORDER.index(kv[0]) if kv[0] in CLASS_ORDER else 99)


def _workload_sections(workload: str, category: Category, rows: list[Row]) -> list[str]:
    note = "" if category == Category.measured else " — not ranked with measured results"
    out = [f'<section class="lbsec view-class" data-category="{category.value}">']
    for dclass, group in _by_class(rows):
        out.append(f'<h3 class="cat">{category.value}{note} · {html.escape(dclass)}</h3>'
                   + _table_html(f"t-{workload}-{category.value}-{_slug(dclass)}", group, lambda r: r.rank))
    out.append("</section>")
    out.append(f'<section class="lbsec view-all" data-category="{category.value}">'
               f'<h3 class="cat">{category.value}{note} · all device classes</h3>'
               + _table_html(f"t-{workload}-{category.value}", rows, lambda r: r.rank_all) + "</section>")
    return out


def _systems_html(board: Board) -> list[str]:
    parts = ["<h2 id=\"systems\">Systems with all four workloads (composite)</h2>",
             "<p class=\"note\">Composite = geometric mean over kws, vww, ic and ad of the speed-up "
             "(and of the energy ratio, when all four have energy). Systems with fewer workloads are "
             "listed below without a composite: a mean over fewer workloads is not comparable.</p>"]
    head = ("<thead><tr><th>Rank</th><th>System</th><th>Submitter</th><th>Round</th><th>Div.</th>"
            "<th>Device class</th><th>Composite speed-up</th><th>Composite energy ratio</th></tr></thead>")

    def row_html(r: Row, rank: int | None, partial: bool) -> str:
        rec = r.record
        cells = [] if partial else [(str(rank or ""), str(rank or ""), "")]
        cells += [(rec.system, rec.system.lower(), "t"),
                 (rec.provenance.submitter, rec.provenance.submitter.lower(), "t"),
                 (_rounds(r), _rounds(r), "t"), (rec.division.value, rec.division.value, "t"),
                 (rec.device_class.value, rec.device_class.value, "t")]
        if partial:
            have = f"{r.composite_n} of 4 workloads"
            cells.append((have, str(r.composite_n), "t"))
        else:
            cells += [(fmt_ratio(r.composite_speedup), repr(r.composite_speedup or ""), ""),
                      (fmt_ratio(r.composite_energy), repr(r.composite_energy or ""), "")]
        tds = "".join(f'<td{" class=" + chr(34) + c + chr(34) if c else ""} data-sort="{html.escape(s)}">'
                      f"{html.escape(t)}</td>" for t, s, c in cells)
        return (f'<tr data-device-class="{html.escape(rec.device_class.value)}" data-division="'
                f'{rec.division.value}" data-category="{rec.category.value}" data-system-key="'
                f'{html.escape(rec.system_key)}">{tds}</tr>')

    for category, rows in board.systems.items():
        parts.append(f'<section class="lbsec view-class" data-category="{category.value}">')
        for dclass, group in _by_class(rows):
            body = "".join(row_html(r, r.rank, False) for r in group)
            parts.append(f'<h3 class="cat">{category.value} · {html.escape(dclass)}</h3><table class="lb" '
                         f'id="t-systems-{category.value}-{_slug(dclass)}">{head}<tbody>{body}</tbody></table>')
        parts.append("</section>")
        body = "".join(row_html(r, r.rank_all, False) for r in rows)
        parts.append(f'<section class="lbsec view-all" data-category="{category.value}"><h3 class="cat">'
                     f'{category.value} · all device classes</h3><table class="lb" id="t-systems-'
                     f'{category.value}">{head}<tbody>{body}</tbody></table></section>')
    if board.partial_systems:
        parts.append("<h2 id=\"partial\">Systems with fewer than four workloads (no composite)</h2>")
        phead = head.split("<th>Composite speed-up")[0].replace("<th>Rank</th>", "") + "<th>Workloads</th></tr></thead>"
        for category, rows in board.partial_systems.items():
            body = "".join(row_html(r, None, True) for r in rows)
            parts.append(f'<section class="lbsec" data-category="{category.value}"><h3 class="cat">'
                         f'{category.value}</h3><table class="lb" id="t-partial-{category.value}">{phead}'
                         f"<tbody>{body}</tbody></table></section>")
    return parts


def render_html(board: Board, plots: dict[str, str]) -> str:
    parts = ["<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">",
             "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
             "<title>tinybench leaderboard</title>",
             "<link rel=\"icon\" href=\"data:,\">",
             f"<style>{_CSS}</style></head><body>",
             "<h1>tinybench leaderboard</h1>",
             f"<p class=\"note\">Normalised against <b>{html.escape(board.reference)}</b>"
             + ("" if board.reference_found else " (not among the inputs: ratios are empty)")
             + ". Speed-up = reference latency / latency; energy ratio = energy / reference energy "
             "(lower is better). Latency = 1000 / median throughput as published. Rows are ranked "
             "within their device class (switch the view to rank all classes together); measured, "
             "simulated and estimated results are never ranked together. A measurement re-published "
             "unchanged in later rounds is one row listing all its rounds"
             + (f" ({board.collapsed} such repeat(s) folded)" if board.collapsed else "") + ".</p>",
             '<div class="filters">',
             '<label>Ranking <select id="view" name="view"><option value="class">within device class'
             '</option><option value="all">all classes together</option></select></label>',
             _select("device-class", "Device class", [d.value for d in DeviceClass]),
             _select("division", "Division", [d.value for d in Division]),
             _select("category", "Category", [c.value for c in Category]),
             "</div>"]
    for workload, table in board.tables.items():
        parts.append(f'<h2 id="wl-{workload}">{html.escape(WORKLOAD_TITLES.get(workload, workload))}</h2>')
        if workload == "sww":
            parts.append("<p class=\"note\">Streaming wake word runs a 20-minute audio stream: it is "
                         "measured by detections, duty cycle and average power, not per inference.</p>")
        if workload in plots:
            parts.append(f'<p><img src="{plots[workload]}" alt="latency vs energy, {workload}"></p>')
        for category, rows in table.items():
            parts.extend(_workload_sections(workload, category, rows))
    parts.extend(_systems_html(board))
    parts.append(f"<p>Data: <a href=\"{CSV_NAME}\">{CSV_NAME}</a> · <a href=\"{MD_NAME}\">{MD_NAME}</a></p>")
    parts.append(f"<script>{_JS}</script></body></html>")
    return "\n".join(parts)


CSV_COLUMNS = ["workload", "category", "rank", "rank_all_classes", "system_key", "system", "variant",
               "submitter", "round", "rounds", "division",
               "device_class", "device_class_source", "clock_mhz", "voltage_v", "voltage_source",
               "throughput_ips", "latency_ms", "energy_uj", "accuracy_metric", "accuracy", "quality",
               "speedup_vs_ref", "energy_ratio_vs_ref", "composite_speedup", "composite_energy_ratio",
               "composite_workloads", "composite_partial", "repeated_from", "harness",
               "harness_version", "instrument", "source", "duty_cycle", "power_mw"]


def render_csv(board: Board) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for workload, table in board.tables.items():
        for category, rows in table.items():
            for row in rows:
                r, p = row.record, row.record.provenance
                writer.writerow([workload, category.value, row.rank or "", row.rank_all or "", r.system_key,
                                 r.system, r.variant or "", p.submitter, p.round or "", " ".join(row.rounds),
                                 r.division.value, r.device_class.value,
                                 r.device_class_source, _c(p.clock_mhz), _c(p.voltage_v),
                                 p.voltage_source or "", _c(row.throughput_ips), _c(row.latency_ms),
                                 _c(row.energy_uj), row.metric or "", _c(row.accuracy), row.quality,
                                 _c(row.speedup), _c(row.energy_ratio), _c(row.composite_speedup),
                                 _c(row.composite_energy), row.composite_n, row.partial,
                                 row.repeated_from or "", p.harness, p.harness_version or "",
                                 p.instrument or "", p.source,
                                 _c(r.performance.duty_cycle if r.performance else None),
                                 _c(r.energy.power_mw if r.energy else None)])
    return buf.getvalue()


def _c(v: float | None) -> str:
    return "" if v is None else repr(v)


def render_markdown(board: Board) -> str:
    lines = ["# tinybench leaderboard", "",
             f"Reference for ratios: `{board.reference}`. Ranked within category and device class.", ""]
    for workload, table in board.tables.items():
        lines += [f"## {WORKLOAD_TITLES.get(workload, workload)}", ""]
        for category, rows in table.items():
            for dclass, group in _by_class(rows):
                lines += [f"### {category.value} · {dclass}", ""]
                cells = [_cells(r) for r in group]
                lines.append("| " + " | ".join(c[0] for c in cells[0]) + " |")
                lines.append("|" + "---|" * len(cells[0]))
                for row in cells:
                    lines.append("| " + " | ".join(c[1].replace("|", "/") for c in row) + " |")
                lines.append("")
    return "\n".join(lines) + "\n"


def render_plot(workload: str, table: dict[Category, list[Row]], path: Path) -> bool:
    """Write ``plot_figure`` as PNG; False if no row has both latency and energy."""
    fig = plot_figure(workload, table)
    if fig is None:
        return False
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    fsutil.atomic_write_bytes(path, buf.getvalue())
    return True


def plot_figure(workload: str, table: dict[Category, list[Row]]):
    """Latency vs energy scatter, coloured by device class, with each category's Pareto front
    (a matplotlib Figure, or None without data). An axis spanning at least a decade is
    logarithmic, a narrower one linear, so both always carry labelled ticks."""
    points = {c: [(r.latency_ms, r.energy_uj, r.record.device_class.value) for r in rows
                  if r.latency_ms and r.energy_uj] for c, rows in table.items()}
    if not any(points.values()):
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullLocator

    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=90)
    markers = {Category.measured: "o", Category.simulated: "s", Category.estimated: "^"}
    colours = {d.value: f"C{i}" for i, d in enumerate(DeviceClass)}
    seen_labels = set()
    for category, pts in points.items():
        if not pts:
            continue
        for dclass in sorted({p[2] for p in pts}):
            xs = [p[0] for p in pts if p[2] == dclass]
            ys = [p[1] for p in pts if p[2] == dclass]
            label = f"{dclass} ({category.value})"
            ax.scatter(xs, ys, s=16, marker=markers[category], color=colours.get(dclass, "k"), alpha=0.8,
                       label=label if label not in seen_labels else None)
            seen_labels.add(label)
        front = pareto_front([(p[0], p[1]) for p in pts])
        ax.plot([p[0] for p in front], [p[1] for p in front], "-", color="0.4", lw=1)
    all_pts = [p for pts in points.values() for p in pts]
    for axis, values, setter in ((ax.xaxis, [p[0] for p in all_pts], ax.set_xscale),
                                 (ax.yaxis, [p[1] for p in all_pts], ax.set_yscale)):
        if max(values) / min(values) >= 10:
            setter("log")
            axis.set_major_locator(LogLocator(numticks=7))
            axis.set_minor_locator(NullLocator())  # few ticks: log minor ticks dominate render time
        else:
            axis.set_major_locator(MaxNLocator(5))
        axis.set_major_formatter(FuncFormatter(lambda v, _pos: human(v, 3)))
    ax.set_xlabel("latency (ms, lower is better)")
    ax.set_ylabel("energy (µJ per inference)")
    ax.set_title(f"{workload}: latency vs energy (grey lines: Pareto fronts)")
    ax.legend(fontsize=7, loc="best")
    fig.subplots_adjust(left=0.14, right=0.97, bottom=0.13, top=0.91)  # fixed: tight_layout redraws
    return fig


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
            if workload == "sww":
                continue  # no per-inference latency or energy to plot
            name = f"plots/{workload}-pareto.png"
            if render_plot(workload, table, out / name):
                plot_files[workload] = name
    fsutil.atomic_write_text(out / HTML_NAME, render_html(board, plot_files))
    fsutil.atomic_write_text(out / CSV_NAME, render_csv(board))
    fsutil.atomic_write_text(out / MD_NAME, render_markdown(board))
    return board
