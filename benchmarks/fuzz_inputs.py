"""Fuzz the input checks: generated bad configs, traces and hardware files, counted by outcome.

    python benchmarks/fuzz_inputs.py [--count N] [--seed S] [--binary PATH]

Every input is bad by construction (a NaN, a wrong type, a size off its grid, a flipped byte, a
mutation of tests/corpora, ...). Each must be rejected with a one-line error: the script prints
how many were rejected, crashed (a signal, or an exit status other than 1), silently accepted
(exit 0) or ended in a Python traceback. The target is 0 / 0 / 0.
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import shutil
import subprocess
import sys
import tempfile
import traceback
from collections import Counter
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "tests" / "corpora"))

import corpus  # noqa: E402

from cimtrain import config as run_config  # noqa: E402
from cimtrain import estimator  # noqa: E402
from cimtrain import trace as traces  # noqa: E402

NUMERIC_KEYS = [
    "device.sigma_c2c", "device.sigma_d2d", "device.nonlinearity_ltp", "device.on_off_ratio",
    "device.resistance_on_ohm", "device.write_voltage_v", "train.momentum", "train.grad_scale",
    "train.velocity_gain", "train.grad_scale_decay", "dataset.digits_test_fraction",
    "hardware.clock_frequency_hz", "hardware.feature_size_nm", "hardware.temperature_k",
    "hardware.read_voltage_v", "hardware.global_bus_delay_tolerance",
]
INTEGER_KEYS = ["epochs", "seed", "quant.weight_bits", "quant.grad_bits", "device.levels_ltp",
                "train.batch_size", "trace.samples", "trace.every", "hardware.cell_bits",
                "hardware.subarray_rows", "hardware.adc_levels", "hardware.columns_per_adc"]
POWER_KEYS = ["hardware.subarray_rows", "hardware.subarray_cols", "hardware.adc_levels",
              "hardware.columns_per_adc", "hardware.ag_adc_levels", "hardware.wg_adc_levels",
              "hardware.wg_subarray_rows"]
NON_FINITE = [".nan", ".inf", "-.inf"]
BAD_NAMES = ["..", ".", "../up", "a/b", "-x", ".hidden", "", "a b", "x" * 300]
HARDWARE_BAD_VALUES = ["nan", "inf", "-1", "1e999", "abc", "", "0x10", "99999999999999999999",
                       "3.5", "true"]
HARDWARE_KEYS = ["subarray_rows", "adc_levels", "cell_bits", "clock_frequency_hz",
                 "feature_size_nm", "temperature_k", "columns_per_adc", "memory_cell",
                 "read_voltage_v", "technology_node_nm", "speedup_degree", "wg_adc_levels"]


# ----------------------------------------------------------------------------- generators

def config_cases(rng: random.Random, count: int) -> list[list[str]]:
    """Lists of --set overrides of config/demo.yaml, each bad by construction."""
    makers = [
        lambda: [f"{rng.choice(NUMERIC_KEYS + INTEGER_KEYS)}={rng.choice(NON_FINITE)}"],
        lambda: [f"{rng.choice(INTEGER_KEYS)}={rng.choice(['-5', '0.5', 'abc', '[1]', '{}'])}"],
        lambda: [f"{rng.choice(POWER_KEYS)}={rng.choice([3, 5, 6, 12, 24, 48, 100, 1000])}"],
        lambda: [f"epochs={rng.randint(1000, 10**9)}"],
        lambda: [f"trace.samples={rng.randint(101, 10**6)}"],
        lambda: [f"device.levels_ltp={rng.randint(2, 31)}"],
        lambda: [f"quant.weight_bits={rng.randint(2, 4)}"],
        lambda: [f"sweep.name={rng.choice(BAD_NAMES[:6])}"],
        lambda: ["sweep.name=s",
                 f"sweep.training={{points: [{{name: '{rng.choice(BAD_NAMES)}', set: {{}}}}]}}"],
        lambda: ["sweep.name=s", f"sweep.hardware={{grid: {{hardware.adc_levels: "
                                 f"[{rng.choice([3, 12, 100])}]}}}}"],
        lambda: [f"model.layers=[{{type: fc, out: {rng.choice([1, 2, 9, 11, 100])}}}]"],
        lambda: [f"hardware.{rng.choice(['nope', 'adc', 'rows'])}={rng.randint(0, 9)}"],
        lambda: [f"hardware.{rng.choice(['max_levels_ltp', 'error_bits', 'resistance_on_ohm'])}"
                 f"={rng.randint(2, 9)}"],
        lambda: ["hardware.memory_cell=sram", f"hardware.cell_bits={rng.randint(2, 8)}"],
        lambda: [f"hardware.speedup_degree={rng.randint(2, 64)}"],
        lambda: [f"dataset.digits_test_fraction={rng.choice(['0.0001', '0.99999', '1', '0'])}"],
    ]
    return [rng.choice(makers)() for _ in range(count)]


def yaml_texts(rng: random.Random, count: int) -> list[str]:
    """Whole config files that are malformed or carry code."""
    texts = ["__use_yte__: true\nepochs: ?1+1\n", "epochs: !!python/object/apply:os.getcwd []\n",
             "seed: !!python/name:os.system\n", "epochs: [1\n", "- 1\n", "a: b: c\n",
             "epochs: *anchor\n", "\t- x\n", "train: {batch_size: 1\n", "!!binary AAAA\n"]
    return [rng.choice(texts) for _ in range(count)]


def trace_mutations(rng: random.Random, count: int) -> list[tuple[str, object]]:
    """Named mutations of a small valid trace: the corpus's and random byte damage."""
    named = list(corpus.TRACE_CASES.items())
    files = ["layer_01/weight.npy", "layer_01/weight_old.npy", "layer_01/input.npy",
             "layer_02/weight.npy", "layer_02/input.npy"]
    cases: list[tuple[str, object]] = []
    for index in range(count):
        if index % 3 == 0:
            name, (mutate, _, _) = rng.choice(named)
            cases.append((name, mutate))
            continue
        relative = rng.choice(files)
        offset = rng.randint(0, 200)
        kind = rng.choice(["flip", "truncate", "append", "meta"])
        cases.append((f"{kind}:{relative}:{offset}",
                      _random_damage(kind, relative, offset, rng.randint(1, 255))))
    return cases


