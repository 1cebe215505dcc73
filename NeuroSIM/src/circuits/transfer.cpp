#include "neurosim/circuits/transfer.hpp"

#include <algorithm>
#include <cmath>

#include "neurosim/array/readout.hpp"
#include "neurosim/array/sub_array.hpp"
#include "neurosim/chip/processing_element.hpp"
#include "neurosim/chip/tile.hpp"
#include "neurosim/circuits/address_decoder.hpp"
#include "neurosim/circuits/buffer_kind.hpp"
#include "neurosim/technology/gate.hpp"

namespace neurosim {

double half_swing_delay_s(double res_ohm, double cap_f) {
    return std::log(2.0) * res_ohm * cap_f;
}

namespace {

GateCapacitance inverter_caps(double size, const TechnologyNode& t) {
    const double wn = size * t.min_nmos_width_m();
    return gate_capacitance(GateKind::inverter, 1, wn, t.pn_size_ratio * wn, t.cell_height_m(), t);
}

}  // namespace

FlipFlopEnergy flip_flop_energy(const TechnologyNode& t) {
    const double wn = t.min_nmos_width_m();
    const double wp = t.pn_size_ratio * wn;
    const GateCapacitance inv = inverter_caps(1, t);
    const double tg_gate_n = gate_input_capacitance_f(wn, t);
    const double tg_gate_p = gate_input_capacitance_f(wp, t);
    const double tg_drain = inv.output_f;  // a transmission gate's diffusion equals an inverter output
    const double v2 = t.vdd_v * t.vdd_v;
    FlipFlopEnergy e;
    // Four clock inverters and two clocked transmission gates toggle every cycle.
    e.clock_j = (4 * (inv.input_f + inv.output_f) + 2 * (tg_gate_n + tg_gate_p)) * v2;
    // Captured bit: input side (three gate diffusions and an inverter), the feedback loop, the output.
    e.data_j = ((3 * tg_drain + inv.input_f) + (tg_drain + inv.output_f) + (inv.input_f + inv.output_f)) * v2;
    return e;
}

BufferAccess::BufferAccess(const BufferTimingParams& p, const TechnologyNode& t) {
    const BufferParams& b = p.layout;
    lines_ = std::max(1.0, std::ceil(b.bits / b.interface_bits));
    const int address_bits = static_cast<int>(std::ceil(std::log2(lines_)));
    const double wire_c = t.rules.wire_cap_f_per_m;
    const double v2 = t.vdd_v * t.vdd_v;
    if (!b.sram) {
        // Register file: the decoder selects one line of flip-flops, which are clocked in half a cycle.
        const double line_m = b.interface_bits * FlipFlops({1}, t).unit().width_m;
        const AddressDecoder decoder({true, address_bits, false, false}, t);
        DecoderLoad line;
        line.line_f = line_m * wire_c;
        line_latency_s_ = decoder.delay_s(DecoderPath::buffer_line, line) + 0.5 / p.clock_hz;
        // Every flip-flop of the core is clocked on an access; the accessed bits also move data.
        const FlipFlopEnergy ff = flip_flop_energy(t);
        const double decoder_j = decoder.energy_j(DecoderPath::buffer_line, line);
        bit_energy_j_ = ff.clock_j + ff.data_j + decoder_j / b.interface_bits;
        return;
    }
    // SRAM core: the word line runs across the interface, bit lines down the lines.
    const double row_m = b.interface_bits * b.sram_cell_width_f * t.f();
    const double col_m = lines_ * b.sram_cell_height_f * t.f();
    const AddressDecoder decoder({true, address_bits, false, false}, t);
    DecoderLoad line;
    line.line_f = row_m * wire_c;
    const double access_w = p.sram_access_width_f * t.f();
    const double r_access = on_resistance_ohm(access_w, true, t);
    const double r_pulldown = on_resistance_ohm(p.sram_pulldown_width_f * t.f(), true, t);
    // Each line hangs the drain of one access transistor on the bit line.
    const double access_drain_f = gate_capacitance(GateKind::inverter, 1, access_w, 0, t.cell_height_m(), t).output_f;
    const double c_bitline = col_m * wire_c + lines_ * access_drain_f;
    const double r_bitline = col_m * p.wire_resistance_ohm_per_m;
    // The cell discharges the bit line until the sense amplifier sees half its resolvable swing.
    const double tau = (r_access + r_pulldown) * c_bitline + r_bitline * c_bitline / 2;
    const double bitline_s = tau * std::log(t.vdd_v / (t.vdd_v - p.sram_sense_voltage_v / 2));
    // Precharge restores the bit line through a minimum pull-up.
    const double precharge_s = half_swing_delay_s(on_resistance_ohm(t.pn_size_ratio * t.min_nmos_width_m(), false, t),
                                                  c_bitline);
    line_latency_s_ = decoder.delay_s(DecoderPath::buffer_line, line) + bitline_s + precharge_s;
    // A read swings the bit-line pair by the sense voltage, a write swings one line fully; both are
    // restored from the supply. A buffered bit is written once and read once, so a bit costs their mean.
    const double read_j = 2 * c_bitline * t.vdd_v * p.sram_sense_voltage_v;
    const double write_j = c_bitline * v2;
    const double decoder_j = decoder.energy_j(DecoderPath::buffer_line, line);
    bit_energy_j_ = (read_j + write_j) / 2 + (decoder_j + row_m * wire_c * v2) / b.interface_bits;
}

int subarray_partial_sum_bits(int adc_bits, int input_cycles, int cols_per_synapse) {
    return adc_bits + input_cycles + cols_per_synapse + 1;
}

double htree_wire_width_multiple(int level) {
    return level <= 2 ? 4.0 : 2.0;
}

HTreePath::HTreePath(const HTreePathParams& p, const RepeatedWire& wire) {
    const int levels = static_cast<int>(std::ceil(std::log2(static_cast<double>(std::max({p.rows, p.cols, 1})))));
    const double span = std::pow(2.0, levels);
    auto resistance = [&](int level) {
        const double k = htree_wire_width_multiple(level);
        return p.base_wire_resistance_ohm_per_m / (k * k);
    };
    // From the centre each level runs half-way towards the centre of the next quadrant.
    double length_v = p.unit_height_m * span / 2, length_h = p.unit_width_m * span / 2;
    for (int level = 0; level < levels; ++level) {
        length_v /= 2;
        length_h /= 2;
        length_m_ += length_v + length_h;
        const double timed_m = (length_v + length_h) * (p.latency_over_double_segments ? 2 : 1);
        delay_s_ += timed_m * wire.delay_s_per_m(resistance(level));
    }
    // The last branch spreads the word over the leaf unit: its farthest bit, half a unit beyond the
    // centre each way, sets the delay; on average a bit stops at the centre, which sets the energy.
    const double leaf_m = p.unit_height_m / 2 + p.unit_width_m / 2;
    if (!p.latency_over_double_segments) {
        delay_s_ += leaf_m * wire.delay_s_per_m(resistance(std::max(0, levels - 1)));
    }
    // Trunk from the tree centre to the nearest edge of the grid (where the buffer sits).
    double x_center = std::floor(std::log2(static_cast<double>(std::max(1, std::min(p.rows, p.cols)))));
    if (p.cols - x_center < 1) x_center -= 1;
    const double trunk_m = std::max(0.0, std::min(p.cols - x_center, x_center)) * p.unit_width_m;
    length_m_ += trunk_m;
    delay_s_ += trunk_m * wire.delay_s_per_m(resistance(0));
    bit_energy_j_ = length_m_ * wire.charge_energy_j_per_m() * kDataSwitchingActivity;
}

namespace {

// A partial sum of the forward read leaving a sub-array.
int forward_partial_sum_bits(const DesignContext& ctx) {
    const int adc_bits = static_cast<int>(std::ceil(std::log2(static_cast<double>(ctx.array_config.adc_levels))));
    return subarray_partial_sum_bits(adc_bits, ctx.input_bits, ctx.cols_per_synapse());
}

// A buffer of `bits`: built to size when smaller than one core, otherwise of full cores.
CoreBuffer core_buffer(const DesignContext& ctx, double bits, double own_interface_bits, int core_rows, int core_cols,
                       const BufferKind& kind) {
    const double core_bits = static_cast<double>(core_rows) * core_cols;
    const bool small = bits < core_bits;
    CoreBuffer b;
    b.interface_bits = small ? own_interface_bits : core_cols;
    b.cores = std::max(1.0, std::ceil(bits / core_bits));
    const BufferAccessCost access = kind.access(ctx, {small ? bits : core_bits, b.interface_bits});
    b.line_latency_s = access.line_latency_s;
    b.bit_energy_j = access.bit_energy_j;
    return b;
}

PeBus pe_bus(const DesignContext& ctx, const SynapticSubArray& sa, double pe_size) {
    // The reference sizes PE buses for speed only (no delay tolerance).
    const RepeatedWire wire({ctx.wire_resistance_ohm_per_m, 0.0, RepeaterRelaxing::step_down}, ctx.tech);
    const ProcessingElement pe(ctx, sa, pe_size);
    PeBus b;
    b.subarrays_per_side = pe.subarrays_per_side();
    b.input_length_m = sa.width_m() * (b.subarrays_per_side - 1);
    b.output_length_m = sa.height_m() * (b.subarrays_per_side - 1);
    b.delay_s_per_m = wire.delay_s_per_m();
    b.bit_energy_j_per_m = wire.charge_energy_j_per_m() * kDataSwitchingActivity;
    return b;
}

// Buffers and H-tree of a tile of PEs of `pe_size` on a `grid_side` x `grid_side` grid whose adder
// tree joins `accumulated_pes` PEs. The buffer cores are those the tile's floorplan holds (chip.cpp):
// a buffer smaller than one core is built to size, otherwise it is made of full cores.
TileDataPath tile_data_path(const DesignContext& ctx, const SynapticSubArray& sa, const RepeatedWire& wire,
                            double pe_size, int grid_side, int accumulated_pes, const BufferCores& cores) {
    const ArrayConfig& array_config = ctx.array_config;
    const BufferConfig& buffer_config = ctx.buffer_config;
    TileDataPath d;
    d.pe_grid_side = grid_side;
    // The PE adder tree joins the sub-arrays stacked along a PE's rows: one bit per doubling.
    d.adder_bits =
        forward_partial_sum_bits(ctx) + static_cast<int>(std::ceil(std::log2(pe_size / array_config.subarray_rows)));
    const double pes = accumulated_pes;
    d.input = core_buffer(ctx, pes * ctx.input_bits * array_config.subarray_rows, pes * array_config.subarray_rows,
                          buffer_config.tile_buffer_core_rows, buffer_config.tile_buffer_core_cols, ctx.tile_buffer());
    d.input.cores = std::max(1.0, cores.input);
    d.output = core_buffer(ctx, d.adder_bits * pes * array_config.subarray_cols / array_config.columns_per_adc,
                           d.adder_bits * pes, buffer_config.tile_buffer_core_rows, buffer_config.tile_buffer_core_cols,
                           ctx.tile_buffer());
    d.output.cores = std::max(1.0, cores.output);
    d.bus_bits = static_cast<double>(grid_side) * array_config.subarray_rows;
    const double side = ProcessingElement(ctx, sa, pe_size).side_m();
    d.tree = HTreePath({grid_side, grid_side, side, side, ctx.wire_resistance_ohm_per_m,
                        ctx.quirk(Quirk::htree_latency_double_segments)},
                       wire);
    return d;
}

}  // namespace

DataMovementModels data_movement_models(const DesignContext& ctx, const Floorplan& plan, const ChipArea& area) {
    const ArrayConfig& array_config = ctx.array_config;
    const BufferConfig& buffer_config = ctx.buffer_config;
    const InterconnectConfig& interconnect_config = ctx.interconnect_config;
    const TechnologyNode& t = ctx.tech;
    DataMovementModels m;
    const double r_wire = ctx.wire_resistance_ohm_per_m;
    m.global_buffer = core_buffer(
        ctx, static_cast<double>(buffer_config.global_buffer_core_rows) * buffer_config.global_buffer_core_cols,
        buffer_config.global_buffer_core_cols, buffer_config.global_buffer_core_rows,
        buffer_config.global_buffer_core_cols, ctx.global_buffer());
    m.global_buffer.cores = std::max(1.0, area.global_buffer_cores);
    const RepeatedWire global_wire({r_wire, interconnect_config.global_bus_delay_tolerance, RepeaterRelaxing::halve},
                                   t);
    auto global_tree = [&](const AreaParts& tile) {
        const double side = std::sqrt(tile.total_m2);
        return HTreePath({plan.tile_grid_rows, plan.tile_grid_cols, side, side, r_wire,
                          ctx.quirk(Quirk::htree_latency_double_segments)},
                         global_wire);
    };
    m.global_tree_conventional = global_tree(area.conventional_tile);
    m.global_tree_novel = global_tree(area.novel_tile.total_m2 > 0 ? area.novel_tile : area.conventional_tile);

    // Tiles: each kind has the H-tree of its own PE grid, as wide as one row of PEs' inputs, and the
    // buffer cores the floorplan gives it (both kinds hold the conventional tile's core count).
    const RepeatedWire tile_wire({r_wire, interconnect_config.local_bus_delay_tolerance, RepeaterRelaxing::halve}, t);
    const SynapticSubArray sa(ctx);
    const int conv_side = plan.conventional_pes_per_side();
    const BufferCores cores = tile_buffer_cores(ctx, conv_side, plan.conventional_pe_size);
    m.tile_conventional = tile_data_path(ctx, sa, tile_wire, plan.conventional_pe_size, conv_side, conv_side, cores);
    m.tile_novel = m.tile_conventional;
    if (plan.novel_pe_size > 0) {
        const int pes = std::max(1, plan.novel_pes_per_tile);
        const int side = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(pes))));
        m.tile_novel = tile_data_path(ctx, sa, tile_wire, plan.novel_pe_size, side, pes, cores);
    }

    // PEs: registers of flip-flops and the buses between sub-arrays.
    m.flip_flop = flip_flop_energy(t);
    m.pe_bus_conventional = pe_bus(ctx, sa, plan.conventional_pe_size);
    m.pe_bus_novel = plan.novel_pe_size > 0 ? pe_bus(ctx, sa, plan.novel_pe_size) : m.pe_bus_conventional;
    m.pe_adder_bits = forward_partial_sum_bits(ctx);
    const double pe_side = std::max(1, m.pe_bus_conventional.subarrays_per_side);
    const int pe_stages = static_cast<int>(std::ceil(std::log2(pe_side)));
    m.pe_output_flops =
        static_cast<double>(array_config.subarray_cols) / array_config.columns_per_adc * (m.pe_adder_bits + pe_stages);
    return m;
}

