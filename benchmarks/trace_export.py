"""Seconds and megabytes of one epoch's trace of VGG-8 (one sample), the per-epoch cost of tracing.

Random WAGE-initialized weights and synthetic CIFAR-shaped images stand in for a trained epoch:
the trace's size and the export's work depend on the network's shape only. The time covers the
whole export: reading the checkpoint, the forward pass, writing and hashing the arrays.

    python benchmarks/trace_export.py [--repeats N] [--samples S]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from cimtrain import train
from cimtrain.trace import export_trace, validate_trace

MODEL_CONFIG = {"preset": "vgg8", "layers": []}
QUANT_CONFIG = {"weight_bits": 5, "grad_bits": 5, "activation_bits": 8, "error_bits": 8}
BATCH_SIZE = 200
CIFAR10_TRAIN_IMAGES = 50_000
CIFAR10_TEST_IMAGES = 10_000


def write_inputs(work_dir: Path, seed: int) -> tuple[Path, Path]:
    """A VGG-8 checkpoint with random weights and a test set of random images."""
    checkpoint = train.initial_checkpoint(MODEL_CONFIG, QUANT_CONFIG, seed)
    checkpoint["epoch"] = 1
    checkpoint_path = work_dir / "checkpoint.pt"
    train.save_checkpoint(checkpoint, checkpoint_path)
    dataset_dir = work_dir / "dataset"
    dataset_dir.mkdir()
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (CIFAR10_TEST_IMAGES, 3, 32, 32), dtype=np.uint8)
    np.save(dataset_dir / "test_images.npy", images)
    np.save(dataset_dir / "train_labels.npy", np.zeros(CIFAR10_TRAIN_IMAGES, dtype=np.int64))
    return checkpoint_path, dataset_dir


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="exports to time (median shown)")
    parser.add_argument("--samples", type=int, default=1, help="test images traced")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        work_dir = Path(scratch)
        checkpoint_path, dataset_dir = write_inputs(work_dir, seed=117)
        out_dir = work_dir / "trace"
        seconds = []
        for _ in range(args.repeats):
            started = time.perf_counter()
            export_trace(checkpoint_path, MODEL_CONFIG, QUANT_CONFIG, dataset_dir, args.samples,
                         BATCH_SIZE, None, out_dir, log=lambda _message: None)
            seconds.append(time.perf_counter() - started)
        size_mb = sum(f.stat().st_size for f in out_dir.rglob("*") if f.is_file()) / 1e6
        validate_trace(out_dir)
    print(f"VGG-8 trace, {args.samples} sample(s): {statistics.median(seconds):.3f} s "
          f"(median of {args.repeats}; min {min(seconds):.3f} s), {size_mb:.1f} MB per epoch")


if __name__ == "__main__":
    main()
