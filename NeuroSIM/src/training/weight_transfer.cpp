#include "neurosim/training/weight_transfer.hpp"

#include <algorithm>
#include <cmath>

namespace neurosim {

WeightChangeDelivery::WeightChangeDelivery(const DesignContext& ctx, const Floorplan& plan, const ChipArea& area)
    : ctx_(ctx), plan_(plan) {
    // The trees and their widths are the tiles' data paths (transfer.hpp); a novel tile takes the
    // weight changes through the conventional tile's input buffer.
    const DataMovementModels m = data_movement_models(ctx, plan, area);
    auto path = [&](const TileDataPath& tile) {
        return TileDeliveryPath{m.tile_conventional.input, tile.tree, tile.bus_bits};
    };
    conventional_ = path(m.tile_conventional);
    novel_ = plan.novel_pes_per_tile > 0 && plan.novel_pe_size > 0 ? path(m.tile_novel) : conventional_;
}

MoveCost WeightChangeDelivery::tile_cost(bool novel, double bits) const {
    const TileDeliveryPath& p = path(novel);
    const PassBits pass{bits, bits};
    const MoveCost buffer = buffer_pass(p.input_buffer, pass, p.bus_bits);
    const MoveCost tree = tree_pass(p.tree, pass, p.bus_bits);
    return {buffer.latency_s + tree.latency_s, buffer.energy_j + tree.energy_j};
}

MoveCost WeightChangeDelivery::layer_cost(const LayerShape& layer, const LayerPlacement& place) const {
    const double rows = static_cast<double>(layer.weight_rows());
    const double cols = static_cast<double>(layer.ofm_c) * ctx_.cols_per_synapse();
    // A tile holds this much of the matrix: a conventional tile a square block, a novel tile the rows of
    // all its kernel positions for one block of input channels.
    const double tile_rows =
        place.novel ? plan_.novel_pe_size * plan_.novel_pes_per_tile : plan_.conventional_tile_size;
    const double tile_cols = place.novel ? plan_.novel_pe_size : plan_.conventional_tile_size;
    const double along_rows = std::max(1.0, std::ceil(rows / tile_rows));
    const double along_cols = std::max(1.0, std::ceil(cols / tile_cols));
    MoveCost total;
    for (double i = 0; i < along_rows; ++i) {
        const double r = std::min(tile_rows, rows - i * tile_rows);
        for (double j = 0; j < along_cols; ++j) {
            const double c = std::min(tile_cols, cols - j * tile_cols);
            const MoveCost one = tile_cost(place.novel, r * c);
            total.latency_s += one.latency_s;
            total.energy_j += one.energy_j;
        }
    }
    return total;
}

}  // namespace neurosim
