"""The compiler on the official models: sizes, generated C, planning invariants, CLI output."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from tinybench.cli import main as cli_main
from tinybench.compiler import analyze_model, compile_model
from tinybench.compiler.lower import lower_model
from tinybench.compiler.planner import plan_arena
from tinybench.compiler.tflite import read_model
from tinybench.fsutil import sha256_file

# Arena sizes TFLM reports for these models (tflite-micro print_allocations, issue #2); our
# arena holds only activations, so it must not exceed them.
TFLM_ARENA = {"kws01": ("kws_ref_model.tflite", 24272), "vww01": ("vww_96_int8.tflite", 103680),
              "ic01": ("pretrainedResnet_quant.tflite", 55984), "ad01": ("ad01_int8.tflite", 3984)}


def _path(shared, model_id):
    path = shared / "mlperf-tiny" / "models" / TFLM_ARENA[model_id][0]
    if not path.is_file():
        pytest.skip(f"{path} is missing")
    return path


@pytest.mark.parametrize("model_id", list(TFLM_ARENA))
def test_sizes_and_record(shared, model_id):
    path = _path(shared, model_id)
    info = analyze_model(path, model_id)
    assert 0 < info.arena_bytes <= TFLM_ARENA[model_id][1]
    assert info.sha256 == sha256_file(path)
    model = read_model(path)
    # Every weight and bias byte of the file is in the generated constants (plus requant tables).
    const_bytes = sum(len(t.data) for t in model.tensors if t.data is not None
                      and t.index not in model.inputs)
    assert info.weight_bytes >= const_bytes - 4 * 8   # RESHAPE shape constants are not emitted
    assert info.ops == [op.name for op in model.operators]
    assert info.input.elements == model.tensors[model.inputs[0]].elements


@pytest.mark.parametrize("model_id", list(TFLM_ARENA))
def test_plan_never_overlaps_live_tensors(shared, model_id):
    """Two tensors alive at the same op never share bytes, unless an alias rule allows it."""
    model = read_model(_path(shared, model_id))
    ops = lower_model(model)
    sizes = {t.index: t.elements for t in model.tensors}
    offsets, arena = plan_arena(ops, sizes, model.inputs[0], model.outputs[0])
    n = len(ops)
    first = {model.inputs[0]: -1}
    last = {model.inputs[0]: n, model.outputs[0]: n}
    for pos, op in enumerate(ops):
        first.setdefault(op.output, pos)
        last[op.output] = max(last.get(op.output, pos), pos)
        for t in op.inputs:
            last[t] = max(last.get(t, pos), pos)
    aliased = {(op.inputs[0], op.output) for op in ops if op.kind == "RESHAPE"}
    aliased |= {(t, op.output) for op in ops if op.kind == "ADD" for t in op.inputs}
    tensors = list(first)
    for i, a in enumerate(tensors):
        assert offsets[a] + sizes[a] <= arena
        for b in tensors[i + 1:]:
            if (a, b) in aliased or (b, a) in aliased:
                continue
            live_together = first[a] <= last[b] and first[b] <= last[a]
            disjoint = offsets[a] + sizes[a] <= offsets[b] or offsets[b] + sizes[b] <= offsets[a]
            if live_together and not disjoint:
                # Allowed only through a chain of aliases (RESHAPE of an ADD output, ...).
                assert offsets[a] == offsets[b], f"tensors {a} and {b} overlap while both live"


def test_generated_c_compiles_warning_free_for_cortex_m4(shared, tmp_path, repo_root):
    cc = shutil.which("arm-none-eabi-gcc")
    if cc is None:
        pytest.skip("arm-none-eabi-gcc not installed")
    out = tmp_path / "kws"
    compile_model(_path(shared, "kws01"), out, "kws01")
    engine = repo_root / "firmware" / "engine"
    for src in [out / "model.c", *sorted(engine.glob("*.c"))]:
        proc = subprocess.run([cc, "-mcpu=cortex-m4", "-mthumb", "-std=c99", "-Wall", "-Wextra",
                               "-Werror", "-O2", f"-I{engine}", "-c", str(src), "-o",
                               str(tmp_path / (src.stem + ".o"))], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr


def test_cli_json(shared, tmp_path, capsys):
    code = cli_main(["compile", str(_path(shared, "ad01")), "--id", "ad01", "--out",
                     str(tmp_path), "--json"])
    assert code == 0
    record = json.loads(capsys.readouterr().out)
    assert record["model_id"] == "ad01"
    assert record["input"]["shape"] == [1, 640]
    assert (tmp_path / "model.c").is_file()
    assert json.loads((tmp_path / "model.json").read_text())["arena_bytes"] == record["arena_bytes"]
    text = (tmp_path / "model.c").read_text()
    assert record["sha256"] in text and "tb_model_invoke" in text

