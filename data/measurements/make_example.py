"""Regenerate example_pulses.csv: pulse reads drawn from cimtrain's own device model.

    python data/measurements/make_example.py

8 devices x 4 cycles, 64 potentiating then 64 depressing pulses per cycle, labels 2.0 (LTP) and
-3.0 (LTD), 0.5 % of the range of write noise per pulse, a device-to-device label spread of 0.1,
conductance from 0.5 to 5 uS.
"""

from pathlib import Path

from cimtrain.device_fit import synthetic_measurement

table = synthetic_measurement(
    devices=8,
    cycles=4,
    levels_ltp=64,
    levels_ltd=64,
    nonlinearity_ltp=2.0,
    nonlinearity_ltd=-3.0,
    sigma_c2c=0.005,
    sigma_d2d=0.1,
    g_min_s=0.5e-6,
    g_max_s=5e-6,
    seed=2026,
)
table.to_csv(Path(__file__).with_name("example_pulses.csv"), index=False, float_format="%.5g")
