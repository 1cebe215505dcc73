// Energy of the SRAM compute-in-memory weight-gradient unit.
//
// For each kernel position the layer's input activations are written into SRAM sub-arrays
// (wg_subarray_rows x wg_subarray_cols: output pixels x input-channel bits). Then, for each output
// channel, its error vector is applied to the rows bit by bit: in every bit cycle and every step of the
// column mux (wg_rows_per_adc columns share one ADC) the active word lines are raised, every bit line
// is precharged and discharges, and each of the cols/wg_rows_per_adc multilevel sense amplifiers
// converts the one column its mux selects; shift-adders collect the bit cycles. So each column is
// converted ONCE per bit cycle.
// (DNN+NeuroSim V2.1 charges every column's sense-amplifier energy in every mux step: its gradient unit
// hands MultilevelSenseAmp::CalculatePower one column resistance per array column, which it sums, times
// wg_rows_per_adc x input_bits reads, i.e. wg_rows_per_adc times the conversions that take place.)
//
// The sense amplifier's power follows the SPICE characterization of NeuroSim's current-mode (or
// voltage-mode) multilevel sense amplifier: a bias power per comparator plus a column term that falls
// as the column resistance rises (P.-Y. Chen, X. Peng, S. Yu, "NeuroSim", IEEE TCAD 37(12), 2018;
// X. Peng et al., "DNN+NeuroSim V2.0", IEEE TCAD 40(11), 2021).
#pragma once

#include "neurosim/design.hpp"

namespace neurosim {

// One sub-array of the gradient unit, its inputs having `row_activity` of their bits set (the share of
// rows raised in a read cycle and of rows and columns written).
class GradientArrayEnergy {
public:
    // `tree_inputs`: sub-arrays along the unit's rows whose partial sums an adder tree combines.
    GradientArrayEnergy(const DesignContext& ctx, double row_activity, int tree_inputs);

    // Reading one output channel (input_bits x wg_rows_per_adc cycles), and its parts.
    double channel_read_energy_j() const { return sense_j_ + lines_j_ + mux_j_ + digital_j_; }
    double sense_energy_j() const { return sense_j_;  }      // multilevel sense amplifiers and encoders
    double line_energy_j() const { return lines_j_; }        // word lines raised, bit lines precharged
    double mux_energy_j() const { return mux_j_; }           // column mux and its decoder
    double digital_energy_j() const { return digital_j_; }   // shift-add and the adder tree's share
    // Writing the sub-array with the inputs of one kernel position.
    double write_energy_j() const { return write_j_; }
    // Resistance of a column in a read cycle: its active cells (access and pull-down in series) in parallel.
    double column_ohm() const { return column_ohm_; }
    double conversions_per_channel() const { return conversions_; }

private:
    double sense_j_ = 0, lines_j_ = 0, mux_j_ = 0, digital_j_ = 0, write_j_ = 0;
    double column_ohm_ = 0, conversions_ = 0;
};

}  // namespace neurosim
