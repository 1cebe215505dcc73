// Delivering a batch's weight changes to the synaptic arrays before they are programmed.
//
// The changes (one bit per cell) leave the global buffer tile by tile: each tile writes them into its
// input buffer, reads them out again and sends them down its H-tree to the PEs. The global buffer feeds
// one tile at a time, so the tiles' delivery times add up; the arrays written in parallel share that
// time. Energy counts every bit through the buffer and the tree. The tree of a tile spans its PE grid:
// `conventional_pes_per_side()` squared for a conventional tile, the kernel positions laid out square
// (ceil(sqrt(k))^2) for a novel tile. The input buffer's cores work in parallel up to the tree's width,
// as they do for the activations (buffer_pass). NeuroSim V2.1 drops that parallelism for the weight
// changes only (it recomputes the buffer time without the division by the cores it applies to the
// activations), which makes its delivery time about 1.85x ours. The accounting follows NeuroSim
// (P.-Y. Chen, X. Peng, S. Yu, "NeuroSim", IEEE TCAD 37(12), 2018; X. Peng et al., "DNN+NeuroSim V2.0",
// IEEE TCAD 40(11), 2021).
#pragma once

#include "neurosim/chip/chip.hpp"
#include "neurosim/chip/floorplan.hpp"
#include "neurosim/circuits/transfer.hpp"
#include "neurosim/design.hpp"
#include "neurosim/io/trace.hpp"

namespace neurosim {

// Path from a tile's input port to its PEs.
struct TileDeliveryPath {
    CoreBuffer input_buffer;  // the tile input buffer (register file or SRAM cores)
    HTreePath tree;           // the tile H-tree over its PE grid
    double bus_bits = 1;      // width of the tree: one sub-array row of lanes per PE along a side
};

// The tile paths of one design: conventional tiles and (with novel mapping) novel tiles.
class WeightChangeDelivery {
public:
    WeightChangeDelivery(const DesignContext& ctx, const Floorplan& plan, const ChipArea& area);

    const TileDeliveryPath& path(bool novel) const { return novel ? novel_ : conventional_; }
    // Moving `bits` through one tile (input buffer written then read, and the tree).
    MoveCost tile_cost(bool novel, double bits) const;
    // All tiles of one layer: rows x cell columns of the weight matrix, cut as the floorplan places them.
    MoveCost layer_cost(const LayerShape& layer, const LayerPlacement& place) const;

private:
    const DesignContext& ctx_;
    const Floorplan& plan_;
    TileDeliveryPath conventional_, novel_;
};

}  // namespace neurosim
