// Digital accumulation of partial sums: the electrical models (delay, switching energy) of the blocks
// whose layout circuits.hpp describes (flip-flops, ripple-carry adders, shift-adders, adder trees), and
// how a layer's partial sums travel through them - shift-and-add over input cycles and over the cells
// of one weight in every sub-array read-out, adder trees across the sub-arrays of a PE, across the PEs
// of a tile and across tiles stacked along the weight rows.
//
// Gate-level models after P.-Y. Chen, X. Peng, S. Yu, "NeuroSim", IEEE TCAD 37(12), 2018, and their
// use for on-chip training after X. Peng et al., "DNN+NeuroSim V2.0", IEEE TCAD 40(11), 2021; stage
// delays with M. Horowitz's ramp-input model (Stanford thesis, 1983; readout.hpp: horowitz_delay_s).
#pragma once

#include "neurosim/circuits/circuits.hpp"
#include "neurosim/design.hpp"

namespace neurosim {

// Clocked D flip-flops of transmission gates and inverters (12 minimum cells, see FlipFlops).
class FlipFlopModel {
public:
    FlipFlopModel(const FlipFlopParams& p, const TechnologyNode& t, double clock_hz);
    // Data is captured on one clock edge and passed on the next: half a clock period.
    double capture_delay_s() const { return 0.5 / clock_hz_; }
    // Capacitance the D input presents to its driver (a transmission-gate drain).
    double input_capacitance_f() const { return c_inv_out_; }
    // One clock cycle of every flip-flop, each taking new data.
    double energy_per_clock_j() const;

private:
    FlipFlopParams p_;
    const TechnologyNode& t_;
    double clock_hz_;
    double c_inv_out_ = 0;  // drain of a minimum inverter
};

// Shift-and-add units: an adder and a shift register per read-out (see ShiftAdders).
class ShiftAdderModel {
public:
    // `read_pulse_s`: the array read of the next cycle, behind which the shift-add of this one hides.
    ShiftAdderModel(const ShiftAdderParams& p, const TechnologyNode& t, double clock_hz, double read_pulse_s);
    // One add-and-register step.
    double step_delay_s() const;
    // `steps` consecutive steps in one read cycle; all but the last overlap the next array read.
    double delay_s(double steps) const;
    // `steps` steps of every unit: each adds once and clocks its whole register.
    double energy_j(double steps) const;
    double flip_flops() const;

private:
    ShiftAdderParams p_;
    const TechnologyNode& t_;
    double clock_hz_, read_pulse_s_;
};

// Binary trees of ripple-carry adders; each level halves the operands and widens them by one bit
// (see PartialSumTree). An odd operand left at a level is not added, as in the layout.
class PartialSumTreeModel {
public:
    PartialSumTreeModel(const PartialSumTreeParams& p, const TechnologyNode& t);
    int levels() const;
    // One sum through all levels (the output is registered elsewhere: no extra load).
    double delay_s() const;
    // One sum in each of the `trees` trees.
    double energy_j() const;

private:
    PartialSumTreeParams p_;
    const TechnologyNode& t_;
};

// ---------------------------------------------------------------- one layer

// Sizes of the hierarchy the partial sums cross, as the floorplan and the chip area size them.
struct AccumulationHierarchy {
    double tile_size = 1024;      // conventional tile side, weights
    double pe_size = 512;         // conventional PE side
    int pes_per_side = 2;         // conventional PEs along a tile side
    double novel_pe_size = 512;   // novel-tile PE side
    int novel_pes = 9;            // PEs (kernel positions) of a novel tile
    double chip_trees = 1;        // parallel trees of the chip-level adder
    int chip_bits = 8;            // operand width of the chip-level adder
};

// A layer as placed on the chip.
struct AccumulationLayer {
    double output_pixels = 1;  // outputs per image and output channel
    double weight_rows = 1;    // rows of the weight matrix (kernel x input channels)
    double output_channels = 1;
    double cell_cols = 1;  // columns of cells (output channels x cells per weight)
    bool novel = false;    // one PE per kernel position
    int tiles_along_rows = 1, tiles_along_cols = 1;
    double speedup_rows = 1, speedup_cols = 1;  // weight copies across PEs and sub-arrays
};

struct AccumulationCost {
    double latency_s = 0;  // per image
    double energy_j = 0;   // per image
};

// Accumulation of one read direction over one image: shift-add in every sub-array read-out, then
// the adder trees of PEs, tiles and chip.
class LayerAccumulation {
public:
    LayerAccumulation(const DesignContext& ctx, const AccumulationHierarchy& h, const AccumulationLayer& l);
    AccumulationCost cost(ReadDirection dir) const;

private:
    struct Readout {
        bool forward = true;
        double cycles = 8;            // input (or error) bits applied one per cycle
        double readouts = 16;         // ADCs of one sub-array in this direction
        double lines_per_adc = 8;     // array lines sharing one ADC
        double synapses_per_adc = 8;  // whole weights per ADC per cycle
        int partial_sum_bits = 16;    // a partial sum leaving a sub-array
        double shift_add_delay_s = 0, shift_add_energy_j = 0;  // one sub-array, one cycle
    };
    Readout readout(ReadDirection dir) const;
    // A PE holding `rows` x `cols` of the matrix, no copies inside: {latency, energy}.
    AccumulationCost pe(const Readout& r, double rows, double cols, double pe_side) const;
    AccumulationCost pe_grid(const Readout& r, double rows, double cols, double max_rows, double max_cols) const;
    AccumulationCost copies_in_every_pe(const Readout& r, double rows, double cols) const;
    AccumulationCost conventional_tile(const Readout& r, double rows, double cols) const;
    AccumulationCost novel_tile(const Readout& r, double rows, double cols) const;
    AccumulationCost tree(double sums, int inputs, int bits, double trees) const;
    double subarrays(double rows, double cols) const;
    int pe_output_bits(const Readout& r, double pe_side) const;

    const DesignContext& ctx_;
    AccumulationHierarchy h_;
    AccumulationLayer l_;
};

}  // namespace neurosim
