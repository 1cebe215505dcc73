#include "neurosim/weight_transfer.hpp"

#include <algorithm>
#include <cmath>

#include "neurosim/processing_element.hpp"
#include "neurosim/sub_array.hpp"

namespace neurosim {

WeightChangeDelivery::WeightChangeDelivery(const DesignContext& ctx, const Floorplan& plan, const ChipArea& area)
    : ctx_(ctx), plan_(plan) {
    const HardwareConfig& hw = ctx.hw;
    const DataMovementModels m = data_movement_models(ctx, plan, area);
    const RepeatedWire tile_wire({ctx.wire_resistance_ohm_per_m, hw.local_bus_delay_tolerance, true}, ctx.tech);
    const SynapticSubArray sub_array(ctx);
    auto path = [&](int pes_per_side, double pe_size) {
        TileDeliveryPath p;
        p.input_buffer = m.tile_conventional.input;
        const double side = ProcessingElement(ctx, sub_array, pe_size).side_m();
        p.tree = HTreePath({pes_per_side, pes_per_side, side, side, ctx.wire_resistance_ohm_per_m}, tile_wire);
        p.bus_bits = static_cast<double>(pes_per_side) * hw.subarray_rows;
        return p;
    };
    conventional_ = path(plan.conventional_pes_per_side(), plan.conventional_pe_size);
    if (plan.novel_pes_per_tile > 0 && plan.novel_pe_size > 0) {
        const int side = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(plan.novel_pes_per_tile))));
        novel_ = path(side, plan.novel_pe_size);
    } else {
        novel_ = conventional_;
    }
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
