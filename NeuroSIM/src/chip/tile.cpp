#include "neurosim/chip/tile.hpp"

#include <cmath>

#include "neurosim/circuits/buffer_kind.hpp"
#include "neurosim/circuits/circuits.hpp"

namespace neurosim {
namespace {

int accumulated_bits(const DesignContext& ctx, double pe_size) {
    const HardwareConfig& hw = ctx.hw;
    return static_cast<int>(std::ceil(std::log2(hw.adc_levels)) + ctx.input_bits + ctx.cols_per_synapse() + 1 +
                            std::ceil(std::log2(pe_size / hw.subarray_rows)));
}

double core_bits(const HardwareConfig& hw) {
    return static_cast<double>(hw.tile_buffer_core_rows) * hw.tile_buffer_core_cols;
}

// Output buffer content per PE and cycle: partial sums when activation is done at chip level.
double output_bits_per_pe(const DesignContext& ctx, double pe_size) {
    return ctx.hw.chip_activation ? accumulated_bits(ctx, pe_size) : ctx.input_bits;
}

}  // namespace

BufferCores tile_buffer_cores(const DesignContext& ctx, int pes, double pe_size) {
    const HardwareConfig& hw = ctx.hw;
    BufferCores c;
    c.input = std::ceil(static_cast<double>(pes) * ctx.input_bits * hw.subarray_rows / core_bits(hw));
    c.output =
        std::ceil(output_bits_per_pe(ctx, pe_size) * pes * hw.subarray_cols / hw.columns_per_adc / core_bits(hw));
    return c;
}

double tile_activation_units(const DesignContext& ctx, double pe_size) {
    const int readouts = ctx.hw.subarray_cols / ctx.hw.columns_per_adc;
    return std::ceil(pe_size * readouts);
}

Tile::Tile(const DesignContext& ctx, const SynapticSubArray& sa, const TileParams& p) {
    const HardwareConfig& hw = ctx.hw;
    const TechnologyNode& t = ctx.tech;
    const ProcessingElement pe(ctx, sa, p.pe_size);
    const double pe_side = pe.side_m();
    const double span = std::ceil(std::sqrt(p.pes)) * pe_side;
    const int readouts = hw.subarray_cols / hw.columns_per_adc;
    const PartialSumTree accumulation({p.accumulated_pes, accumulated_bits(ctx, p.pe_size),
                                       std::ceil(static_cast<double>(p.accumulated_pes) * readouts)},
                                      t);
    const double accumulation_m2 = accumulation.layout(Fit::to_width(span)).area_m2();

    // A buffer smaller than one core is built to size; otherwise it is made of full cores.
    const BufferKind& buffer = ctx.tile_buffer();
    auto core_area_m2 = [&](double bits, double interface_bits) {
        if (bits < core_bits(hw)) return buffer.area_m2(ctx, {bits, interface_bits});
        return buffer.area_m2(ctx, {core_bits(hw), static_cast<double>(hw.tile_buffer_core_cols)});
    };
    const double in_bits = static_cast<double>(p.accumulated_pes) * ctx.input_bits * hw.subarray_rows;
    const double in_m2 =
        core_area_m2(in_bits, static_cast<double>(p.accumulated_pes) * hw.subarray_rows) * p.input_buffer_cores;
    const double out_per_pe = output_bits_per_pe(ctx, p.pe_size);
    const double out_bits = out_per_pe * p.accumulated_pes * readouts;
    const double out_m2 = core_area_m2(out_bits, out_per_pe * p.accumulated_pes) * p.output_buffer_cores;
    double relu_m2 = 0;
    if (!hw.chip_activation) {
        relu_m2 = ReluUnit({tile_activation_units(ctx, p.pe_size), ctx.input_bits}, t).area_m2();
    }
    const HTreeBus tree({p.htree_side, p.htree_side, hw.local_bus_delay_tolerance,
                         static_cast<double>(p.htree_side) * hw.subarray_rows, ctx.wire_resistance_ohm_per_m},
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
