#!/usr/bin/env python3
"""Fits data/performance/coefficients.csv to the calibration set (shared/calibration).

The estimator writes every figure of every layer as a linear cost (`--dump-costs`): a known part
plus per-event counts, each waiting for its coefficient. This tool runs it on the calibration
trace for each reference configuration and solves one non-negative least-squares problem on the
relative errors of the per-layer and chip-level figures, then writes the coefficients.

    python NeuroSIM/tools/fit_performance.py --binary BUILD/neurosim --trace TRACE_DIR \
        --calibration shared/calibration [--out NeuroSIM/data/performance/coefficients.csv]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
from pathlib import Path

import numpy as np
from scipy.optimize import least_squares, lsq_linear

from cimtrain.estimator import BREAKDOWN_PARTS, PHASES

# Hardware-file keys reproducing each reference run's Param.cpp changes.
CONFIGS: dict[str, dict[str, object]] = {
    "cal_fefet_32": {},
    "cal_rram_32": {"memory_cell": "rram"},
    "cal_sram_32": {"memory_cell": "sram"},
    "cal_fefet_22": {"technology_node_nm": 22, "feature_size_nm": 32, "wire_width_nm": 32},
}
# Chip-level figures carry a tighter bar than per-layer ones; weigh them up.
CHIP_WEIGHT = 4.0
# Relative error beyond which a residual counts linearly rather than quadratically.
ROBUST_SCALE = 0.1
RIDGE = 1e-3


def figures() -> list[tuple[str, str, str]]:
    """(dump name, reference group, reference key)."""
    out = []
    for kind in ("latency", "energy"):
        for p in PHASES:
            out.append((f"{kind}_{p}", kind, p))
            out.append((f"peak_{kind}_{p}", f"peak_{kind}", p))
        for part in BREAKDOWN_PARTS:
            out.append((f"breakdown_{kind}_{part}", f"breakdown_{kind}", part))
    return out


def dump(binary: Path, trace: Path, settings: dict[str, object], work: Path) -> list[dict]:
    hw = work / "hw.txt"
    hw.write_text("".join(f"{k} = {v}\n" for k, v in settings.items()) + "# calibration\n")
    costs = work / "costs.json"
    subprocess.run(
        [
            str(binary),
            "--trace",
            str(trace),
            "--hardware",
            str(hw),
            "--out",
            str(work / "out"),
            "--dump-costs",
            str(costs),
        ],
        capture_output=True,
        text=True,
    )
    return json.loads(costs.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", type=Path, required=True)
    parser.add_argument("--trace", type=Path, required=True)
    parser.add_argument("--calibration", type=Path, required=True)
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parents[1] / "data" / "performance" / "coefficients.csv",
    )
    parser.add_argument(
        "--exclude",
        action="append",
        default=[],
        choices=sorted(CONFIGS),
        help="leave a configuration out of the fit, to test the model on it (repeatable)",
    )
    args = parser.parse_args()

    rows: list[
        tuple[float, dict[str, float], float, float]
    ] = []  # (known, weights, reference, emphasis)
    with tempfile.TemporaryDirectory() as tmp:
        for name, settings in CONFIGS.items():
            if name in args.exclude:
                continue
            work = Path(tmp) / name
            work.mkdir()
            layers = dump(args.binary, args.trace, settings, work)
            ref = json.loads((args.calibration / "reference" / f"{name}.json").read_text())
            for fig, group, key in figures():
                chip_known, chip_weights = 0.0, {}
                for layer, ref_layer in zip(layers, ref["layers"], strict=True):
                    cost = layer[fig]
                    chip_known += cost["known"]
                    for term, w in cost["weight"].items():
                        chip_weights[term] = chip_weights.get(term, 0.0) + w
                    value = ref_layer[group][key]
                    if value > 0:
                        rows.append((cost["known"], cost["weight"], value, 1.0))
                value = ref["chip"][group][key]
                if value > 0:
                    rows.append((chip_known, chip_weights, value, CHIP_WEIGHT))
            chip_leak_w: dict[str, float] = {}
            for layer, ref_layer in zip(layers, ref["layers"], strict=True):
                cost = layer["leakage_power"]
                rows.append((cost["known"], cost["weight"], ref_layer["leakage_power"], 1.0))
                for term, w in cost["weight"].items():
                    chip_leak_w[term] = chip_leak_w.get(term, 0.0) + w
            rows.append((0.0, chip_leak_w, ref["chip"]["leakage_power"], CHIP_WEIGHT))

    names = sorted({t for _, w, _, _ in rows for t in w})
    index = {n: i for i, n in enumerate(names)}
    a = np.zeros((len(rows), len(names)))
    b = np.zeros(len(rows))
    for r, (known, weights, value, emphasis) in enumerate(rows):
        for term, w in weights.items():
            a[r, index[term]] = w / value * emphasis
        b[r] = (1.0 - known / value) * emphasis
    # Columns are scaled to unit norm so that the solver treats tiny and large units alike.
    norms = np.linalg.norm(a, axis=0)
    norms[norms == 0] = 1.0
    # A faint ridge picks one solution where coefficients are interchangeable (e.g. gate and wire
    # energy at a single node), so that small changes in the counts do not jump between them.
    scaled = np.vstack([a / norms, RIDGE * np.eye(len(names))])
    b = np.concatenate([b, np.zeros(len(names))])
    start = np.maximum(
        lsq_linear(scaled, b, bounds=(0, np.inf), method="bvls", tol=1e-12, max_iter=10000).x, 0.0
    )
    # A robust loss keeps a few figures the model cannot follow from pulling every other one off.
    x = least_squares(
        lambda v: scaled @ v - b,
        start,
        jac=lambda v: scaled,
        bounds=(0, np.inf),
        loss="soft_l1",
        f_scale=ROBUST_SCALE,
        x_scale="jac",
    ).x
    x /= norms
    residual = a @ x - b[: len(rows)]
    rms = np.sqrt(np.mean(residual**2))
    print(f"{len(rows)} observations, {len(names)} coefficients, rms relative error {rms:.3f}")

    lines = [
        "# Per-event coefficients of the performance model (src/performance.cpp), dimensionless:",
        "# each multiplies an event count already expressed in its technology unit (gate delay,",
        "# clock period, gate or wire switching energy, leakage power, or the device's write",
        "# pulse). Source: tools/fit_performance.py, a bounded robust least-squares fit of the",
        "# relative errors against the calibration set of DNN+NeuroSim V2.1 outputs",
        "# (shared/calibration/reference: FeFET, RRAM and SRAM at 32 nm, FeFET at 22 nm; VGG-8,",
        "# one epoch).",
        "name,value",
    ]
    lines += [f"{n},{v:.6g}" for n, v in zip(names, x, strict=True)]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
