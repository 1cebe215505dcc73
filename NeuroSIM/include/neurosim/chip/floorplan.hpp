// Floorplan: how the network's weight matrices are cut into tiles, PEs and sub-arrays.
#pragma once

#include <vector>

#include "neurosim/hardware_config.hpp"
#include "neurosim/io/trace.hpp"

namespace neurosim {

struct FloorplanParams {
    int weight_bits = 5;  // synapse precision
    int cell_bits = 5;    // effective bits per cell
    int subarray_rows = 128;
    int subarray_cols = 128;
    Mapping mapping = Mapping::novel;
    bool pipeline = false;
    int speedup_degree = 1;

    int cols_per_synapse() const { return (weight_bits + cell_bits - 1) / cell_bits; }
};

struct LayerPlacement {
    bool novel = false;                          // mapped with one PE per kernel position
    int tiles_along_rows = 0;                    // tiles stacked over the weight matrix rows
    int tiles_along_cols = 0;                    // tiles side by side over its columns
    int pe_dup_rows = 1, pe_dup_cols = 1;        // weight copies across PEs of a tile
    int array_dup_rows = 1, array_dup_cols = 1;  // weight copies across sub-arrays of a PE
    double speedup_rows = 1, speedup_cols = 1;
    double utilization = 0;  // share of the layer's tile memory holding weights

    int tiles() const { return tiles_along_rows * tiles_along_cols; }
    double speedup() const { return speedup_rows * speedup_cols; }
};

struct Floorplan {
    int novel_pes_per_tile = 0;  // kernel positions per novel tile (0 without novel mapping)
    double novel_pe_size = 0;    // rows = columns of a novel-tile PE
    double novel_tile_count = 0;
    double conventional_tile_size = 0;
    double conventional_pe_size = 0;
    double conventional_tile_count = 0;
    int tile_grid_rows = 0;  // chip grid of tiles
    int tile_grid_cols = 0;
    std::vector<LayerPlacement> layers;
    double chip_utilization = 0;

    int conventional_pes_per_side() const;
};

// Sizes tiles and PEs to maximise memory utilization and places each layer, deciding exactly as
// the calibration reference (DNN+NeuroSim V2.1) does.
// Throws std::runtime_error when the sub-array is too large for the chosen hierarchy.
Floorplan plan_floorplan(const Network& network, const FloorplanParams& params);

}  // namespace neurosim