def _random_damage(kind: str, relative: str, offset: int, value: int):
    def mutate(directory: Path) -> None:
        path = directory / relative
        data = bytearray(path.read_bytes())
        if kind == "flip":
            data[offset % len(data)] ^= value
        elif kind == "truncate":
            del data[offset % len(data):]
        elif kind == "append":
            data += bytes([value]) * (offset + 1)
        else:
            meta_path = directory / "meta.json"
            meta = json.loads(meta_path.read_text())
            field = ["epoch", "weight_bits", "input_bits", "batch_size", "iterations"][value % 5]
            meta[field] = [float("nan"), 1e300, -1, 2.5, "7", None, 2**63][offset % 7]
            meta_path.write_text(json.dumps(meta))
            return
        path.write_bytes(bytes(data))
    return mutate


def hardware_texts(rng: random.Random, count: int) -> list[str]:
    texts = []
    for _ in range(count):
        if rng.random() < 0.3:
            texts.append(rng.choice(corpus.HARDWARE_CASES)["text"])
        else:
            key = rng.choice(HARDWARE_KEYS)
            texts.append(f"{key} = {rng.choice(HARDWARE_BAD_VALUES)}\n")
    return texts


# ----------------------------------------------------------------------------- running

def classify_python(call: Callable[[], object]) -> str:
    """rejected / accepted / traceback of an in-process check."""
    try:
        call()
    except (run_config.ConfigError, traces.TraceError):
        return "rejected"
    except Exception:  # noqa: BLE001 - anything else is a traceback a user would see
        return "traceback:" + traceback.format_exc(limit=1).splitlines()[-1]
    return "accepted"


