"""Human-readable tables and PNG plots of a run directory.

Why from results.json only: a report must be reproducible from the files a run leaves behind
(and of runs made by older harness versions the schema still accepts), never from live state.
Plots are written through ``tinybench.fsutil`` into ``<run>/plots/``.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

from tinybench import fsutil
from tinybench.power.figures import EnergyFigures
from tinybench.results.schema import RunResults


def summary_text(r: RunResults) -> str:
    lines = [f"{r.workload} on {r.board} — {r.mode} ({r.category_label}){'' if r.complete else ' — INCOMPLETE'}"]
    if r.performance:
        p = r.performance
        lines.append(f"time base: {p.time_base}")
        lines.append(f"{'window':>6} {'input':<40} {'N':>8} {'runtime s':>10} {'inf/s':>10} {'ms/inf':>9}")
        for w in p.windows:
            lines.append(f"{w.index:>6} {w.input_file[:40]:<40} {w.iterations:>8} {w.runtime_s:>10.3f} "
                         f"{w.throughput:>10.3f} {w.latency_ms:>9.3f}")
        lines.append(f"median throughput {p.median_throughput:.3f} inf/s, latency {p.latency_ms:.3f} ms, "
                     f"spread {p.spread_pct:.2f} % (bound {p.spread_bound_pct:g} %)")
        if p.unstable:
            from tinybench.results.text import unstable_line

            lines.append(unstable_line(p.spread_pct, p.spread_bound_pct))
        if p.median_instructions_per_inference is not None:
            lines.append(f"instructions per inference (simulator instruction count): {p.median_instructions_per_inference:,.0f}")
    if r.accuracy:
        a = r.accuracy
        if a.top1 is not None:
            lines.append(f"Top-1 {a.top1:.1f} %")
        if a.auc is not None:
            lines.append(f"AUC {a.auc:.3f} ({a.auc_method}, as the MLCommons runner; in results.txt)")
        if a.auc_eembc is not None:
            lines.append(f"AUC {a.auc_eembc:.4f} (EEMBC simplified, as EnergyRunner)")
        if a.top1_eembc_ad is not None:
            lines.append(f"AD Top-1 {a.top1_eembc_ad:.1f} % (EEMBC simplified, as EnergyRunner)")
        lines.append(f"{a.inputs} inputs, {a.inferences} inferences; quality target "
                     f"{a.metric} >= {a.quality_target:g}: {a.verdict}")
        if a.per_class_top1:
            lines.append("per class Top-1: " + ", ".join(
                f"{k} {v:.1f} % ({a.per_class_counts.get(k, 0)} files)" for k, v in a.per_class_top1.items()))
        else:
            lines.append("files per class: " + ", ".join(f"{k} {v}" for k, v in a.per_class_counts.items()))
        if a.agreement:
            lines.append(f"TFLM reference: {a.agreement.bit_exact}/{a.agreement.compared} files bit-exact")
    if r.energy:
        lines += _energy_lines(r.energy)
    if not r.compliant:
        lines.append("NOT VALID FOR SUBMISSION: " + "; ".join(r.notes))
    return "\n".join(lines)


def _energy_lines(e: EnergyFigures) -> list[str]:
    """The energy section: instrument and supply, one row per window, the medians."""
    inst = e.instrument
    lines = [f"energy ({e.category}{', ' + e.power_model if e.power_model else ''}): "
             f"{inst.model} (driver {inst.driver}, firmware {inst.firmware}) at "
             f"{e.voltage_v:g} V, {e.sample_rate_hz:g} Hz; time base {e.time_base}",
             f"{'window':>6} {'input':<32} {'N':>8} {'time s':>8} {'energy uJ':>12} {'power uW':>11} "
             f"{'uJ/inf':>10} {'inf/s':>9}  rule"]
    for w in e.windows:
        lines.append(f"{w.index:>6} {w.input_file[:32]:<32} {w.iterations:>8} {w.duration_s:>8.3f} "
                     f"{w.energy_uj:>12.3f} {w.power_uw:>11.3f} {w.energy_per_inf_uj:>10.3f} "
                     f"{w.throughput:>9.3f}  {'ok' if w.meets_duration_rule else '< 10 s or < 10 inf'}"
                     + (f" ({w.attempts} attempts)" if w.attempts > 1 else ""))
    lines.append(f"median energy {e.median_energy_per_inf_uj:.3f} uJ/inference, median throughput "
                 f"{e.median_throughput:.3f} inf/s over {len(e.windows)} windows; trace "
                 f"{e.trace_file}: {e.samples} samples, {e.edges} edges, {e.dropped_samples} dropped")
    lines += [f"note: {n}" for n in e.notes]
    if e.unstable and e.spread_pct is not None and e.spread_bound_pct is not None:
        from tinybench.results.text import unstable_line

        lines.append(unstable_line(e.spread_pct, e.spread_bound_pct))
    return lines


def _save(fig: object, path: Path) -> Path:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")  # type: ignore[attr-defined]
    fsutil.atomic_write_bytes(path, buf.getvalue())
    return path


def plots(r: RunResults, out_dir: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from tinybench.run import metrics

    made: list[Path] = []
    if r.performance:
        fig, ax = plt.subplots(figsize=(6, 3.5))
        ws = r.performance.windows
        ax.bar([str(w.index) for w in ws], [w.latency_ms for w in ws], color="tab:blue")
        ax.axhline(r.performance.latency_ms, color="tab:red", label="1000 / median throughput")
        ax.set_xlabel("window")
        ax.set_ylabel("latency (ms per inference)")
        ax.set_title(f"{r.workload} on {r.board} ({r.category})")
        ax.legend()
        made.append(_save(fig, out_dir / "latency_per_window.png"))
        plt.close(fig)
    if r.accuracy and r.inputs:
        acc = r.accuracy
        if acc.confusion_matrix:
            m = np.asarray(acc.confusion_matrix)
            fig, ax = plt.subplots(figsize=(5, 4.5))
            ax.imshow(m, cmap="Blues")
            names = list(acc.per_class_counts)
            if len(names) == m.shape[0]:
                ax.set_xticks(range(len(names)), names, rotation=90, fontsize=7)
                ax.set_yticks(range(len(names)), names, fontsize=7)
            for (i, j), v in np.ndenumerate(m):
                ax.text(j, i, str(v), ha="center", va="center", fontsize=7,
                        color="white" if v > m.max() / 2 else "black")
            ax.set_xlabel("predicted class")
            ax.set_ylabel("true class")
            ax.set_title(f"{r.workload} confusion matrix")
            made.append(_save(fig, out_dir / "confusion_matrix.png"))
            plt.close(fig)
        scores = np.vstack([np.asarray(i.score) for i in r.inputs])
        labels = np.asarray([i.label for i in r.inputs])
        fig, ax = plt.subplots(figsize=(4.5, 4.5))
        if scores.shape[1] <= 2:
            col = scores[:, -1]
            if len(set(labels.tolist())) == 2:
                fpr, tpr = metrics.roc_curve(col, labels == 1)
                ax.plot(fpr, tpr, label=f"AUC {acc.auc:.3f}" if acc.auc is not None else None)
        else:
            for c in range(scores.shape[1]):
                if 0 < np.sum(labels == c) < len(labels):
                    fpr, tpr = metrics.roc_curve(scores[:, c], labels == c)
                    ax.plot(fpr, tpr, lw=0.8)
        ax.plot([0, 1], [0, 1], "k:", lw=0.8)
        ax.set_xlabel("false positive rate")
        ax.set_ylabel("true positive rate")
        ax.set_title(f"{r.workload} ROC" + (" (one-vs-rest)" if scores.shape[1] > 2 else ""))
        if ax.get_legend_handles_labels()[0]:
            ax.legend()
        made.append(_save(fig, out_dir / "roc.png"))
        plt.close(fig)
    return made


def report(run_dir: Path, *, as_json: bool = False, plots_enabled: bool | None = None,
           plots: bool = True) -> str:  # noqa: F811 (parameter shadows function name on purpose)
    from tinybench.run.runner import load_results

    r = load_results(run_dir)
    made = _plots(r, Path(run_dir) / "plots") if plots else []
    if r.energy is not None and (Path(run_dir) / "energy_windows.png").is_file():
        made.append(Path(run_dir) / "energy_windows.png")   # drawn by the energy run itself
    reproduced = reproduces(r, Path(run_dir))
    if as_json:
        data = {"results": r.model_dump(mode="json"), "plots": [str(p) for p in made],
                "reproduced_from_log": reproduced}
        data["results"].pop("inputs", None)
        return json.dumps(data, indent=2)
    text = summary_text(r)
    if reproduced is not None:
        text += f"\nfigures recomputed from log.txt: {'identical' if reproduced else 'DIFFERENT'}"
    if made:
        text += "\nplots: " + ", ".join(str(p) for p in made)
    return text


_plots = plots


def reproduces(r: RunResults, run_dir: Path) -> bool | None:
    """Whether the headline figures recomputed from log.txt equal results.json (None: nothing to check)."""
    import math

    from tinybench.results.verify import accuracy_from_log, recompute

    if not r.complete:
        return None
    if not (run_dir / "log.txt").is_file():
        return False                          # the raw data behind the figures is missing
    rec = recompute(run_dir)
    if r.performance is not None:
        if rec.median_throughput is None:
            return False
        return math.isclose(rec.median_throughput, r.performance.median_throughput, rel_tol=1e-12)
    if r.accuracy is not None:
        labels = {i.file: i.label for i in r.inputs}
        if set(labels) != set(rec.file_results):
            return False
        top1, auc = accuracy_from_log(rec, labels, classifier=r.accuracy.top1 is not None)
        same_top1 = top1 is None or math.isclose(top1, r.accuracy.top1 or 0.0, abs_tol=1e-9)
        same_auc = r.accuracy.auc is None or math.isclose(auc, r.accuracy.auc, abs_tol=1e-12)
        return same_top1 and same_auc
    return None
