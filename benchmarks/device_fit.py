"""Time the device fit of 10 devices x 10 cycles x 2 x 100 pulses (reading and fitting)."""

import tempfile
import time
from pathlib import Path

from cimtrain import device_fit


def main() -> None:
    table = device_fit.synthetic_measurement(
        devices=10,
        cycles=10,
        levels_ltp=100,
        levels_ltd=100,
        nonlinearity_ltp=2.0,
        nonlinearity_ltd=-3.0,
        sigma_c2c=0.005,
        sigma_d2d=0.1,
        g_min_s=2e-6,
        g_max_s=5e-6,
        seed=1,
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "pulses.csv"
        table.to_csv(path, index=False)
        device_fit.fit_measurement(device_fit.read_measurement(path))  # warm-up
        repeats = 5
        start = time.perf_counter()
        for _ in range(repeats):
            measurement = device_fit.read_measurement(path)
        read_s = (time.perf_counter() - start) / repeats
        start = time.perf_counter()
        for _ in range(repeats):
            figures, _ = device_fit.fit_measurement(measurement)
        fit_s = (time.perf_counter() - start) / repeats
    print(
        f"{len(table)} reads: read {read_s * 1e3:.1f} ms, fit {fit_s * 1e3:.1f} ms, "
        f"total {(read_s + fit_s) * 1e3:.1f} ms"
    )
    print(
        f"NL {figures['nonlinearity_ltp']} / {figures['nonlinearity_ltd']}, "
        f"sigma_c2c {figures['sigma_c2c']:.4f}, sigma_d2d {figures['sigma_d2d']:.3f}"
    )


if __name__ == "__main__":
    main()
