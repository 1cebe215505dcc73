#include "neurosim/circuits/sar_adc.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

#include "neurosim/technology/gate.hpp"

namespace neurosim {
SarAdc::SarAdc(const SarAdcParams& p, const TechnologyNode& t) : p_(p), t_(t) {
    if (p.readouts < 1) throw std::invalid_argument("SAR ADC: readouts must be at least 1");
    if (p.levels < 2) throw std::invalid_argument("SAR ADC: levels must be at least 2");
    if (!(p.step_time_s > 0)) throw std::invalid_argument("SAR ADC: step_time_s must be positive");
    // Levels that are not a power of two still need the next whole bit.
    bits_ = static_cast<int>(std::ceil(std::log2(static_cast<double>(p.levels)) - 1e-9));
    // Resolved once (an unmodelled node is rejected here), not at every conversion.
    if (!t.fits.sar_power) {
        throw std::invalid_argument("SAR ADC: no power model for the " + std::to_string(t.node_nm) + " nm node");
    }
    const SarPowerFit& fit = *t.fits.sar_power;
    static_power_w_ = fit.static_per_bit_w * bits_ + fit.static_base_w;
    column_power_w_ = fit.column_w;
    column_slope_ = fit.column_slope;
}

double SarAdc::unit_area_m2() const {
    const double wn = t_.min_nmos_width_m();
    const double nmos = standard_cell(GateKind::inverter, 1, wn, 0, t_).area_m2();
    const double pmos = standard_cell(GateKind::inverter, 1, 0, t_.pn_size_ratio * wn, t_).area_m2();
    const double extra_bits = bits_ - 1;
    // Transistor budget of one converter (sar_adc_budget.csv): a 1-bit converter and what every further
    // bit adds.
    const SarBudgetFit& b = t_.fits.sar_budget;
    return nmos * (b.nmos_first_bit + b.nmos_per_extra_bit * extra_bits) +
           pmos * (b.pmos_first_bit + b.pmos_per_extra_bit * extra_bits);
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
    if (std::isinf(column_resistance_ohm)) return t_.fits.sar_budget.open_column_power_w;
    return static_power_w_ + column_power_w_ * std::exp(-column_slope_ * std::log10(column_resistance_ohm));
}

double SarAdc::conversion_energy_j(double column_resistance_ohm) const {
    return conversion_power_w(column_resistance_ohm) * conversion_latency_s();
}

}  // namespace neurosim
