// Chip: tiles on a global H-tree, global buffer, chip-level accumulation, activation and pooling,
// and the weight-gradient unit for on-chip training.
#pragma once

#include "neurosim/design.hpp"
#include "neurosim/floorplan.hpp"
#include "neurosim/trace.hpp"

namespace neurosim {

struct ChipArea {
    AreaParts chip;
    AreaParts novel_tile;         // one tile of the novel mapping (zero without it)
    AreaParts conventional_tile;  // one tile of the conventional mapping
    double global_bus_width_bits = 0;
    int arrays_written_in_parallel = 0;  // weight-update parallelism the gradient buffer allows
};

ChipArea estimate_chip_area(const DesignContext& ctx, const Network& network, const Floorplan& plan);

}  // namespace neurosim
