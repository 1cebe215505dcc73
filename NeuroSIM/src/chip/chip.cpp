#include "neurosim/chip/chip.hpp"

#include <algorithm>
#include <cmath>

#include "neurosim/array/sub_array.hpp"
#include "neurosim/chip/tile.hpp"
#include "neurosim/circuits/buffer_kind.hpp"
#include "neurosim/circuits/circuits.hpp"
#include "neurosim/training/weight_gradient.hpp"

namespace neurosim {
namespace {

struct ChipBudget {
    double max_layer_input_values = 0;  // values in the largest input feature map (summed when pipelined)
    std::size_t largest_input_layer = 0;
    double global_bus_width_bits = 0;
    double max_tiles_added = 0;  // tiles whose partial sums meet at chip level
};

ChipBudget chip_budget(const DesignContext& ctx, const Network& net, const Floorplan& plan) {
    const ArrayConfig& array_config = ctx.array_config;
    const InterconnectConfig& interconnect_config = ctx.interconnect_config;
    const ChipConfig& chip_config = ctx.chip_config;
    ChipBudget b;
    const double novel_span = plan.novel_pe_size * std::ceil(std::sqrt(static_cast<double>(plan.novel_pes_per_tile)));
    for (std::size_t i = 0; i < net.size(); ++i) {
        const LayerShape& l = net[i];
        const double input = static_cast<double>(l.ifm_h) * l.ifm_w * l.ifm_c;
        const double span = plan.layers[i].novel ? novel_span : plan.conventional_tile_size;
        const double width = span + span / array_config.columns_per_adc;  // inputs plus read-out outputs
        if (!chip_config.pipeline) {
            if (input > b.max_layer_input_values) {
                b.max_layer_input_values = input;
                b.largest_input_layer = i;
            }
            b.global_bus_width_bits += width;
        } else {
            b.max_layer_input_values += input / 2;
            b.global_bus_width_bits += width * plan.layers[i].tiles();
        }
        b.max_tiles_added = std::max(b.max_tiles_added, static_cast<double>(plan.layers[i].tiles_along_rows));
    }
    while (b.global_bus_width_bits > interconnect_config.max_global_bus_width_bits) b.global_bus_width_bits /= 2;
    return b;
}

// Tiles of both kinds; returns the chip sum and fills the per-tile results.
AreaParts tiles_area(const DesignContext& ctx, const Floorplan& plan, ChipArea* out, double* tile_side_m) {
    const SynapticSubArray sub_array(ctx);
    const int pes_side = plan.conventional_pes_per_side();
    // Both tile kinds size their buffers by the conventional tile, as the calibration reference does.
    const BufferCores cores = tile_buffer_cores(ctx, pes_side, plan.conventional_pe_size);
    const Tile conventional(
        ctx, sub_array,
        {std::pow(pes_side, 2), plan.conventional_pe_size, pes_side, pes_side, cores.input, cores.output});
    out->conventional_tile = conventional.parts();
    *tile_side_m = conventional.side_m();
    AreaParts sum = conventional.parts().scaled(plan.conventional_tile_count);
    if (ctx.array_config.mapping == Mapping::novel) {
        const int side = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(plan.novel_pes_per_tile))));
        const Tile novel(ctx, sub_array,
                         {static_cast<double>(plan.novel_pes_per_tile), plan.novel_pe_size, plan.novel_pes_per_tile,
                          side, cores.input, cores.output});
        out->novel_tile = novel.parts();
        sum += novel.parts().scaled(plan.novel_tile_count);
        *tile_side_m = std::max(*tile_side_m, novel.side_m());
    }
    return sum;
}

struct TrainingStorage {
    double buffer_bits = 0;         // global buffer including the weight-gradient share
    double parallel_arrays = 0;     // sub-arrays whose gradients are accumulated at once
    double weight_gradient_m2 = 0;  // gradient unit plus batch accumulators
    int arrays_in_row = 0, arrays_in_col = 0, output_bits = 0;
};

