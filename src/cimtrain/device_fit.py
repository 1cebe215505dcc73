"""Fit the device update model of `cimtrain.device` to measured pulse data.

A measurement is a tidy table with columns `device, cycle, direction, pulse, conductance_s`: the
conductance (siemens) read after `pulse` write pulses of `direction` (`ltp` potentiates, `ltd`
depresses) in that cycle of that device. Pulse 0, the read before the first pulse, is optional;
every sequence of a direction holds the same consecutive pulses.

The model, in the normalized conductance y = (G - G_min) / (G_max - G_min) of one sequence and
the pulse position P from the bottom of the range (P = pulse for LTP, levels - pulse for LTD):

    y(P) = (1 - exp(-kappa * P / levels)) / (1 - exp(-kappa)),   kappa = levels / A,

which is `device.weight_at_pulse` with w = 2y - 1. kappa maps one to one onto the signed
nonlinearity label through the table of normalized A (kappa = 1 / A_normalized), so a positive
label is a saturating LTP curve and a negative LTD label a depression that is fast first.
Cycle-to-cycle noise is, as in training, a random change of the conductance at every pulse that
the next pulse starts from; it is measured by the one-step residuals
y[n+1] - y_model(P_model(y[n]) +- 1), in units of the range, within each device and cycle.
Device-to-device variation is the spread of the per-device labels (both directions share one
deviation per device, as in training), less the part the within-device noise explains.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from cimtrain.device import nonlinearity_table

COLUMNS = ("device", "cycle", "direction", "pulse", "conductance_s")
DIRECTIONS = ("ltp", "ltd")
MIN_PULSES = 8  # a nonlinearity needs more than the 3 parameters of a curve
FLAT_RANGE_PER_NOISE = 3.0  # the fitted range must exceed this many rms level residuals
MAX_DRAWDOWN = 0.2  # largest step back of the mean curve, as a share of the range
GOLDEN_STEPS = 48
PLATEAU_GAIN = 4.0  # a plateau must fit the mean read this many times better
PLATEAU_GRID_STEP = 8  # every 8th table row is fine enough to tell a plateau


class MeasurementError(ValueError):
    """A measurement file or data set that cannot be fitted."""


@dataclass(frozen=True)
class Sequences:
    """The reads of one direction: one row per (device, cycle), one column per pulse."""

    direction: str
    device_index: np.ndarray  # (S,) index into Measurement.devices
    cycles: np.ndarray  # (S,) cycle names
    pulses: np.ndarray  # (M,) consecutive pulse numbers, shared by every sequence
    conductance_s: np.ndarray  # (S, M)
    plateau_from: int | None = None  # pulses from here on leave the conductance where it is

    @property
    def levels(self) -> int:
        """Pulses that move the conductance: the last pulse, or where a plateau starts."""
        return int(self.pulses[-1]) if self.plateau_from is None else self.plateau_from

    def positions(self) -> np.ndarray:
        """Pulse position from the bottom of the range, as a share of the levels."""
        x = np.minimum(self.pulses, self.levels) / self.levels
        return x if self.direction == "ltp" else 1.0 - x


@dataclass(frozen=True)
class Measurement:
    devices: tuple[str, ...]
    ltp: Sequences
    ltd: Sequences

    def of(self, direction: str) -> Sequences:
        return self.ltp if direction == "ltp" else self.ltd


@dataclass(frozen=True)
class SequenceFits:
    """Least-squares fit of every sequence of one direction."""

    kappa: np.ndarray  # (S,)
    label: np.ndarray  # (S,) continuous nonlinearity label
    g_min_s: np.ndarray  # (S,)
    g_max_s: np.ndarray  # (S,)
    level_rms: np.ndarray  # (S,) rms of y - y_model, in units of the range
    step_rms: np.ndarray  # (S,) rms one-step residual, in units of the range


# --- the label <-> kappa map --------------------------------------------------------------


def _signed_table() -> tuple[np.ndarray, np.ndarray]:
    """(labels, kappa), both increasing, from -9 through 0 (a straight line) to +9."""
    labels, a_norm = nonlinearity_table()
    kappa = 1.0 / a_norm
    return (
        np.concatenate([-labels[::-1], [0.0], labels]),
        np.concatenate([-kappa[::-1], [0.0], kappa]),
    )


def kappa_of_label(label: np.ndarray | float) -> np.ndarray:
    """kappa = levels / A of a label; exact on the table's rows, linear between them."""
    labels, kappa = _signed_table()
    return np.interp(label, labels, kappa)


