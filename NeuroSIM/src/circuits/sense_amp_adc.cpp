// Horowitz gate delay and the multilevel sense amplifier (declared in array/readout.hpp).
#include "neurosim/array/readout.hpp"

#include <algorithm>
#include <cmath>

#include "neurosim/array/memory_cell.hpp"
#include "neurosim/array/memory_cell_kind.hpp"
#include "neurosim/technology/gate.hpp"

namespace neurosim {

double horowitz_delay_s(double tau_s, double input_slope_per_s, double* output_slope_per_s) {
    if (tau_s <= 0) {
        if (output_slope_per_s) *output_slope_per_s = input_slope_per_s;
        return 0;
    }
    const double vs = 0.5;    // switching point, as a fraction of the swing
    const double beta = 0.5;  // CACTI's fixed ratio of the driver's on-resistance to its 1/gm
    const double alpha = 1 / (input_slope_per_s * tau_s);
    const double delay = tau_s * std::sqrt(std::log(vs) * std::log(vs) + 2 * alpha * beta * (1 - vs));
    if (output_slope_per_s) *output_slope_per_s = (1 - vs) / delay;
    return delay;
}

namespace {

double polynomial(const double* c, int terms, double x) {
    double y = 0;
    for (int i = 0; i < terms; ++i) y = y * x + c[i];
    return y;
}

// Lookup grid of the resolution time over column resistance.
constexpr double kGridLowOhm = 10, kGridHighOhm = 1e10;
constexpr int kGridPoints = 4096;

}  // namespace

SenseAmpAdc::SenseAmpAdc(const DesignContext& ctx, int levels)
    : ctx_(ctx), levels_(levels), power_(ctx.tech.fits.sense_power(ctx.array_config.sense_current_mode), levels) {
    const CellConfig& cell_config = ctx.cell_config;
    const ArrayConfig& array_config = ctx.array_config;
    // References spread over the column resistance range with all rows of the sub-array on.
    const double rows = array_config.subarray_rows;
    for (int k = 1; k < levels; ++k) {
        reference_ohm_.push_back(cell_config.resistance_on_ohm / rows +
                                 k * cell_config.resistance_off_ohm / rows / levels);
    }
    time_table_s_.resize(kGridPoints);
    power_table_w_.resize(kGridPoints);
    const double step = std::log(kGridHighOhm / kGridLowOhm) / (kGridPoints - 1);
    for (int i = 0; i < kGridPoints; ++i) {
        const double g = 1 / (kGridLowOhm * std::exp(i * step));
        time_table_s_[i] = column_time_exact_s(g);
        power_table_w_[i] = column_power_w(g);
    }
}

std::size_t SenseAmpAdc::grid_index(double g) const {
    const double r = std::clamp(1 / g, kGridLowOhm, kGridHighOhm);
    const double pos = std::log(r / kGridLowOhm) / std::log(kGridHighOhm / kGridLowOhm) * (kGridPoints - 1);
    return static_cast<std::size_t>(pos + 0.5);  // pos >= 0: rounds to the nearest grid point
}

double SenseAmpAdc::column_time_exact_s(double g) const {
    if (g <= 0) return 0;
    // Resolution time fit (data/circuits/sense_amp_time.csv); untabulated devices resolve in the shortest time.
    const std::optional<SenseTimeFit>& fit = ctx_.tech.fits.sense_time;
    const SenseAmpLimits& limits = ctx_.tech.fits.sense_limits;
    if (!fit) return limits.min_resolve_s;
    const double r_column = 1 / g;
    const double t_max = (fit->a_ns * std::log(r_column / 1000) + fit->b_ns) * 1e-9;
    double t = 0;
    // The lowest comparator is left out of the fit's timing, as in the reference.
    for (std::size_t i = 1; i < reference_ohm_.size(); ++i) {
        const double ratio = reference_ohm_[i] / r_column;
        double ti;
        if (ratio >= limits.far_ratio_above || ratio <= limits.far_ratio_below) {
            ti = limits.min_resolve_s;  // far from the threshold: resolves in the shortest time
        } else if (ratio <= limits.cubic_ratio_limit) {
            ti = t_max * polynomial(fit->cubic, 4, ratio);
        } else {
            ti = t_max * polynomial(fit->quartic, 5, ratio);
        }
        t = std::max(t, ti);
    }
    return t;
}

double SenseAmpAdc::column_time_s(double g) const {
    if (g <= 0) return 0;
    return time_table_s_[grid_index(g)];
}

double SenseAmpAdc::column_power_w(double g) const {
    return power_.at_conductance_w(g);
}

double SenseAmpAdc::read_time_s(const float* g, int columns) const {
    return read_sensing(g, columns).time_s;
}

SenseAmpAdc::ReadSensing SenseAmpAdc::read_sensing(const float* g, int columns) const {
    // Voltage sensing is clocked at the shortest resolution time; current sensing waits for its slowest
    // column, within the characterized window (sense_amp_limits.csv).
    double t = 0, power = 0;
    for (int j = 0; j < columns; ++j) {
        if (g[j] <= 0) {
            power += column_power_w(0);
            continue;
        }
        const std::size_t k = grid_index(g[j]);
        t = std::max(t, time_table_s_[k]);
        power += power_table_w_[k];
    }
    const SenseAmpLimits& limits = ctx_.tech.fits.sense_limits;
    t = ctx_.array_config.sense_current_mode ? std::clamp(t, limits.min_resolve_s, limits.max_resolve_s)
                                             : limits.min_resolve_s;
    return {t, power * t};
}

SensingCost mean_sensing_cost(const SenseAmpAdc& adc, const ColumnSample& sample) {
    SensingCost cost;
    if (sample.columns.empty()) {
        cost.time_s = adc.read_sensing(nullptr, 0).time_s;  // no column: the shortest resolution
        return cost;
    }
    double time_sum = 0, energy_sum = 0, columns_sum = 0;
    std::size_t at = 0;
    for (const int n : sample.columns) {
        const float* g = sample.conductance_s.data() + at;
        const SenseAmpAdc::ReadSensing r = adc.read_sensing(g, n);
        time_sum += r.time_s;
        energy_sum += r.energy_j;
        columns_sum += n;
        at += static_cast<std::size_t>(n);
    }
    cost.time_s = time_sum / sample.columns.size();
    cost.energy_per_column_j = columns_sum > 0 ? energy_sum / columns_sum : 0;
    return cost;
}

}  // namespace neurosim
