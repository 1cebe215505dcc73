#include "neurosim/circuits/sense_amp_power.hpp"

#include <algorithm>
#include <cmath>

namespace neurosim {

SenseAmpPower::SenseAmpPower(const SenseAmpPowerFit& fit, int levels)
    : fit_(fit),
      levels_(levels),
      bias_w_per_comparator_(fit.bias_uw_per_comparator * 1e-6),
      conductance_exponent_(fit.column_exponent / std::log(10.0)) {}

double SenseAmpPower::at_conductance_w(double conductance_s) const {
    // A column without cell current leaves the comparators idle: only a residual flows.
    if (conductance_s <= 0) return fit_.open_column_power_w;
    return bias_w_per_comparator_ * (levels_ - 1) +
           fit_.column_coeff_w * std::pow(conductance_s, conductance_exponent_);
}

double SenseAmpPower::at_resistance_w(double column_ohm) const {
    const double bias = fit_.bias_w_per_comparator * std::max(0, levels_ - 1);
    if (!(column_ohm > 0) || std::isinf(column_ohm)) return bias;  // no cell conducts: bias only
    return bias + fit_.column_coeff_w * std::exp(-fit_.column_exponent * std::log10(column_ohm));
}

}  // namespace neurosim
