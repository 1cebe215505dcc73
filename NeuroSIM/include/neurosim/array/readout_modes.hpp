// Design options of the sub-array read-out besides the default (all rows at once through multilevel
// current-mode sense amplifiers, readout.hpp):
//   - adc_type = sar: a successive-approximation converter per read-out line (sar_adc.hpp) converts
//     the column instead of the multilevel sense amplifier, and delivers binary codes (no encoder);
//   - read_mode = sequential: one driven line (row) at a time; every mapped column is sensed for the
//     one cell the line selects (a multilevel sense amplifier of the cell's levels, or a SAR, for eNVM;
//     a latch sense amplifier for SRAM) and an adder with its register sums the rows;
//   - parallel_backprop = false: the transposed read alone reads sequentially.
// (sense_current_mode = false, voltage sensing, is part of SenseAmpAdc in readout.hpp.)
//
// After P.-Y. Chen, X. Peng, S. Yu, "NeuroSim", IEEE TCAD 37(12), 2018 and X. Peng et al.,
// "DNN+NeuroSim V2.0", IEEE TCAD 40(11), 2021: the same circuit fits and gate-level models as the
// parallel read-out, applied to the sequential organisation of the sub-array.
#pragma once

#include <vector>

#include "neurosim/array/readout.hpp"
#include "neurosim/array/readout_scheme.hpp"
#include "neurosim/circuits/sar_adc.hpp"
#include "neurosim/design.hpp"
#include "neurosim/technology/gate.hpp"

namespace neurosim {

// ---------------------------------------------------------------- converters

// Sensing cost of a parallel read through SAR converters: each conversion takes its (bits + 1) steps
// whatever the column; its energy is the converter's power at the column's resistance over that time
// (an open column draws the converter's idle power).
SensingCost sar_sensing_cost(const SarAdc& adc, const ColumnSample& sample);

// Sensing cost of the parallel read-out with the design's converter (ctx.adc()).
SensingCost parallel_sensing_cost(const DesignContext& ctx, int levels, const ColumnSample& sample);

// ---------------------------------------------------------------- sequential read-out

// Latch (voltage) sense amplifier of an SRAM column: cross-coupled pair of W_P = 7.5 F and W_N = 3.75 F,
// isolation PMOS of 12.5 F, enable NMOS of 5 F and a 9 F column-select NMOS on its nodes (NeuroSim's
// sizes). It regenerates the bit-line split `sense_v` to the rail with time constant C/gm, then waits
// for its enable clock.
class LatchSenseAmp {
public:
    LatchSenseAmp(const TechnologyNode& t, double sense_v, double clock_hz);
    double load_capacitance_f() const { return load_f_; }
    double transconductance_s() const { return gm_s_; }
    double delay_s() const;
    double energy_j() const;  // one sensing of one column
    double area_m2() const;   // one amplifier

private:
    const TechnologyNode& t_;
    double sense_v_, clock_hz_;
    double load_f_ = 0, gm_s_ = 0;
};

// What one sequential read cycle (one input bit) of one sub-array covers.
struct SequentialReadParams {
    ReadDirection direction = ReadDirection::forward;
    double active_lines = 0;     // driven lines carrying a 1: each is selected and read alone
    double converted_lines = 0;  // sensed lines mapped with weights, converted for every active line
};

// Costs of one sequential read cycle of one sub-array, split as the parallel read-out's.
struct SequentialReadCost {
    double adc_s = 0, array_s = 0, accumulation_s = 0;
    double adc_j = 0, array_j = 0, accumulation_j = 0;
    // Per selected line and column group (for tests and reports).
    double sense_s = 0, select_s = 0, settle_s = 0, add_s = 0;
};

SequentialReadCost sequential_read_cost(const DesignContext& ctx, const SequentialReadParams& p);

// Bits of the adder that sums the rows of one sensed line: one more per doubling of the summed lines,
// on top of the cell's bits (eNVM) or of one bit (SRAM).
int sequential_adder_bits(const DesignContext& ctx, ReadDirection direction);

// ---------------------------------------------------------------- sequential sub-array layout

// One sequential read-out edge along the array side of length `edge_m`: column mux (eNVM),
// single-cell converters (latch sense amplifiers for SRAM), row adders with their registers and the
// shift-adders; `depth_m` is what it adds away from the array, `side_m` the mux decoder's extent.
struct SequentialEdgeArea {
    double adc_m2 = 0, accumulation_m2 = 0, other_m2 = 0, depth_m = 0, side_m = 0;
};
SequentialEdgeArea sequential_read_edge(const DesignContext& ctx, ReadDirection direction, double edge_m);

// Periphery of a sub-array read sequentially in both directions, as SynapticSubArray reports it.
SubArrayLayout sequential_subarray_layout(const DesignContext& ctx);

}  // namespace neurosim