def label_of_kappa(kappa: np.ndarray | float) -> np.ndarray:
    labels, kappas = _signed_table()
    return np.interp(kappa, kappas, labels)


def normalized_curve(x: np.ndarray, kappa: np.ndarray) -> np.ndarray:
    """y(x) = (1 - e^(-kappa x)) / (1 - e^(-kappa)); broadcasts; kappa = 0 is the line y = x."""
    straight = np.abs(kappa) < 1e-12
    safe = np.where(straight, 1.0, kappa)
    return np.where(straight, x, np.expm1(-safe * x) / np.expm1(-safe))


def next_read(y: np.ndarray, kappa: np.ndarray, step: float) -> np.ndarray:
    """Model conductance one pulse on from y (step = +-1/levels of position): linear in y."""
    return y * np.exp(-kappa * step) + normalized_curve(np.asarray(step), kappa)


# --- reading the measurement file ---------------------------------------------------------


def read_measurement(path: Path) -> Measurement:
    """Read and check a pulse table; MeasurementError names the file and the first bad row."""
    path = Path(path)
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except FileNotFoundError:
        raise MeasurementError(f"{path}: no such measurement file") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise MeasurementError(f"{path}: not a CSV table ({error})") from None
    return measurement_from_table(table, str(path))


def measurement_from_table(table: pd.DataFrame, name: str) -> Measurement:
    columns = [c.strip() for c in table.columns]
    if sorted(columns) != sorted(COLUMNS):
        raise MeasurementError(
            f"{name}: columns are {', '.join(columns) or 'none'}; expected {', '.join(COLUMNS)}"
        )
    table = table.set_axis(columns, axis=1).apply(lambda column: column.str.strip())
    if table.empty:
        raise MeasurementError(f"{name}: no rows")
    line = table.index.to_numpy() + 2  # file line of each row: the header is line 1

    def fail_at(bad: np.ndarray, what: str) -> None:
        if bad.any():
            first = int(np.argmax(bad))
            row = ", ".join(f"{c}={table.iloc[first][c]!r}" for c in COLUMNS)
            raise MeasurementError(f"{name}, line {line[first]} ({row}): {what}")

    fail_at((table["device"] == "").to_numpy(), "empty device")
    fail_at((table["cycle"] == "").to_numpy(), "empty cycle")
    direction = table["direction"].str.lower()
    fail_at(~direction.isin(DIRECTIONS).to_numpy(), "direction must be ltp or ltd")
    pulse = pd.to_numeric(table["pulse"], errors="coerce").to_numpy(dtype=float)
    whole = np.isfinite(pulse) & (pulse >= 0) & (pulse == np.floor(pulse))
    fail_at(~whole, "pulse must be a whole number >= 0")
    conductance = pd.to_numeric(table["conductance_s"], errors="coerce").to_numpy(dtype=float)
    fail_at(
        ~(np.isfinite(conductance) & (conductance > 0)),
        "conductance_s must be a positive number (siemens)",
    )
    key = table[["device", "cycle"]].assign(direction=direction, pulse=pulse.astype(np.int64))
    fail_at(
        key.duplicated().to_numpy(), "a second read of the same device, cycle, direction and pulse"
    )

    devices, device_index = np.unique(table["device"].to_numpy(), return_inverse=True)
    sequences = {
        d: _sequences(
            name,
            d,
            direction.to_numpy() == d,
            device_index,
            devices,
            table["cycle"].to_numpy(),
            pulse.astype(np.int64),
            conductance,
        )
        for d in DIRECTIONS
    }
    return Measurement(tuple(devices), sequences["ltp"], sequences["ltd"])