def classify_binary(binary: Path, trace_dir: Path, hardware_file: Path, out: Path) -> str:
    result = subprocess.run([str(binary), "--trace", str(trace_dir), "--hardware",
                             str(hardware_file), "--out", str(out)], capture_output=True,
                            text=True, timeout=120)
    if result.returncode == 1 and result.stderr.startswith("neurosim: error: "):
        bare = ("std::bad_alloc", "stoul", "stoi", "basic_string")
        return "traceback:" + result.stderr if any(b in result.stderr for b in bare) \
            else "rejected"
    return "accepted" if result.returncode == 0 else f"crash:{result.returncode}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=600, help="inputs in all (>= 500)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--binary", type=Path, default=None,
                        help="estimator to run (default: build it into build/neurosim)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    binary = args.binary or estimator.build(log=lambda _: None)
    work = Path(tempfile.mkdtemp(prefix="fuzz_inputs."))
    outcomes: dict[str, Counter] = {}
    examples: list[str] = []
    try:
        good = corpus.small_trace(work / "good")
        hardware_file = work / "hw.txt"
        hardware_file.write_text(corpus.SMALL_HARDWARE)
        demo = run_config.read_config_file(REPO / "config" / "demo.yaml")
        share = args.count // 4
        for overrides in config_cases(rng, share):
            record(outcomes, examples, "config", " ".join(overrides), classify_python(
                lambda o=overrides: run_config.validate_run(
                    run_config.apply_overrides(copy.deepcopy(demo), o), "fuzz")))
        for index, text in enumerate(yaml_texts(rng, share // 4)):
            path = work / f"config_{index}.yaml"
            path.write_text(text)
            record(outcomes, examples, "yaml", text.strip(),
                   classify_python(lambda p=path: run_config.load(p)))
        for name, mutate in trace_mutations(rng, share + share // 2):
            damaged = work / "damaged"
            shutil.rmtree(damaged, ignore_errors=True)
            shutil.copytree(good, damaged)
            mutate(damaged)
            record(outcomes, examples, "trace (trace-validate)", name,
                   classify_python(lambda d=damaged: traces.validate_trace(d)))
            record(outcomes, examples, "trace (estimator)", name,
                   classify_binary(binary, damaged, hardware_file, work / "out"))
        for text in hardware_texts(rng, share):
            bad = work / "bad_hw.txt"
            bad.write_text(text)
            record(outcomes, examples, "hardware file", text.strip(),
                   classify_binary(binary, good, bad, work / "out"))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return report(outcomes, examples)


def record(outcomes: dict[str, Counter], examples: list[str], kind: str, name: str,
           outcome: str) -> None:
    label = outcome.split(":", 1)[0]
    outcomes.setdefault(kind, Counter())[label] += 1
    if label != "rejected" and len(examples) < 20:
        examples.append(f"  {kind}: {name[:80]!r} -> {outcome[:200]}")


def report(outcomes: dict[str, Counter], examples: list[str]) -> int:
    print(f"{'input':<24}{'total':>7}{'rejected':>10}{'crashes':>9}{'accepted':>10}"
          f"{'tracebacks':>12}")
    totals = Counter()
    for kind, counts in outcomes.items():
        totals.update(counts)
        print(f"{kind:<24}{sum(counts.values()):>7}{counts['rejected']:>10}{counts['crash']:>9}"
              f"{counts['accepted']:>10}{counts['traceback']:>12}")
    print(f"{'all':<24}{sum(totals.values()):>7}{totals['rejected']:>10}{totals['crash']:>9}"
          f"{totals['accepted']:>10}{totals['traceback']:>12}")
    print(f"crashes / silent acceptances / tracebacks: {totals['crash']} / "
          f"{totals['accepted']} / {totals['traceback']}")
    if examples:
        print("first failures:", *examples, sep="\n")
    return 0 if totals["rejected"] == sum(totals.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
