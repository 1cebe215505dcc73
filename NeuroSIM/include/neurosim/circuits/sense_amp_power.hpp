// Power of one multilevel sense-amplifier column while it converts, from the fit of NeuroSim's SPICE
// characterization (data/circuits/sense_amp_power.csv, technology/circuit_fits.hpp): a bias per
// comparator plus a column term that falls with the column resistance R as k exp(-e log10 R).
#pragma once

#include "neurosim/technology/circuit_fits.hpp"

namespace neurosim {

// One model, two evaluations. The reference evaluates the fit two ways and the numbers of each are
// kept, so the variant is named by the entry point:
//  - at_conductance_w (inference read-out, SenseAmpAdc): the fit as a power of the column conductance,
//    k g^(e / ln 10), with the tabulated uW bias scaled to W; a column without current still draws a
//    residual 1 uW.
//  - at_resistance_w (weight-gradient unit): the fit as written, k exp(-e log10 R), with the bias read
//    in W; a column without current (R <= 0 or infinite) draws the comparator bias only.
class SenseAmpPower {
public:
    // `fit`: the node's fit for the sensing mode; `levels`: output levels (levels - 1 comparators).
    SenseAmpPower(const SenseAmpPowerFit& fit, int levels);
    // Inference read-out variant; `conductance_s` <= 0 is an open column.
    double at_conductance_w(double conductance_s) const;
    // Weight-gradient unit variant; `column_ohm` <= 0 or infinite is an open column.
    double at_resistance_w(double column_ohm) const;

private:
    SenseAmpPowerFit fit_;
    int levels_;
    double bias_w_per_comparator_ = 0;  // the tabulated uW bias times 1e-6 (inference variant)
    double conductance_exponent_ = 1;   // e / ln 10
};

}  // namespace neurosim