def _sequences(
    name: str,
    direction: str,
    rows: np.ndarray,
    device_index: np.ndarray,
    devices: np.ndarray,
    cycles: np.ndarray,
    pulses: np.ndarray,
    conductance: np.ndarray,
) -> Sequences:
    """The rows of one direction as a (sequence, pulse) array; every sequence must be whole."""
    if not rows.any():
        raise MeasurementError(f"{name}: no {direction} reads; both directions are needed")
    pulse_numbers = np.unique(pulses[rows])
    first, last = int(pulse_numbers[0]), int(pulse_numbers[-1])
    if first > 1 or len(pulse_numbers) != last - first + 1:
        raise MeasurementError(
            f"{name}: {direction} pulses must run 0 (or 1), 1, 2, ... without gaps; "
            f"found {first} to {last} with {last - first + 1 - len(pulse_numbers)} missing"
        )
    if last < MIN_PULSES:
        raise MeasurementError(
            f"{name}: {direction} sequences have {last} pulses; the fit needs at least {MIN_PULSES}"
        )
    sequence_keys = pd.MultiIndex.from_arrays([device_index[rows], cycles[rows]])
    codes, keys = pd.factorize(sequence_keys, sort=True)
    counts = np.bincount(codes, minlength=len(keys))
    if (counts != len(pulse_numbers)).any():
        short = int(np.argmax(counts != len(pulse_numbers)))
        device, cycle = keys[short]
        raise MeasurementError(
            f"{name}: device {devices[device]!r} cycle {cycle!r} {direction} has "
            f"{counts[short]} reads; every {direction} sequence needs pulses {first} to {last}"
        )
    grid = np.empty((len(keys), len(pulse_numbers)))
    grid[codes, pulses[rows] - first] = conductance[rows]
    return Sequences(
        direction=direction,
        device_index=np.array([k[0] for k in keys], dtype=np.int64),
        cycles=np.array([k[1] for k in keys], dtype=object),
        pulses=pulse_numbers.astype(float),
        conductance_s=grid,
    )


# --- fitting ------------------------------------------------------------------------------


