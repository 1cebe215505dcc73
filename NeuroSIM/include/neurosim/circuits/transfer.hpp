// Electrical models of data movement: buffer cores (register file or SRAM), repeated wires, the
// H-trees that join tiles and PEs, and the short buses inside a PE. Each block reports the time of one
// access or one transfer and the energy of one bit, from device and wire parameters. The organisation
// (what is read how often, where wires are widened) follows NeuroSim (P.-Y. Chen, X. Peng, S. Yu,
// IEEE TCAD 37(12), 2018; X. Peng et al., "DNN+NeuroSim V2.0", IEEE TCAD 40(11), 2021).
#pragma once

#include "neurosim/chip/chip.hpp"
#include "neurosim/circuits/circuits.hpp"
#include "neurosim/circuits/repeated_wire.hpp"
#include "neurosim/technology/technology.hpp"

namespace neurosim {

// Share of the wire and gate capacitance charged from the supply per transferred bit: a random bit
// toggles half the time and draws C*V^2 from the supply only on its rising half.
constexpr double kDataSwitchingActivity = 0.25;

// Delay of a stage that charges `cap_f` through `res_ohm` to half swing (step input, Elmore).
double half_swing_delay_s(double res_ohm, double cap_f);

// Energies of one D flip-flop (master-slave, transmission gates and inverters of minimum size).
struct FlipFlopEnergy {
    double clock_j = 0;  // clock inverters and clocked transmission gates, every cycle
    double data_j = 0;   // D-to-Q path when a bit is captured and passed on
};
FlipFlopEnergy flip_flop_energy(const TechnologyNode& t);

// One buffer core read and written `interface_bits` at a time.
struct BufferTimingParams {
    BufferParams layout;
    double clock_hz = 1e9;
    double wire_resistance_ohm_per_m = 0;
    double sram_access_width_f = 1.31;  // SRAM cell transistors, in F
    double sram_pulldown_width_f = 2.08;
    double sram_sense_voltage_v = 0.1;  // bit-line swing the sense amplifier resolves
};
class BufferAccess {
public:
    BufferAccess(const BufferTimingParams& p, const TechnologyNode& t);
    double line_latency_s() const { return line_latency_s_; }  // one line read or written
    double bit_energy_j() const { return bit_energy_j_; }      // one bit read or written
    double lines() const { return lines_; }

private:
    double lines_ = 1;
    double line_latency_s_ = 0;
    double bit_energy_j_ = 0;
};

// Root-to-leaf path of an H-tree over a grid of units (tiles on the chip, PEs in a tile), plus the
// trunk from the tree centre to the nearest grid edge where the buffer sits. The three top levels are
// drawn 4x the minimum wire width and the levels below 2x.
struct HTreePathParams {
    int rows = 2;
    int cols = 2;
    double unit_height_m = 0;
    double unit_width_m = 0;
    double base_wire_resistance_ohm_per_m = 1e6;  // minimum-width wire
    // Quirk htree_latency_double_segments: time each level over twice its length, as if it started
    // at the full grid side, and leave out the leaf branch (the energy keeps the geometry).
    bool latency_over_double_segments = false;
};
class HTreePath {
public:
    HTreePath() = default;
    HTreePath(const HTreePathParams& p, const RepeatedWire& wire);
    double length_m() const { return length_m_; }
    double delay_s() const { return delay_s_; }            // one word from root to leaf
    double bit_energy_j() const { return bit_energy_j_; }  // one bit from root to leaf

private:
    double length_m_ = 0, delay_s_ = 0, bit_energy_j_ = 0;
};

// Wire width multiple of an H-tree level (0 = top).
double htree_wire_width_multiple(int level);

// A buffer built of identical cores accessed in parallel.
struct CoreBuffer {
    double interface_bits = 0;  // bits per line of one core
    double cores = 1;
    double line_latency_s = 0;
    double bit_energy_j = 0;
};

// The bus between the sub-arrays of a PE: inputs run along a row of sub-arrays, outputs down a column.
struct PeBus {
    int subarrays_per_side = 1;
    double input_length_m = 0;   // across the sub-arrays' width
    double output_length_m = 0;  // across their height
    double delay_s_per_m = 0;
    double bit_energy_j_per_m = 0;
};

// Width of a partial sum once a sub-array has combined the cell columns of a weight and the input
// cycles: ADC code, one bit per input cycle, one per cell column of a weight (shift-adding
// `cols_per_synapse` columns multiplies the range by up to 2^cols_per_synapse - 1) and a sign bit. The
// same width the accumulation adders are built for (accumulation.cpp).
int subarray_partial_sum_bits(int adc_bits, int input_cycles, int cols_per_synapse);

// Buffers and H-tree of one kind of tile, which holds a square grid of PEs.
struct TileDataPath {
    int pe_grid_side = 1;    // PEs along one side of the tile
    CoreBuffer input, output;
    double bus_bits = 0;     // width of the tile H-tree: one input per sub-array row of a row of PEs
    HTreePath tree;
    int adder_bits = 0;      // partial sum leaving a PE's adder tree (the word that leaves the tile)
};

// Everything the data-movement costs of a layer are computed from, for one design.
struct DataMovementModels {
    CoreBuffer global_buffer;
    HTreePath global_tree_conventional, global_tree_novel;
    TileDataPath tile_conventional, tile_novel;
    FlipFlopEnergy flip_flop;
    PeBus pe_bus_conventional, pe_bus_novel;
    int pe_adder_bits = 0;        // partial sum leaving a PE's adder tree
    double pe_output_flops = 0;   // output register of a PE
};

DataMovementModels data_movement_models(const DesignContext& ctx, const Floorplan& plan, const ChipArea& area);

// Latency and energy of moving some data.
struct MoveCost {
    double latency_s = 0;
    double energy_j = 0;
};

// Bits moved in one pass: through the fullest unit (units work in parallel, so it sets the latency)
// and through all units together (energy).
struct PassBits {
    double fullest = 0;
    double all = 0;
};

// Writing and then reading `bits` through a buffer whose cores work in parallel up to `bus_bits`.
MoveCost buffer_pass(const CoreBuffer& buffer, const PassBits& bits, double bus_bits);
// Sending `bits` over an H-tree `bus_bits` wide.
MoveCost tree_pass(const HTreePath& tree, const PassBits& bits, double bus_bits);
// Cores of `buffer` a bus of `bus_bits` reaches at once (they work in parallel).
double buffer_parallel_cores(const CoreBuffer& buffer, double bus_bits);

// What the PEs of a layer hold and see in one read-out pass.
struct PeTraffic {
    double rows_fullest = 0, cols_fullest = 0;  // weight rows and cell columns of the fullest PE
    double rows_all = 0, cols_all = 0;          // summed over the PEs of one weight copy
    double input_cycles = 0;                    // output pixels x input bits
    double pixels = 0;                          // output pixels
    double cols_per_synapse = 1;
};
// Input and output registers of the PEs: an access takes half a clock; every access clocks the whole
// register and the changing bits move through their flip-flops.
MoveCost pe_registers(const DataMovementModels& m, const ChipConfig& chip, const ArrayConfig& array,
                      const PeTraffic& pe);
// Buses between the sub-arrays of a PE: inputs across a row of sub-arrays, read-outs down a column.
MoveCost pe_buses(const PeBus& bus, const ArrayConfig& array, const PeTraffic& pe);

}  // namespace neurosim
