// Tile: PEs on an H-tree, the adder tree across PEs, and input/output buffers.
#pragma once

#include "neurosim/chip/processing_element.hpp"
#include "neurosim/design.hpp"

namespace neurosim {

struct TileParams {
    double pes = 4;           // PEs laid out in the tile
    double pe_size = 512;     // weights per PE side
    int accumulated_pes = 2;  // PEs whose outputs the tile adder tree joins
    int htree_side = 2;       // PEs per side of the tile H-tree
    // Buffer cores, counted for the conventional tile as the calibration reference does.
    double input_buffer_cores = 1;
    double output_buffer_cores = 1;
};

// Buffer cores a tile of `pes` PEs of `pe_size` needs: {input, output}.
struct BufferCores {
    double input = 0;
    double output = 0;
};
BufferCores tile_buffer_cores(const DesignContext& ctx, int pes, double pe_size);

// Activation units inside a tile whose PEs are `pe_size` on a side, when `chip_activation` is off:
// pe_size times the ADCs of a sub-array. The tile's area and its ReLU timing both use this count.
double tile_activation_units(const DesignContext& ctx, double pe_size);

class Tile {
public:
    Tile(const DesignContext& ctx, const SynapticSubArray& sub_array, const TileParams& p);
    double side_m() const { return side_m_; }
    const AreaParts& parts() const { return parts_; }

private:
    double side_m_ = 0;
    AreaParts parts_;
};

}  // namespace neurosim
