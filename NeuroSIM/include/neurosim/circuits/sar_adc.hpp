// Successive-approximation (SAR) ADC of the sub-array read-out: an alternative to the multilevel
// sense amplifier (MultilevelSenseAdc). One converter per read-out line resolves log2(levels) bits,
// one bit per approximation step, so its size and time grow with the bits, not with the levels.
//
// Area, conversion time and power follow the SAR model of NeuroSim: P.-Y. Chen, X. Peng, S. Yu,
// "NeuroSim", IEEE TCAD 37(12), 2018; X. Peng et al., "DNN+NeuroSim V2.0", IEEE TCAD 40(11), 2021.
#pragma once

#include "neurosim/circuits/circuits.hpp"
#include "neurosim/technology/technology.hpp"

namespace neurosim {

struct SarAdcParams {
    int readouts = 16;  // converters, one per read-out line (columns / columns sharing an ADC)
    int levels = 64;    // output levels, a power of two; the converter resolves log2(levels) bits
    // Duration of one approximation step (comparator decision and DAC settling). NeuroSim fixes
    // it at 1 ns independent of the chip clock, which we keep as the default.
    double step_time_s = 1e-9;
};

class SarAdc {
public:
    // Throws std::invalid_argument when readouts < 1, levels < 2 or step_time_s <= 0.
    SarAdc(const SarAdcParams& p, const TechnologyNode& t);

    int bits() const { return bits_; }
    // Steps of one conversion: one to sample the column, then one decision per bit.
    int steps_per_conversion() const { return bits_ + 1; }

    // Area of one converter and of all `readouts` of them.
    double unit_area_m2() const;
    double area_m2() const;
    // All converters spread along the fitted side (their area is a transistor budget, not a
    // placed cell); a free layout is square.
    Footprint layout(const Fit& fit) const;

    // Time of one conversion of one converter (all converters convert in parallel).
    double conversion_latency_s() const;
    // Average power of one converter while it converts a column of the given resistance: a
    // static part that grows with the bits plus the read current through the column. An open
    // column (infinite resistance) draws no read current; NeuroSim charges such a converter a
    // flat 1 uW. Throws std::invalid_argument when the resistance is not positive.
    double conversion_power_w(double column_resistance_ohm) const;
    // Energy of one conversion of one converter: its power over the conversion time.
    double conversion_energy_j(double column_resistance_ohm) const;

private:
    SarAdcParams p_;
    const TechnologyNode& t_;
    int bits_ = 0;
    // The node's power fit (sar_adc.cpp): static power at these bits, column term and its slope.
    double static_power_w_ = 0, column_power_w_ = 0, column_slope_ = 0;
};

}  // namespace neurosim
