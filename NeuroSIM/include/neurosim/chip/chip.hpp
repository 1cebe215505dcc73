// Chip: tiles on a global H-tree, global buffer, chip-level accumulation, activation and pooling,
// and the weight-gradient unit for on-chip training.
#pragma once

#include "neurosim/array/readout.hpp"
#include "neurosim/chip/floorplan.hpp"
#include "neurosim/design.hpp"
#include "neurosim/io/trace.hpp"

namespace neurosim {

struct ChipArea {
    AreaParts chip;
    AreaParts novel_tile;         // one tile of the novel mapping (zero without it)
    AreaParts conventional_tile;  // one tile of the conventional mapping
    double global_bus_width_bits = 0;
    int arrays_written_in_parallel = 0;  // weight-update parallelism the gradient buffer allows
    double global_buffer_cores = 0;      // cores of the global buffer, read in parallel
    double tile_side_m = 0;              // the larger tile kind
    int wg_arrays_in_row = 0;            // sub-arrays of the weight-gradient unit along its rows
    int wg_arrays_in_col = 0;            // and along its columns
    int wg_output_bits = 0;              // precision of one weight gradient
    double accumulation_trees = 0;       // parallel adder trees of the chip-level accumulation
    int accumulation_bits = 0;           // their operand width
};

ChipArea estimate_chip_area(const DesignContext& ctx, const Network& network, const Floorplan& plan);

// Activation units of the chip-level ReLU: one per ADC output of the widest tile (of every stage when
// pipelined). The chip's activation area and its ReLU timing both use this count.
double chip_activation_units(const DesignContext& ctx, const Floorplan& plan);

// The ReLU of one layer's outputs on activation registers (readout.hpp). With `chip_activation` the
// chip's units do it; without, the units inside the tiles that hold the layer's output columns, in
// parallel.
ActivationCost relu_cost(const DesignContext& ctx, const Floorplan& plan, const LayerPlacement& place,
                         double activations);

}  // namespace neurosim
