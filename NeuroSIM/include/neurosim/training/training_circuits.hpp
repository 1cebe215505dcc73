// Electrical models (delay and switching energy) of circuit blocks used only in training: the adders
// that accumulate weight gradients over a batch, and the SRAM sub-arrays of the weight-gradient unit
// while a layer's inputs are written into them. Gate and wire values come from gate.hpp; the delay of a
// stage driven by a finite slope is the estimator's Horowitz model (readout.hpp: horowitz_delay_s, as
// used by CACTI and NeuroSim: P.-Y. Chen, X. Peng, S. Yu, "NeuroSim", IEEE TCAD 37(12), 2018).
#pragma once

#include "neurosim/design.hpp"

namespace neurosim {

constexpr double kStepSlope = 1e20;  // an input edge treated as instantaneous

// Device loads the training circuits share.
// Drain capacitance of a lone NMOS or PMOS device.
double drain_capacitance_f(double width_m, bool nmos, const TechnologyNode& tech);
// A 6T SRAM storage node: its access drain, its inverter's drains and the other inverter's gates.
double sram_storage_node_f(const CellConfig& cell, const TechnologyNode& tech);
// Minimum transmission gate: NMOS of the minimum width and a PMOS of equal drive.
struct PassGate {
    double gate_f = 0, drain_f = 0, on_ohm = 0;
};
PassGate minimum_pass_gate(const TechnologyNode& tech);

// Writing rows of one SRAM sub-array of the weight-gradient unit (wg_subarray_rows x wg_subarray_cols):
// per written row the switch matrix's row-pointer register advances (half a clock), a word-line switch
// opens and closes, the bit lines are precharged, minimum write drivers pull one line of each pair low,
// and the cells flip.
class GradientArrayWrite {
public:
    explicit GradientArrayWrite(const DesignContext& ctx);
    // Writing `row_activity` of the sub-array's rows (the layer's share of 1 input bits, as the
    // reference sizes the write).
    double write_latency_s(double row_activity) const;

    double word_line_switch_delay_s() const { return word_switch_s_; }
    double precharge_delay_s() const { return precharge_s_; }
    double row_pointer_delay_s() const { return row_pointer_s_; }  // clock-bound: does not scale with the node

private:
    int rows_ = 0;
    double flip_s_ = 0, word_switch_s_ = 0, precharge_s_ = 0, driver_s_ = 0, row_pointer_s_ = 0;
};

// Reading the weight-gradient unit for one output channel: its error vector is applied bit by bit
// (input_bits cycles) to every group of `wg_rows_per_adc` rows sharing an ADC, one row group after
// another. Each cycle selects a row, precharges the bit lines, lets the column discharge and senses it
// with the multilevel sense amplifier, whose thermometer code is encoded; shift-adders combine the bit
// cycles and an adder tree sums the partial sums of the `tree_inputs` sub-arrays along the unit's rows.
class GradientArrayRead {
public:
    GradientArrayRead(const DesignContext& ctx, int tree_inputs);
    double read_latency_s() const { return read_s_; }  // one output channel
    double cycle_s() const { return cycle_s_; }        // one row group, one input bit

private:
    double read_s_ = 0, cycle_s_ = 0;
};

}  // namespace neurosim
