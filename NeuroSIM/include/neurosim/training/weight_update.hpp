// Weight update: programming the synaptic sub-arrays with the new weights of a batch.
//
// Rows are written one after another. In an analog (eNVM) row the cells to potentiate share one SET
// pulse train and the cells to depress one RESET train, each as long as its longest member needs; an
// SRAM row is written in one cycle. Energy goes into the devices themselves (resistive heating of RRAM,
// polarization switching of FeFET, flipping SRAM nodes), into the array lines charged by every pulse,
// and into the row and column switches that select what is written. The model follows the write
// accounting of NeuroSim (P.-Y. Chen, X. Peng, S. Yu, "NeuroSim", IEEE TCAD 37(12), 2018; X. Peng et
// al., "DNN+NeuroSim V2.0", IEEE TCAD 40(11), 2021).
#pragma once

#include "neurosim/design.hpp"
#include "neurosim/io/trace.hpp"

namespace neurosim {

// Electrical view of one sub-array while it is programmed.
class ProgrammingArray {
public:
    explicit ProgrammingArray(const DesignContext& ctx);

    double word_line_f() const { return word_line_f_; }      // access gates of a row plus its wire
    double row_line_f() const { return row_line_f_; }        // the 1T1R bit line along a row (wire only)
    double column_line_f() const { return column_line_f_; }  // a source line: wire plus access drains
    // Row and column selection: minimum transmission gates switched per written row.
    double switch_gate_f() const { return switch_gate_f_; }
    double switch_drain_f() const { return switch_drain_f_; }
    // Selecting one row to write: the slower of its word-line and column switches (Elmore, 50 % point).
    double row_select_delay_s() const { return row_select_delay_s_; }
    // Flipping one SRAM bit: the cross-coupled pair pulled over by the write drivers.
    double sram_flip_delay_s() const { return sram_flip_delay_s_; }
    double sram_node_f() const { return sram_node_f_; }
    // Precharging the bit lines and pulling one down through a minimum write driver.
    double sram_column_write_delay_s() const { return sram_column_write_delay_s_; }
    double write_driver_f() const { return write_driver_f_; }  // switched per written column

private:
    // The lines of an SRAM array and of an eNVM array (with or without access transistors); `col_m`:
    // length of a column, `*_wire_ohm`: resistance of a row and of a column wire.
    void size_sram_lines(const DesignContext& ctx, double col_m, double row_wire_ohm, double col_wire_ohm);
    void size_envm_lines(const DesignContext& ctx, double col_m, double row_wire_ohm, double col_wire_ohm);

    double word_line_f_ = 0, row_line_f_ = 0, column_line_f_ = 0;
    double switch_gate_f_ = 0, switch_drain_f_ = 0;
    double row_select_delay_s_ = 0;
    double sram_flip_delay_s_ = 0, sram_node_f_ = 0;
    double sram_column_write_delay_s_ = 0, write_driver_f_ = 0;
};

// What programming one copy of a layer's weights costs.
struct ProgrammingWork {
    double row_pulses = 0;         // sum over written sub-array rows of SET train + RESET train lengths
    double rows_written = 0;       // sub-array rows with at least one changed cell
    double cells_changed = 0;      // cells (or SRAM bits) whose state changes
    double cell_energy_j = 0;      // delivered into the devices
    double line_energy_j = 0;      // array word, bit and source lines charged by the pulses
    double switch_energy_j = 0;    // row and column switch matrices selecting each written row
    double select_latency_s = 0;   // selecting the written rows, over all sub-arrays
    double energy_j() const { return cell_energy_j + line_energy_j + switch_energy_j; }
};

// Compares the trace's old and new weight codes cell by cell, sub-array by sub-array: pulse trains for
// FeFET and RRAM, one write cycle per changed row for SRAM (row_pulses then counts the write cycles).
ProgrammingWork estimate_programming(const TraceLayer& layer, const DesignContext& ctx);

}  // namespace neurosim
