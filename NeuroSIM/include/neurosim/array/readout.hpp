// Timing and switching energy of one sub-array read-out: the rows driven by an input cycle, the
// array lines, the column multiplexer and the multilevel sense-amplifier ADC with its encoder, in
// the forward direction (columns read) and transposed (rows read, activation gradient).
//
// The circuit models follow the published NeuroSim formulation: P.-Y. Chen, X. Peng, S. Yu,
// "NeuroSim", IEEE TCAD 37(12), 2018, and X. Peng et al., "DNN+NeuroSim V2.0", IEEE TCAD 40(11),
// 2021 (Elmore/Horowitz gate delays, C*V^2 line energies, and the SPICE-fitted sense-amplifier
// timing and power of the multilevel current-mode sense amplifier).
#pragma once

#include <cstddef>
#include <vector>

#include "neurosim/chip/floorplan.hpp"
#include "neurosim/circuits/sense_amp_power.hpp"
#include "neurosim/design.hpp"
#include "neurosim/io/trace.hpp"

namespace neurosim {

// Delay of a gate with RC time constant `tau_s` driven by an input edge of slope `input_slope_per_s`
// (1e20 for a step), Horowitz's model with CACTI's fixed beta = 0.5; writes the output slope.
double horowitz_delay_s(double tau_s, double input_slope_per_s, double* output_slope_per_s = nullptr);

// What the sense amplifiers see in a sample of forward reads: per read, the conductance (S) of every
// mapped column (0 for a column without an active cell).
struct ColumnSample {
    std::vector<float> conductance_s;  // reads one after another
    std::vector<int> columns;          // columns of each read
};

// Where a layer's reads are sampled: its shape (null: rows in consecutive sub-array blocks, every
// patch) and whether it is novel-mapped (one kernel position per sub-array).
struct ReadPlacement {
    const LayerShape* shape = nullptr;
    bool novel = false;
};

// Samples forward reads of the layer from its trace: input cycles of evenly spaced patches on every
// sub-array of one weight copy. Patches are taken from those the estimator counts, the output pixels of
// a valid convolution (the interior patches of the trace's 'same'-padded ones; see README). A cell
// conducts when its row's input bit is 1, with the conductance of its stored level (linear from 1/R_off
// to 1/R_on), in series with the RRAM access resistance and the wires to the array edge; an SRAM cell
// conducts through its access transistor whatever it stores (the reference's assumption). At most
// `max_reads` reads are kept.
ColumnSample sample_column_conductance(const TraceLayer& layer, const DesignContext& ctx,
                                       const ReadPlacement& placement = {}, int max_reads = 8192);

// Multilevel current-mode sense amplifier (`levels` - 1 comparators against reference resistances).
// Its resolution time and bias power follow the reference's SPICE fits per technology node.
class SenseAmpAdc {
public:
    SenseAmpAdc(const DesignContext& ctx, int levels);
    // Time to resolve one column of conductance `g` (0: open column, nothing to resolve).
    double column_time_s(double g) const;
    // Power drawn while converting a column of conductance `g` (SenseAmpPower::at_conductance_w).
    double column_power_w(double g) const;
    // Time to resolve a read: the slowest column, within the amplifier's 1 to 10 ns operating window.
    double read_time_s(const float* g, int columns) const;
    // Resolution time and bias energy of a read (both tabulated on a grid of column resistance).
    struct ReadSensing {
        double time_s, energy_j;
    };
    ReadSensing read_sensing(const float* g, int columns) const;

private:
    double column_time_exact_s(double g) const;
    const DesignContext& ctx_;
    int levels_;
    std::vector<double> reference_ohm_;  // comparator reference resistances
    SenseAmpPower power_;  // column power, inference variant (at_conductance_w)
    std::size_t grid_index(double g) const;
    std::vector<double> time_table_s_;   // column_time_exact_s on a log grid of resistance
    std::vector<double> power_table_w_;  // column_power_w on the same grid
};

// Mean sensing cost of a read, over a sample of reads.
struct SensingCost {
    double time_s = 0;                  // resolution time of one read (one pass over the column group)
    double energy_per_column_j = 0;     // bias energy of one converted column
    bool thermometer_encoder = true;    // a thermometer-to-binary encoder follows (not after a SAR)
};
SensingCost mean_sensing_cost(const SenseAmpAdc& adc, const ColumnSample& sample);

// Thermometer-to-binary encoder after a multilevel sense amplifier of `levels` levels: its latency
// and the energy of one conversion.
double thermometer_encoder_delay_s(const TechnologyNode& t, int levels);
double thermometer_encoder_energy_j(const TechnologyNode& t, int levels);

// Costs of one read cycle (one input bit applied) of one sub-array in one direction.
struct ReadCycleCost {
    double adc_s = 0;     // line precharge (SRAM), bit-line settling (SRAM), sensing and encoding
    double array_s = 0;   // row drivers or column mux, whichever is slower, and the array line RC
    double adc_j = 0;     // per sub-array read: array lines charged (eNVM) or bit lines precharged (SRAM)
    double adc_per_column_j = 0;  // per converted column: the sense amplifier's bias and its encoder
    double encoder_per_column_j = 0;  // the encoder's share of adc_per_column_j
    double array_j = 0;   // per sub-array read: row drivers, their scan flip-flops, mux and its decoder
};

// Wire capacitance and resistance of one row and one column line of the array.
struct ArrayLines {
    double row_wire_f = 0, col_wire_f = 0;
    double row_res_ohm = 0, col_res_ohm = 0;
};
ArrayLines array_lines(const DesignContext& ctx);

// The access transistor of a cell on the read path: its on-resistance, width, drain capacitance on
// the sensed line and gate capacitance on the word line.
struct AccessTransistor {
    double r_ohm = 0, width_m = 0, drain_f = 0, gate_f = 0;
};
// 1T1R / FeFET: sized to drop a quarter of the on-resistance while in its linear region (V_ds at 20 %
// of its saturation onset).
AccessTransistor envm_access_transistor(const DesignContext& ctx);
// SRAM: the cell's access NMOS of sram_access_width_f.
AccessTransistor sram_access_transistor(const DesignContext& ctx);

// The read-out of one sub-array; `row_activity` is the share of driven lines that carry a 1.
ReadCycleCost read_cycle_cost(const DesignContext& ctx, ReadDirection direction, const SensingCost& sensing,
                              double row_activity, int input_cycles);

// Activation registers: `units` of input_bits flip-flops each, clocked `passes` times (a ReLU passes
// or clears one activation per unit and pass).
struct ActivationCost {
    double latency_s = 0;
    double energy_j = 0;
};
ActivationCost activation_register_cost(const DesignContext& ctx, double units, double passes);


}  // namespace neurosim
