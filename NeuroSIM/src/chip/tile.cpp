#include "neurosim/chip/tile.hpp"

#include <cmath>

#include "neurosim/circuits/buffer_kind.hpp"
#include "neurosim/circuits/circuits.hpp"

namespace neurosim {
namespace {

int accumulated_bits(const DesignContext& ctx, double pe_size) {
    const ArrayConfig& array_config = ctx.array_config;
    return static_cast<int>(std::ceil(std::log2(array_config.adc_levels)) + ctx.input_bits + ctx.cols_per_synapse() +
                            1 + std::ceil(std::log2(pe_size / array_config.subarray_rows)));
}

double core_bits(const BufferConfig& buffers) {
    return static_cast<double>(buffers.tile_buffer_core_rows) * buffers.tile_buffer_core_cols;
}

// Output buffer content per PE and cycle: partial sums when activation is done at chip level.
double output_bits_per_pe(const DesignContext& ctx, double pe_size) {
    return ctx.chip_config.chip_activation ? accumulated_bits(ctx, pe_size) : ctx.input_bits;
}

}  // namespace

BufferCores tile_buffer_cores(const DesignContext& ctx, int pes, double pe_size) {
    const ArrayConfig& array_config = ctx.array_config;
    BufferCores c;
    c.input = std::ceil(static_cast<double>(pes) * ctx.input_bits * array_config.subarray_rows /
                        core_bits(ctx.buffer_config));
    c.output = std::ceil(output_bits_per_pe(ctx, pe_size) * pes * array_config.subarray_cols /
                         array_config.columns_per_adc / core_bits(ctx.buffer_config));
    return c;
}

double tile_activation_units(const DesignContext& ctx, double pe_size) {
    const int readouts = ctx.array_config.subarray_cols / ctx.array_config.columns_per_adc;
    return std::ceil(pe_size * readouts);
}

Tile::Tile(const DesignContext& ctx, const SynapticSubArray& sa, const TileParams& p) {
    const ArrayConfig& array_config = ctx.array_config;
    const BufferConfig& buffer_config = ctx.buffer_config;
    const InterconnectConfig& interconnect_config = ctx.interconnect_config;
    const ChipConfig& chip_config = ctx.chip_config;
    const TechnologyNode& t = ctx.tech;
    const ProcessingElement pe(ctx, sa, p.pe_size);
    const double pe_side = pe.side_m();
    const double span = std::ceil(std::sqrt(p.pes)) * pe_side;
    const int readouts = array_config.subarray_cols / array_config.columns_per_adc;
    const PartialSumTree accumulation({p.accumulated_pes, accumulated_bits(ctx, p.pe_size),
                                       std::ceil(static_cast<double>(p.accumulated_pes) * readouts)},
                                      t);
    const double accumulation_m2 = accumulation.layout(Fit::to_width(span)).area_m2();

    // A buffer smaller than one core is built to size; otherwise it is made of full cores.
    const BufferKind& buffer = ctx.tile_buffer();
    auto core_area_m2 = [&](double bits, double interface_bits) {
        if (bits < core_bits(ctx.buffer_config)) return buffer.area_m2(ctx, {bits, interface_bits});
        return buffer.area_m2(ctx,
                              {core_bits(ctx.buffer_config), static_cast<double>(buffer_config.tile_buffer_core_cols)});
    };
    const double in_bits = static_cast<double>(p.accumulated_pes) * ctx.input_bits * array_config.subarray_rows;
    const double in_m2 = core_area_m2(in_bits, static_cast<double>(p.accumulated_pes) * array_config.subarray_rows) *
                         p.input_buffer_cores;
    const double out_per_pe = output_bits_per_pe(ctx, p.pe_size);
    const double out_bits = out_per_pe * p.accumulated_pes * readouts;
    const double out_m2 = core_area_m2(out_bits, out_per_pe * p.accumulated_pes) * p.output_buffer_cores;
    double relu_m2 = 0;
    if (!chip_config.chip_activation) {
        relu_m2 = ReluUnit({tile_activation_units(ctx, p.pe_size), ctx.input_bits}, t).area_m2();
    }
    const HTreeBus tree({p.htree_side, p.htree_side, interconnect_config.local_bus_delay_tolerance,
                         static_cast<double>(p.htree_side) * array_config.subarray_rows, ctx.wire_resistance_ohm_per_m},
                        t);
    // Tile H-tree wires fold 16 deep over the PEs.
    const double tree_m2 = tree.area_m2(pe_side, pe_side, 16);

    const AreaParts per_pe = pe.parts();
    parts_.cim_array_m2 = per_pe.cim_array_m2 * p.pes;
    parts_.adc_m2 = per_pe.adc_m2 * p.pes;
    parts_.accumulation_m2 = per_pe.accumulation_m2 * p.pes + accumulation_m2;
    parts_.other_m2 = per_pe.other_m2 * p.pes + in_m2 + out_m2 + relu_m2;
    parts_.routing_m2 = tree_m2;
    parts_.total_m2 = per_pe.total_m2 * p.pes + accumulation_m2 + in_m2 + out_m2 + relu_m2 + tree_m2;
    side_m_ = std::sqrt(parts_.total_m2);
}

}  // namespace neurosim