double buffer_parallel_cores(const CoreBuffer& buffer, double bus_bits) {
    return std::max(1.0, std::min(buffer.cores, std::ceil(bus_bits / buffer.interface_bits)));
}

MoveCost buffer_pass(const CoreBuffer& buffer, const PassBits& bits, double bus_bits) {
    const double parallel = buffer_parallel_cores(buffer, bus_bits);
    return {2 * bits.fullest / buffer.interface_bits * buffer.line_latency_s / parallel,
            2 * bits.all * buffer.bit_energy_j};
}

MoveCost tree_pass(const HTreePath& tree, const PassBits& bits, double bus_bits) {
    return {tree.delay_s() * bits.fullest / bus_bits, tree.bit_energy_j() * bits.all};
}

MoveCost pe_registers(const DataMovementModels& m, const ChipConfig& chip, const ArrayConfig& array,
                      const PeTraffic& pe) {
    const double half_clock = 0.5 / chip.clock_frequency_hz;
    const double input_flops = pe.input_cycles / pe.pixels * array.subarray_rows;
    const FlipFlopEnergy& ff = m.flip_flop;
    MoveCost c;
    // Inputs enter one sub-array row block per access; outputs leave once per pixel.
    c.latency_s =
        pe.input_cycles * std::ceil(pe.rows_fullest / array.subarray_rows) * half_clock + pe.pixels * half_clock;
    c.energy_j = pe.rows_all * (ff.clock_j * input_flops + ff.data_j * std::min(pe.input_cycles, input_flops));
    c.energy_j += pe.cols_all / pe.cols_per_synapse * m.pe_adder_bits *
                  (ff.clock_j * m.pe_output_flops + ff.data_j * std::min(pe.pixels, m.pe_output_flops));
    return c;
}

MoveCost pe_buses(const PeBus& bus, const ArrayConfig& array, const PeTraffic& pe) {
    const double lanes = array.subarray_rows;
    const double adc_bits = std::log2(static_cast<double>(array.adc_levels));
    const double in_words = pe.rows_fullest * pe.input_cycles / lanes;
    const double out_words =
        pe.cols_fullest / pe.cols_per_synapse * adc_bits * pe.pixels / (bus.subarrays_per_side * lanes);
    MoveCost c;
    c.latency_s = (in_words * bus.input_length_m + out_words * bus.output_length_m) * bus.delay_s_per_m;
    c.energy_j = (pe.rows_all * pe.input_cycles * bus.input_length_m +
                  pe.cols_all / pe.cols_per_synapse * adc_bits * pe.pixels * bus.output_length_m) *
                 bus.bit_energy_j_per_m;
    return c;
}

}  // namespace neurosim
