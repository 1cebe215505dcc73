// Static (leakage) power of the logic a tile holds while it is powered.
//
// A CMOS gate at rest draws the sub-threshold off-current of the devices that are off between Vdd
// and ground. Per gate we take the state that leaks most, with the published average stacking
// factors of series devices (two- and three-high stacks leak 0.48 and 0.31 of one device for NAND
// pull-ups, 0.95 and 0.62 for NOR pull-downs; CACTI, as used by NeuroSim: P.-Y. Chen, X. Peng,
// S. Yu, "NeuroSim", IEEE TCAD 37(12), 2018; X. Peng et al., "DNN+NeuroSim V2.0", IEEE TCAD 40(11),
// 2021). Off-currents come from the technology at the operating temperature, so leakage rises with
// temperature and is far larger for high-performance than for low-standby-power transistors.
//
// Each block is counted from the same gates and sizes the area model lays out (src/circuits.cpp,
// sub_array.cpp, processing_element.cpp, tile.cpp). Transmission gates and pass switches add no
// supply-to-ground path and do not leak here; sense-amplifier comparators sit behind their enable
// switch, which is off while idle, so they do not leak either.
#pragma once

#include "neurosim/chip/tile.hpp"
#include "neurosim/circuits/repeated_wire.hpp"
#include "neurosim/design.hpp"
#include "neurosim/technology/gate.hpp"
#include "neurosim/technology/technology.hpp"

namespace neurosim {

// Off-current (A) of one gate with `inputs` inputs in its leakiest state.
double gate_leakage_current_a(GateKind kind, int inputs, double nmos_width_m, double pmos_width_m,
                              const TechnologyNode& tech);

// Leakage power (W) of common blocks, at the technology's Vdd and operating temperature.
double flip_flop_leakage_w(double count, const TechnologyNode& t);           // master-slave D flip-flops
double shift_adder_leakage_w(int units, int adder_bits, int pulses, const TechnologyNode& t);
double adder_tree_leakage_w(int inputs, int bits, double trees, const TechnologyNode& t);
double encoder_leakage_w(int levels, double count, const TechnologyNode& t);
// A 6T SRAM cell holding its state: one pull-down and one pull-up off; the floating bit lines add none.
double sram_cell_leakage_w(const CellConfig& cell, const TechnologyNode& t);
// Register-file or SRAM buffer core of `bits` bits accessed `interface_bits` at a time.
double buffer_leakage_w(double bits, double interface_bits, bool sram, const CellConfig& cell, const TechnologyNode& t);
// Repeaters of an H-tree of `rows` x `cols` units of the given size, `bus_bits` wires wide, one
// `repeaters` inverter per spacing along every wire.
double htree_leakage_w(int rows, int cols, double unit_height_m, double unit_width_m, double bus_bits,
                       const RepeatedWire& repeaters);

// Leakage of one sub-array's periphery (and its SRAM cells), forward and transposed read-outs; the
// transposed read-out is power-gated when `transposed_active` is false (a layer without activation
// gradient).
double sub_array_leakage_w(const DesignContext& ctx, bool transposed_active = true);

// Leakage of one PE of `pe_size` weights per side: its sub-arrays, adder tree and registers. Only the
// adder-tree stages joining `active_tree_inputs` sub-array rows leak: the stages a layer does not use
// are power-gated (a negative count keeps the whole tree powered).
double processing_element_leakage_w(const DesignContext& ctx, double pe_size, int active_tree_inputs = -1,
                                    bool transposed_active = true);

// What a tile holds, as the area model builds it, and what of it a layer uses.
struct TileLeakageParams : TileParams {
    // Inputs of the PE adder trees and of the tile adder tree the layer uses; idle stages are
    // power-gated. Negative: the whole tree.
    int active_pe_tree_inputs = -1;
    int active_accumulation_inputs = -1;
    bool transposed_active = true;  // the layer computes an activation gradient
};
double tile_leakage_w(const DesignContext& ctx, const TileLeakageParams& p);

}  // namespace neurosim