TrainingStorage training_storage(const DesignContext& ctx, const Network& net, const ChipBudget& budget,
                                 double buffer_height_m) {
    const ArrayConfig& array_config = ctx.array_config;
    const TrainingConfig& training_config = ctx.training_config;
    TrainingStorage s;
    s.buffer_bits = std::floor(ctx.input_bits * budget.max_layer_input_values);
    if (!training_config.training_estimation) return s;
    const double array_bits = static_cast<double>(array_config.subarray_rows) * array_config.subarray_cols;
    const double batch_bits = std::ceil(std::log2(ctx.batch_size));
    // The calibration reference sizes the first gradient buffer before the gradient precision is known, so it
    // holds only the batch-accumulation bits; the buffer then doubles up to the overhead limit.
    double overhead = array_bits * ctx.cols_per_synapse() * batch_bits;
    s.parallel_arrays = std::floor(overhead / (array_bits * ctx.weight_bits));
    while (s.buffer_bits + overhead < s.buffer_bits * (training_config.buffer_overhead_constraint + 1)) {
        overhead *= 2;
        s.parallel_arrays *= 2;
    }
    s.buffer_bits += overhead;
    const LayerShape& big = net[budget.largest_input_layer];
    const double big_pixels = big.counted_output_pixels(ctx.quirk(Quirk::output_pixels_without_padding));
    const WeightGradientEngine unit(ctx, {static_cast<int>(big_pixels), big.ifm_c * ctx.input_bits});
    s.arrays_in_row = unit.arrays_in_row();
    s.arrays_in_col = unit.arrays_in_col();
    s.output_bits = unit.output_bits();
    s.weight_gradient_m2 =
        unit.area_m2() + gradient_accumulator_area_m2(ctx, unit.output_bits() + static_cast<int>(batch_bits),
                                                      s.parallel_arrays * array_bits, buffer_height_m);
    return s;
}

struct ChipLogic {
    double accumulation_m2 = 0;
    double activation_m2 = 0;
    double accumulation_trees = 0;
    int accumulation_bits = 0;
};

// Adder tree joining tile outputs and the activation units, sized by the widest tile output.
ChipLogic chip_logic(const DesignContext& ctx, const Network& net, const Floorplan& plan, const ChipBudget& budget,
                     double buffer_height_m) {
    const ArrayConfig& array_config = ctx.array_config;
    const ChipConfig& chip_config = ctx.chip_config;
    const int pes_side = plan.conventional_pes_per_side();
    double adds = std::ceil(plan.conventional_pe_size / array_config.subarray_rows) * pes_side;
    if (array_config.mapping == Mapping::novel) {
        const double side = std::ceil(std::sqrt(static_cast<double>(plan.novel_pes_per_tile)));
        adds = std::max(std::ceil(plan.conventional_pe_size / array_config.subarray_rows),
                        std::ceil(plan.novel_pe_size / array_config.subarray_rows)) *
               std::max(static_cast<double>(pes_side), side);
    }
    if (chip_config.pipeline) adds *= static_cast<double>(net.size() + 1);
    const double outputs = chip_activation_units(ctx, plan);
    int bits = ctx.input_bits;
    if (chip_config.chip_activation) {
        bits = static_cast<int>(std::ceil(std::log2(array_config.adc_levels)) + ctx.input_bits +
                                ctx.cols_per_synapse() + 1 + std::ceil(std::log2(std::floor(adds))));
    }
    ChipLogic logic;
    logic.accumulation_trees = outputs;
    logic.accumulation_bits = bits;
    logic.accumulation_m2 = PartialSumTree({static_cast<int>(budget.max_tiles_added), bits, outputs}, ctx.tech)
                                .layout(Fit::to_width(buffer_height_m / 3))
                                .area_m2();
    if (chip_config.chip_activation) logic.activation_m2 = ReluUnit({outputs, ctx.input_bits}, ctx.tech).area_m2();
    return logic;
}

}  // namespace

