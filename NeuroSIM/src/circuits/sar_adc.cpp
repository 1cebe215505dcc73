#include "neurosim/circuits/sar_adc.hpp"

#include <array>
#include <cmath>
#include <stdexcept>
#include <string>

#include "neurosim/technology/gate.hpp"

namespace neurosim {
namespace {

// Transistor budget of one converter (NeuroSim's SAR model): a 1-bit converter (comparator, sample
// switch, control logic) and what every further bit adds (a SAR register bit and its DAC switches).
constexpr double kNmosFirstBit = 269, kNmosPerExtraBit = 109;
constexpr double kPmosFirstBit = 209, kPmosPerExtraBit = 73;

// NeuroSim's charge of a converter on an open column (no read current).
constexpr double kOpenColumnPowerW = 1e-6;

// Converter power fitted per node and transistor flavour (NeuroSim's SAR model):
//   P = static_per_bit_w * bits + static_base_w + column_w * exp(-column_slope * log10(R / 1 ohm)).
// The column term is close to column_w / R, the read current of a column of resistance R.
struct SarPowerFit {
    int node_nm;
    double static_per_bit_w;
    double static_base_w;
    double column_w;
    double column_slope;
};

constexpr std::array<SarPowerFit, 9> kHighPerformance = {{
    {130, 6.4806e-6, 49.047e-6, 0.207452, 2.367}, {90, 4.3474e-6, 31.782e-6, 0.164900, 2.345},
    {65, 2.9503e-6, 22.047e-6, 0.128483, 2.321},  {45, 2.1843e-6, 11.931e-6, 0.097754, 2.296},
    {32, 1.0157e-6, 7.6286e-6, 0.083709, 2.313},  {22, 0.7213e-6, 3.3041e-6, 0.084273, 2.311},
    {14, 0.4710e-6, 1.9529e-6, 0.060584, 2.311},  {10, 0.3076e-6, 1.1543e-6, 0.049418, 2.311},
    {7, 0.2008e-6, 0.6823e-6, 0.040310, 2.311},
}};

constexpr std::array<SarPowerFit, 9> kLowStandbyPower = {{
    {130, 8.4483e-6, 65.243e-6, 0.169380, 2.303}, {90, 5.9869e-6, 37.462e-6, 0.144323, 2.303},
    {65, 3.7506e-6, 25.844e-6, 0.121272, 2.303},  {45, 2.1691e-6, 16.693e-6, 0.100225, 2.303},
    {32, 1.1294e-6, 8.8998e-6, 0.079449, 2.297},  {22, 0.538e-6, 4.3753e-6, 0.072341, 2.303},
    {14, 0.3132e-6, 2.5681e-6, 0.061085, 2.303},  {10, 0.1823e-6, 1.5073e-6, 0.051580, 2.303},
    {7, 0.1061e-6, 0.8847e-6, 0.043555, 2.303},
}};

const SarPowerFit& power_fit(const TechnologyNode& t) {
    const auto& table = t.roadmap == DeviceRoadmap::hp ? kHighPerformance : kLowStandbyPower;
    for (const SarPowerFit& fit : table) {
        if (fit.node_nm == t.node_nm) return fit;
    }
    throw std::invalid_argument("SAR ADC: no power model for the " + std::to_string(t.node_nm) + " nm node");
}

}  // namespace

SarAdc::SarAdc(const SarAdcParams& p, const TechnologyNode& t) : p_(p), t_(t) {
    if (p.readouts < 1) throw std::invalid_argument("SAR ADC: readouts must be at least 1");
    if (p.levels < 2) throw std::invalid_argument("SAR ADC: levels must be at least 2");
    if (!(p.step_time_s > 0)) throw std::invalid_argument("SAR ADC: step_time_s must be positive");
    // Levels that are not a power of two still need the next whole bit.
    bits_ = static_cast<int>(std::ceil(std::log2(static_cast<double>(p.levels)) - 1e-9));
    // Resolved once (an unmodelled node is rejected here), not at every conversion.
    const SarPowerFit& fit = power_fit(t);
    static_power_w_ = fit.static_per_bit_w * bits_ + fit.static_base_w;
    column_power_w_ = fit.column_w;
    column_slope_ = fit.column_slope;
}

double SarAdc::unit_area_m2() const {
    const double wn = t_.min_nmos_width_m();
    const double nmos = standard_cell(GateKind::inverter, 1, wn, 0, t_).area_m2();
    const double pmos = standard_cell(GateKind::inverter, 1, 0, t_.pn_size_ratio * wn, t_).area_m2();
    const double extra_bits = bits_ - 1;
    return nmos * (kNmosFirstBit + kNmosPerExtraBit * extra_bits) +
           pmos * (kPmosFirstBit + kPmosPerExtraBit * extra_bits);
}

double SarAdc::area_m2() const {
    return unit_area_m2() * p_.readouts;
}

Footprint SarAdc::layout(const Fit& fit) const {
    const double a = area_m2();
    if (fit.side == Fit::Side::height) return {fit.length_m, a / fit.length_m};
    if (fit.side == Fit::Side::width) return {a / fit.length_m, fit.length_m};
    return {std::sqrt(a), std::sqrt(a)};
}

double SarAdc::conversion_latency_s() const {
    return steps_per_conversion() * p_.step_time_s;
}

double SarAdc::conversion_power_w(double column_resistance_ohm) const {
    if (!(column_resistance_ohm > 0)) {
        throw std::invalid_argument("SAR ADC: column resistance must be positive");
    }
    if (std::isinf(column_resistance_ohm)) return kOpenColumnPowerW;
    return static_power_w_ + column_power_w_ * std::exp(-column_slope_ * std::log10(column_resistance_ohm));
}

double SarAdc::conversion_energy_j(double column_resistance_ohm) const {
    return conversion_power_w(column_resistance_ohm) * conversion_latency_s();
}

}  // namespace neurosim
