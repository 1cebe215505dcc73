// Standard-cell layout and electrical model of logic gates and pass gates.
#pragma once

#include "neurosim/technology/technology.hpp"

namespace neurosim {

enum class GateKind { inverter, nand, nor };

struct Footprint {
    double height_m = 0;
    double width_m = 0;
    double area_m2() const { return height_m * width_m; }
};

// Layout of one gate with `inputs` inputs in a cell of fixed height; wide transistors are folded.
// A zero NMOS or PMOS width lays out a single-type device (e.g. a lone pull-down transistor).
Footprint gate_footprint(GateKind kind, int inputs, double nmos_width_m, double pmos_width_m, double cell_height_m,
                         const TechnologyNode& tech);

// Convenience: a gate in a standard-height cell.
Footprint standard_cell(GateKind kind, int inputs, double nmos_width_m, double pmos_width_m,
                        const TechnologyNode& tech);

// Transmission gate whose height follows its widths; `folds` fingers per device.
Footprint pass_gate_footprint(double nmos_width_m, double pmos_width_m, int folds, const TechnologyNode& tech);

struct GateCapacitance {
    double input_f = 0;
    double output_f = 0;
};

double gate_input_capacitance_f(double width_m, const TechnologyNode& tech);
GateCapacitance gate_capacitance(GateKind kind, int inputs, double nmos_width_m, double pmos_width_m,
                                 double cell_height_m, const TechnologyNode& tech);

// Saturation transconductance of one transistor: 2 I / (V_gs - V_th) with the tabulated current per
// width at V_gs = 0.7 V_dd (the NeuroSim convention, P.-Y. Chen et al., IEEE TCAD 37(12), 2018).
double transconductance_s(double width_m, bool nmos, const TechnologyNode& tech);

// Effective on-resistance of one transistor at 300 K.
double on_resistance_ohm(double width_m, bool nmos, const TechnologyNode& tech);

}  // namespace neurosim
