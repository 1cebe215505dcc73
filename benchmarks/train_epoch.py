"""Training speed: seconds per epoch and images/s of VGG-8 on CIFAR-shaped data.

Prints, for the CPU and (when present) CUDA: the device-aware training step of cimtrain and a
plain PyTorch baseline (same network, SGD, bf16 autocast on CUDA, fp32 on CPU), both
extrapolated to a 50,000-image epoch; and the start-up cost of an epoch job (process start to
first batch), measured on a real epoch job in a fresh Python process.

    python benchmarks/train_epoch.py [--cpu-images 400] [--cuda-images 50000]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
import torch

from cimtrain import config as run_config
from cimtrain import stages, train
from cimtrain.data import Dataset

EPOCH_IMAGES = 50_000


def synthetic_cifar(count: int, seed: int = 0) -> Dataset:
    rng = np.random.Generator(np.random.PCG64(seed))
    images = rng.integers(0, 256, size=(count, 3, 32, 32), dtype=np.uint8)
    labels = rng.integers(0, 10, size=count).astype(np.int64)
    return Dataset(images, labels, images[:200], labels[:200])


def vgg8_config(device: str) -> dict:
    return run_config.validate({"train": {"device": device}})


def time_cimtrain(device: torch.device, images: int, workdir: Path) -> float:
    """Seconds for one cimtrain epoch over `images` images (test pass excluded)."""
    config = vgg8_config(device.type)
    stages.make_device(config["device"], config["model"],
                       workdir / "device.json", workdir / "d2d.npz", log=lambda _: None)
    info, deviations = stages.load_device(workdir / "device.json", workdir / "d2d.npz")
    checkpoint = train.initial_checkpoint(config["model"], config["quant"], config["seed"])
    data = train.DeviceData.from_dataset(synthetic_cifar(images), device)
    data.test_images, data.test_labels = data.test_images[:1], data.test_labels[:1]
    curves = train.load_curves(info, deviations, checkpoint["layer_names"], device)
    train.train_epoch(checkpoint, config, data, curves, info, device, lambda _: None)  # warm-up
    _synchronize(device)
    started = time.perf_counter()
    train.train_epoch(checkpoint, config, data, curves, info, device, lambda _: None)
    _synchronize(device)
    return time.perf_counter() - started


def time_plain(device: torch.device, images: int) -> float:
    """Seconds for one epoch of plain PyTorch training of the same network."""
    layers: list[torch.nn.Module] = []
    channels = 3
    for width, pool in ((128, 0), (128, 1), (256, 0), (256, 1), (512, 0), (512, 1)):
        layers += [torch.nn.Conv2d(channels, width, 3, padding=1, bias=False), torch.nn.ReLU()]
        layers += [torch.nn.MaxPool2d(2)] if pool else []
        channels = width
    layers += [torch.nn.Flatten(), torch.nn.Linear(8192, 1024, bias=False), torch.nn.ReLU(),
               torch.nn.Linear(1024, 10, bias=False)]
    model = torch.nn.Sequential(*layers).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    data = torch.randint(0, 256, (images, 3, 32, 32), dtype=torch.uint8, device=device)
    labels = torch.randint(0, 10, (images,), device=device)
    dtype = torch.bfloat16 if device.type == "cuda" else torch.float32

    def epoch() -> None:
        for start in range(0, images, 200):
            x = data[start:start + 200].float() / 127.5 - 1
            with torch.autocast(device.type, dtype=dtype, enabled=device.type == "cuda"):
                loss = torch.nn.functional.cross_entropy(model(x), labels[start:start + 200])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()

    epoch()
    _synchronize(device)
    started = time.perf_counter()
    epoch()
    _synchronize(device)
    return time.perf_counter() - started


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def startup_seconds(workdir: Path) -> float:
    """Process start to the first batch of a VGG-8 epoch job on 50,000 stored images."""
    from cimtrain import data as datasets

    config = vgg8_config("auto")
    dataset_dir = workdir / "dataset"
    datasets.save(synthetic_cifar(EPOCH_IMAGES), dataset_dir)
    stages.make_device(config["device"], config["model"],
                       workdir / "device.json", workdir / "d2d.npz", log=lambda _: None)
    stages.init_model(config["model"], config["quant"], config["seed"],
                      workdir / "epoch_000.pt", log=lambda _: None)
    job = textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        from cimtrain import config, stages
        class FirstBatch(Exception):
            pass
        def log(message):
            if "batches of" in message:
                raise FirstBatch
        cfg = config.validate({{"train": {{"device": "auto"}}}})
        w = Path({str(workdir)!r})
        try:
            stages.train_epoch(cfg, w / "epoch_000.pt", w / "dataset", w / "device.json",
                               w / "d2d.npz", w / "epoch_001.pt", w / "m.json", 0, log)
        except FirstBatch:
            print(time.time())
    """)
    started = time.time()
    result = subprocess.run([sys.executable, "-c", job], capture_output=True, text=True,
                            check=True)
    return float(result.stdout.strip()) - started


def report(device: torch.device, images: int, workdir: Path) -> None:
    ours = time_cimtrain(device, images, workdir)
    plain = time_plain(device, images)
    scale = EPOCH_IMAGES / images
    print(f"{device.type}: cimtrain {ours * scale:8.2f} s/epoch ({images / ours:8.0f} images/s); "
          f"plain PyTorch {plain * scale:8.2f} s/epoch ({images / plain:8.0f} images/s); "
          f"ratio {ours / plain:.2f} (measured on {images} images)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cpu-images", type=int, default=400)
    parser.add_argument("--cuda-images", type=int, default=EPOCH_IMAGES)
    args = parser.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        report(torch.device("cpu"), args.cpu_images, workdir)
        if torch.cuda.is_available():
            report(torch.device("cuda"), args.cuda_images, workdir)
        print(f"epoch job start-up (process start to first batch): "
              f"{startup_seconds(workdir):.2f} s")


if __name__ == "__main__":
    main()