double chip_activation_units(const DesignContext& ctx, const Floorplan& plan) {
    const ArrayConfig& array_config = ctx.array_config;
    const ChipConfig& chip_config = ctx.chip_config;
    double throughput = plan.conventional_tile_size;  // outputs of the widest tile
    if (array_config.mapping == Mapping::novel) {
        const double side = std::ceil(std::sqrt(static_cast<double>(plan.novel_pes_per_tile)));
        throughput = std::max(plan.conventional_tile_size, side * plan.novel_pe_size);
    }
    if (chip_config.pipeline) throughput *= static_cast<double>(plan.layers.size() + 1);
    return std::ceil(throughput / array_config.columns_per_adc);
}

ActivationCost relu_cost(const DesignContext& ctx, const Floorplan& plan, const LayerPlacement& place,
                         double activations) {
    double units = chip_activation_units(ctx, plan);
    if (!ctx.chip_config.chip_activation) {
        const double pe_size = place.novel ? plan.novel_pe_size : plan.conventional_pe_size;
        units = tile_activation_units(ctx, pe_size) * place.tiles_along_cols;
    }
    units = std::max(1.0, units);
    return activation_register_cost(ctx, units, std::ceil(activations / units));
}

ChipArea estimate_chip_area(const DesignContext& ctx, const Network& net, const Floorplan& plan) {
    const BufferConfig& buffer_config = ctx.buffer_config;
    const InterconnectConfig& interconnect_config = ctx.interconnect_config;
    const TechnologyNode& t = ctx.tech;
    ChipArea out;
    double tile_side_m = 0;
    AreaParts chip = tiles_area(ctx, plan, &out, &tile_side_m);
    const ChipBudget budget = chip_budget(ctx, net, plan);
    out.global_bus_width_bits = budget.global_bus_width_bits;
    // The global buffer and the accumulators run along one side of the tile grid.
    const double buffer_height_m = plan.tile_grid_rows * tile_side_m;

    const TrainingStorage storage = training_storage(ctx, net, budget, buffer_height_m);
    out.arrays_written_in_parallel = static_cast<int>(storage.parallel_arrays);
    out.wg_arrays_in_row = storage.arrays_in_row;
    out.wg_arrays_in_col = storage.arrays_in_col;
    out.wg_output_bits = storage.output_bits;
    out.tile_side_m = tile_side_m;
    const double core_bits =
        static_cast<double>(buffer_config.global_buffer_core_rows) * buffer_config.global_buffer_core_cols;
    out.global_buffer_cores = std::floor(storage.buffer_bits / core_bits);
    const double buffer_m2 =
        ctx.global_buffer().area_m2(ctx, {core_bits, static_cast<double>(buffer_config.global_buffer_core_cols)}) *
        std::floor(storage.buffer_bits / core_bits);
    const HTreeBus tree({plan.tile_grid_rows, plan.tile_grid_cols, interconnect_config.global_bus_delay_tolerance,
                         budget.global_bus_width_bits, ctx.wire_resistance_ohm_per_m},
                        t);
    const double tree_m2 = tree.area_m2(tile_side_m, tile_side_m, interconnect_config.tree_folded_ratio);
    const double pool_m2 = MaxPoolUnit({ctx.input_bits, 4, plan.conventional_tile_size}, t).area_m2();
    const ChipLogic logic = chip_logic(ctx, net, plan, budget, buffer_height_m);

    out.accumulation_trees = logic.accumulation_trees;
    out.accumulation_bits = logic.accumulation_bits;
    chip.routing_m2 += tree_m2;
    chip.accumulation_m2 += logic.accumulation_m2;
    chip.other_m2 += buffer_m2 + pool_m2 + logic.activation_m2;
    chip.weight_gradient_m2 = storage.weight_gradient_m2;
    chip.total_m2 +=
        tree_m2 + logic.accumulation_m2 + buffer_m2 + pool_m2 + logic.activation_m2 + storage.weight_gradient_m2;
    out.chip = chip;
    return out;
}

}  // namespace neurosim