def _line_fit(curves: np.ndarray, reads: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise least squares reads = c0 + c1 * curves: (sum of squared residuals, c1)."""
    curves_c = curves - curves.mean(axis=-1, keepdims=True)
    reads_c = reads - reads.mean(axis=-1, keepdims=True)
    s_ff = np.einsum("...m,...m->...", curves_c, curves_c)
    s_fy = np.einsum("...m,...m->...", curves_c, reads_c)
    s_yy = np.einsum("...m,...m->...", reads_c, reads_c)
    return s_yy - s_fy**2 / s_ff, s_fy / s_ff


def fit_sequences(sequences: Sequences) -> SequenceFits:
    """Per sequence: the kappa, G_min and G_max that minimize the squared read residuals.

    kappa is searched on the table's rows (one matrix product for all sequences), then refined
    by a golden-section search between the neighbouring rows.
    """
    x = sequences.positions()
    reads = sequences.conductance_s
    _, grid = _signed_table()
    curves = normalized_curve(x[None, :], grid[:, None])  # (K, M)
    curves_c = curves - curves.mean(axis=1, keepdims=True)
    reads_c = reads - reads.mean(axis=1, keepdims=True)
    s_fy = reads_c @ curves_c.T  # (S, K)
    sse = (reads_c**2).sum(axis=1)[:, None] - s_fy**2 / (curves_c**2).sum(axis=1)[None, :]
    best = np.argmin(sse, axis=1)
    low = grid[np.maximum(best - 1, 0)]
    high = grid[np.minimum(best + 1, len(grid) - 1)]

    def sse_at(kappa: np.ndarray) -> np.ndarray:
        return _line_fit(normalized_curve(x[None, :], kappa[:, None]), reads)[0]

    ratio = (np.sqrt(5.0) - 1.0) / 2.0
    left, right = high - ratio * (high - low), low + ratio * (high - low)
    sse_left, sse_right = sse_at(left), sse_at(right)
    for _ in range(GOLDEN_STEPS):
        go_left = sse_left < sse_right
        high = np.where(go_left, right, high)
        low = np.where(go_left, low, left)
        new = np.where(go_left, high - ratio * (high - low), low + ratio * (high - low))
        sse_new = sse_at(new)
        right, sse_right, left, sse_left = (
            np.where(go_left, left, new),
            np.where(go_left, sse_left, sse_new),
            np.where(go_left, new, right),
            np.where(go_left, sse_new, sse_right),
        )
    kappa = (low + high) / 2.0
    fitted = normalized_curve(x[None, :], kappa[:, None])
    _, slope = _line_fit(fitted, reads)
    offset = reads.mean(axis=1) - slope * fitted.mean(axis=1)
    g_min, g_max = offset, offset + slope  # the curve runs from 0 at P = 0 to 1 at P = levels
    span = np.where(slope != 0, slope, np.nan)
    y = (reads - g_min[:, None]) / span[:, None]
    level_rms = np.sqrt(np.mean((y - fitted) ** 2, axis=1))
    step = 1.0 / sequences.levels if sequences.direction == "ltp" else -1.0 / sequences.levels
    moving = sequences.pulses[:-1] < sequences.levels  # pulses on a plateau change nothing
    predicted = np.where(moving, next_read(y[:, :-1], kappa[:, None], step), y[:, :-1])
    step_rms = np.sqrt(np.mean((y[:, 1:] - predicted) ** 2, axis=1))
    return SequenceFits(kappa, label_of_kappa(kappa), g_min, g_max, level_rms, step_rms)


def find_plateau(sequences: Sequences, fits: SequenceFits) -> int | None:
    """The pulse from which the mean read stops moving, if the data shows one.

    Candidate level counts L run from MIN_PULSES to the last pulse; for each, the mean
    normalized read is fitted by the model curve over L pulses held flat after L (on a coarse
    grid of kappa). A plateau is reported only when its best L fits at least PLATEAU_GAIN times
    better (in squared residuals) than the curve spanning every pulse.
    """
    span = fits.g_max_s - fits.g_min_s
    mean_read = ((sequences.conductance_s - fits.g_min_s[:, None]) / span[:, None]).mean(axis=0)
    pulses, last = sequences.pulses, int(sequences.pulses[-1])
    _, grid = _signed_table()
    kappa = grid[::PLATEAU_GRID_STEP][:, None]
    candidates = np.arange(MIN_PULSES, last + 1)
    sse = np.empty(len(candidates))
    for index, levels in enumerate(candidates):
        x = np.minimum(pulses, levels) / levels
        x = x if sequences.direction == "ltp" else 1.0 - x
        sse[index] = _line_fit(normalized_curve(x[None, :], kappa), mean_read)[0].min()
    best, spanning = int(np.argmin(sse)), sse[-1]
    if candidates[best] < last and sse[best] * PLATEAU_GAIN < spanning:
        return int(candidates[best])
    return None


def _check_sequences(
    sequences: Sequences, fits: SequenceFits, devices: tuple[str, ...], name: str
) -> None:
    """Reject data the model cannot describe: wrong way, no net change, no monotonic trend."""
    rising = "rise" if sequences.direction == "ltp" else "fall"
    span = fits.g_max_s - fits.g_min_s
    noise = fits.level_rms * np.abs(span)
    flat = ~(span > FLAT_RANGE_PER_NOISE * noise)
    if flat.any():
        s = int(np.argmax(flat))
        raise MeasurementError(
            f"{name}: device {devices[sequences.device_index[s]]!r} cycle "
            f"{sequences.cycles[s]!r} {sequences.direction}: the conductance does not "
            f"{rising} with the pulses (fitted change {span[s]:.3g} S, read scatter "
            f"{noise[s]:.3g} S); a flat or reversed response cannot be fitted"
        )
    y = (sequences.conductance_s - fits.g_min_s[:, None]) / span[:, None]
    mean_curve = y.mean(axis=0) if sequences.direction == "ltp" else 1.0 - y.mean(axis=0)
    drawdown = np.max(np.maximum.accumulate(mean_curve) - mean_curve)
    if drawdown > MAX_DRAWDOWN:
        raise MeasurementError(
            f"{name}: {sequences.direction}: the mean conductance is not monotonic in the "
            f"pulses (it moves back by {drawdown:.0%} of its range), as the model's curves are"
        )


def _significant(value: float, digits: int = 4) -> float:
    return float(f"{value:.{digits}g}")


def _with_plateaus(measurement: Measurement, fits: dict[str, SequenceFits]) -> Measurement:
    """The measurement with the plateau of each direction, if any, marked."""
    marked = {
        d: replace(measurement.of(d), plateau_from=find_plateau(measurement.of(d), fits[d]))
        for d in DIRECTIONS
    }
    return Measurement(measurement.devices, marked["ltp"], marked["ltd"])


def _d2d_sigma(deviation: np.ndarray, device_index: np.ndarray) -> float:
    """Between-device std of `deviation` (one-way random-effects ANOVA, never negative)."""
    groups = np.unique(device_index)
    if len(groups) < 2:
        return 0.0
    codes = np.searchsorted(groups, device_index)
    counts = np.bincount(codes).astype(float)
    means = np.bincount(codes, weights=deviation) / counts
    total = len(deviation)
    within = np.sum((deviation - means[codes]) ** 2) / max(total - len(groups), 1)
    between = np.sum(counts * (means - deviation.mean()) ** 2) / (len(groups) - 1)
    per_group = (total - np.sum(counts**2) / total) / (len(groups) - 1)
    return float(np.sqrt(max(between - within, 0.0) / per_group))


def fit_measurement(
    measurement: Measurement, name: str = "measurement"
) -> tuple[dict, pd.DataFrame]:
    """The device section's figures fitted to a measurement, and the fit of every sequence.

    Keys and sign conventions are the device section's: `levels_*`, `nonlinearity_*` (labels of
    the table, rounded to its 0.01 step), `sigma_c2c` (per pulse, share of the range),
    `sigma_d2d` (std of the label), `on_off_ratio`, `resistance_on_ohm` (1 / G_max). `fit`
    holds the unrounded labels, their standard errors and the residuals.
    """
    fits = {d: fit_sequences(measurement.of(d)) for d in DIRECTIONS}
    for direction in DIRECTIONS:
        _check_sequences(measurement.of(direction), fits[direction], measurement.devices, name)
    measurement = _with_plateaus(measurement, fits)
    for direction in DIRECTIONS:
        if measurement.of(direction).plateau_from is not None:
            fits[direction] = fit_sequences(measurement.of(direction))
    result: dict = {}
    details: dict = {}
    deviations, owners = [], []
    for direction in DIRECTIONS:
        sequences, fit = measurement.of(direction), fits[direction]
        n_devices = len(measurement.devices)
        per_device = np.bincount(sequences.device_index, weights=fit.label, minlength=n_devices)
        counts = np.bincount(sequences.device_index, minlength=n_devices)
        device_labels = per_device[counts > 0] / counts[counts > 0]
        nominal = float(device_labels.mean())
        # Devices are the independent samples; one device has only its cycles to go by.
        samples = device_labels if len(device_labels) > 1 else fit.label
        stderr = float(samples.std(ddof=1) / np.sqrt(len(samples))) if len(samples) > 1 else None
        deviations.append(fit.label - nominal)
        owners.append(sequences.device_index)
        result[f"levels_{direction}"] = sequences.levels
        result[f"nonlinearity_{direction}"] = round(nominal, 2)
        details[f"nonlinearity_{direction}"] = nominal
        details[f"nonlinearity_{direction}_stderr"] = stderr
        details[f"a_{direction}_pulses"] = float(
            sequences.levels / kappa_of_label(round(nominal, 2))
        )
        details[f"level_rms_{direction}"] = float(np.sqrt(np.mean(fit.level_rms**2)))
        details[f"sequences_{direction}"] = len(fit.label)
        details[f"pulses_{direction}"] = int(sequences.pulses[-1])
    step_rms = np.concatenate([fits[d].step_rms for d in DIRECTIONS])
    g_min = np.concatenate([fits[d].g_min_s for d in DIRECTIONS]).mean()
    g_max = np.concatenate([fits[d].g_max_s for d in DIRECTIONS]).mean()
    if not g_min > 0:
        raise MeasurementError(
            f"{name}: the fitted lowest conductance is {g_min:.3g} S; an on/off ratio needs "
            "it positive"
        )
    sigma_c2c = float(np.sqrt(np.mean(step_rms**2)))
    sigma_d2d = _d2d_sigma(np.concatenate(deviations), np.concatenate(owners))
    # The section's keys carry the 4 significant digits the data supports; `fit` the rest.
    result["sigma_c2c"] = _significant(sigma_c2c)
    result["sigma_d2d"] = _significant(sigma_d2d)
    result["on_off_ratio"] = _significant(float(g_max / g_min))
    result["resistance_on_ohm"] = _significant(float(1.0 / g_max))
    details.update(sigma_c2c=sigma_c2c, sigma_d2d=sigma_d2d)
    details.update(g_min_s=float(g_min), g_max_s=float(g_max), devices=len(measurement.devices))
    result["fit"] = details
    return result, _sequence_table(measurement, fits)


def _sequence_table(measurement: Measurement, fits: dict[str, SequenceFits]) -> pd.DataFrame:
    """One row per fitted sequence: its label, range and residuals."""
    frames = []
    for direction in DIRECTIONS:
        sequences, fit = measurement.of(direction), fits[direction]
        frames.append(
            pd.DataFrame(
                {
                    "device": np.asarray(measurement.devices, dtype=object)[sequences.device_index],
                    "cycle": sequences.cycles,
                    "direction": direction,
                    "nonlinearity": fit.label,
                    "g_min_s": fit.g_min_s,
                    "g_max_s": fit.g_max_s,
                    "level_rms": fit.level_rms,
                    "step_rms": fit.step_rms,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def file_digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# --- synthetic measurements from the model ------------------------------------------------


def synthetic_measurement(
    *,
    devices: int,
    cycles: int,
    levels_ltp: int,
    levels_ltd: int,
    nonlinearity_ltp: float,
    nonlinearity_ltd: float,
    sigma_c2c: float,
    sigma_d2d: float,
    g_min_s: float,
    g_max_s: float,
    seed: int,
    plateau_pulses: int = 0,
) -> pd.DataFrame:
    """Pulse reads generated by the training model: one label deviation per device, shared by
    both directions, and a N(0, sigma_c2c) change of the normalized conductance at every pulse
    that the next pulse starts from. Each cycle potentiates from G_min, then depresses.
    `plateau_pulses` more pulses per direction leave the conductance where it is (reads scatter
    by sigma_c2c about it)."""
    rng = np.random.Generator(np.random.PCG64(seed))
    deviation = rng.standard_normal(devices) * sigma_d2d
    frames = []
    for direction, levels, label in (
        ("ltp", levels_ltp, nonlinearity_ltp),
        ("ltd", levels_ltd, nonlinearity_ltd),
    ):
        kappa = np.repeat(kappa_of_label(label + deviation), cycles)  # (devices * cycles,)
        step = 1.0 / levels if direction == "ltp" else -1.0 / levels
        y = np.empty((devices * cycles, levels + 1))
        y[:, 0] = 0.0 if direction == "ltp" else 1.0
        noise = rng.standard_normal((devices * cycles, levels)) * sigma_c2c
        for n in range(levels):
            y[:, n + 1] = next_read(y[:, n], kappa, step) + noise[:, n]
        flat = y[:, -1:] + rng.standard_normal((len(y), plateau_pulses)) * sigma_c2c
        y = np.concatenate([y, flat], axis=1)
        levels += plateau_pulses
        pulse = np.arange(levels + 1)
        frames.append(
            pd.DataFrame(
                {
                    "device": np.repeat(
                        [f"d{d:02d}" for d in range(devices)], cycles * (levels + 1)
                    ),
                    "cycle": np.tile(np.repeat(np.arange(1, cycles + 1), levels + 1), devices),
                    "direction": direction,
                    "pulse": np.tile(pulse, devices * cycles),
                    "conductance_s": (g_min_s + (g_max_s - g_min_s) * y).ravel(),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)
