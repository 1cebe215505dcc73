// A layer's counts and its forward and transposed compute, transfers and tile costs.
#include "neurosim/training/layer_cost_builder.hpp"

#include <algorithm>
#include <cmath>

#include "neurosim/array/memory_cell_kind.hpp"
#include "neurosim/array/readout_modes.hpp"
#include "neurosim/chip/tile.hpp"
#include "neurosim/circuits/accumulation.hpp"
#include "neurosim/circuits/transfer.hpp"
#include "neurosim/training/gradient_read_energy.hpp"
#include "neurosim/training/leakage.hpp"
#include "neurosim/training/training_circuits.hpp"
#include "neurosim/training/weight_transfer.hpp"
#include "neurosim/training/weight_update.hpp"

namespace neurosim {
namespace {

// The reference's share of active lines in every transposed read (quirk transposed_read_fixed_activity).
constexpr double kFixedTransposedActivity = 0.5;

}  // namespace

LayerCounts LayerCostBuilder::counts(std::size_t index, const LayerActivity& act) const {
    const ArrayConfig& array_config = ctx_.array_config;
    const TrainingConfig& training_config = ctx_.training_config;
    const LayerShape& l = trace_.network[index];
    const LayerPlacement& p = plan_.layers[index];
    LayerCounts c;
    c.shape = &l;
    c.place = &p;
    c.activity = &act;
    c.index = index;
    c.first = index == 0;
    c.n = l.counted_output_pixels(ctx_.quirk(Quirk::output_pixels_without_padding));
    c.input_bits = ctx_.input_bits;
    c.error_bits = training_config.error_bits;
    c.speedup = p.speedup();
    c.cols_per_synapse = ctx_.cols_per_synapse();
    c.rows = static_cast<double>(l.weight_rows());
    c.ofm = l.ofm_c;
    c.cols = c.ofm * c.cols_per_synapse;
    c.kernel = static_cast<double>(l.kernel_positions());
    c.weights = c.rows * c.ofm;
    c.row_blocks = p.novel ? c.kernel * std::ceil(l.ifm_c / static_cast<double>(array_config.subarray_rows))
                           : std::ceil(c.rows / array_config.subarray_rows);
    c.col_blocks = std::ceil(c.cols / array_config.subarray_cols);
    c.tiles = p.tiles();
    c.total_tiles = 0;
    for (const auto& q : plan_.layers) c.total_tiles += q.tiles();
    c.gradient_bits = c.weights * area_.wg_output_bits;
    return c;
}

PhaseCounts LayerCostBuilder::forward(const LayerCounts& c) const {
    return {ReadDirection::forward, c.input_bits, c.n * c.input_bits / c.speedup};
}

PhaseCounts LayerCostBuilder::transposed(const LayerCounts& c) const {
    if (c.first) return {ReadDirection::transposed, 0, 0};
    return {ReadDirection::transposed, c.error_bits, c.n * c.error_bits / c.speedup};
}

ComputeCosts LayerCostBuilder::compute(const LayerCounts& c, const PhaseCounts& ph) const {
    ComputeCosts k;
    if (ph.bits == 0) return k;
    accumulation(c, ph.direction, &k);
    readout(c, ph, &k);  // after: a sequential read-out adds its row adders to the accumulation
    return k;
}

// Sub-array read-out: the array itself and its ADCs, from the circuit model of one read cycle
// (readout.hpp). Latency: the copies of the weights read their share of the input cycles one after
// another, each cycle as long as the slowest sub-array's. Energy: every sub-array of every row and
// column block is read in every input cycle; the sense amplifiers convert each mapped column (the
// transposed read is charged per mapped forward column and with the forward column statistics, as the
// reference counts it).
void LayerCostBuilder::readout(const LayerCounts& c, const PhaseCounts& ph, ComputeCosts* k) const {
    const ArrayConfig& array_config = ctx_.array_config;
    const TrainingConfig& training_config = ctx_.training_config;
    const ReadDirection direction = ph.direction;
    const bool forward = direction == ReadDirection::forward;
    // Share of a sub-array's driven lines that carry a 1: the mapped ones, at the input bit activity
    // (the trace holds no error codes; the transposed read's error bits are taken as active). Lines
    // without weights stay low (the reference applies the mapped rows' activity to every row).
    const double mapped = forward ? c.rows / c.row_blocks / array_config.subarray_rows
                                  : c.cols / c.col_blocks / array_config.subarray_cols;
    // Quirk mapped_row_activity_on_every_row: the mapped lines' activity on every line.
    const double mapped_share = ctx_.quirk(Quirk::mapped_row_activity_on_every_row) ? 1.0 : std::min(1.0, mapped);
    // Quirk transposed_read_fixed_activity: an eNVM sub-array's transposed read drives half of its
    // lines, whatever the layer's bits. (The reference applies the same half to an SRAM array's
    // transposed sense amplifiers and adders, which our SRAM read cycle does not scale by activity;
    // its word lines keep the layer's activity there.)
    const bool fixed_transposed =
        !forward && !ctx_.cell().static_cell() && ctx_.quirk(Quirk::transposed_read_fixed_activity);
    const double activity = fixed_transposed ? kFixedTransposedActivity : c.activity->input_bit_activity * mapped_share;
    if (ctx_.readout().reads_sequentially(ctx_.training_config, direction)) {
        // Row by row (readout_modes.hpp): every line carrying a 1 is read alone, each mapped sensed line
        // converted for it and summed by its row adder.
        SequentialReadParams q;
        q.direction = direction;
        q.active_lines = activity * (forward ? array_config.subarray_rows : array_config.subarray_cols);
        q.converted_lines = forward ? c.cols / c.col_blocks : c.rows / c.row_blocks;
        const SequentialReadCost s = sequential_read_cost(ctx_, q);
        const double subarray_reads = c.n * ph.bits * c.row_blocks * c.col_blocks;
        k->adc_s = ph.reads * s.adc_s;
        k->array_s = ph.reads * s.array_s;
        k->accumulation_s += ph.reads * s.accumulation_s;
        k->adc_j = subarray_reads * s.adc_j;
        k->array_j = subarray_reads * s.array_j;
        k->accumulation_j += subarray_reads * s.accumulation_j;
        return;
    }
    const SensingCost sensing = parallel_sensing_cost(
        ctx_, forward ? array_config.adc_levels : training_config.ag_adc_levels, c.activity->column_sample);
    const ReadCycleCost cycle = read_cycle_cost(ctx_, direction, sensing, activity, static_cast<int>(ph.bits));
    const double subarray_reads = c.n * ph.bits * c.row_blocks * c.col_blocks;
    const double column_conversions = c.n * ph.bits * c.row_blocks * c.cols;
    k->adc_s = ph.reads * cycle.adc_s;
    k->array_s = ph.reads * cycle.array_s;
    k->adc_j = subarray_reads * cycle.adc_j + column_conversions * cycle.adc_per_column_j;
    if (ctx_.quirk(Quirk::encoders_of_unmapped_columns)) {
        // The encoders of the sub-arrays' unmapped columns toggle too.
        const double unmapped_cols = c.col_blocks * array_config.subarray_cols - c.cols;
        k->adc_j += c.n * ph.bits * c.row_blocks * unmapped_cols * cycle.encoder_per_column_j;
    }
    k->array_j = subarray_reads * cycle.array_j;
}

// Shift-add, adder trees and chip-level accumulation of the partial sums, from the gate-level models
// of the adders and registers (accumulation.hpp); the read direction fixes its own cycles and read-outs.
void LayerCostBuilder::accumulation(const LayerCounts& c, ReadDirection direction, ComputeCosts* k) const {
    const LayerPlacement& p = *c.place;
    AccumulationHierarchy h;
    h.tile_size = plan_.conventional_tile_size;
    h.pe_size = plan_.conventional_pe_size;
    h.pes_per_side = plan_.conventional_pes_per_side();
    h.novel_pe_size = plan_.novel_pe_size;
    h.novel_pes = std::max(1, plan_.novel_pes_per_tile);
    h.chip_trees = std::max(1.0, area_.accumulation_trees);
    h.chip_bits = area_.accumulation_bits;
    AccumulationLayer l;
    l.output_pixels = c.n;
    l.weight_rows = c.rows;
    l.output_channels = c.ofm;
    l.cell_cols = c.cols;
    l.novel = p.novel;
    l.tiles_along_rows = p.tiles_along_rows;
    l.tiles_along_cols = p.tiles_along_cols;
    l.speedup_rows = p.speedup_rows;
    l.speedup_cols = p.speedup_cols;
    const AccumulationCost cost = LayerAccumulation(ctx_, h, l).cost(direction);
    k->accumulation_s = cost.latency_s;
    k->accumulation_j = cost.energy_j;
}

TransferCosts LayerCostBuilder::transfers(const LayerCounts& c) const {
    const TrainingConfig& training_config = ctx_.training_config;
    const LayerShape& l = *c.shape;
    const LayerPlacement& p = *c.place;
    const DataMovementModels& m = movement_;
    TransferCosts t;
    // Global buffer: reads send the inputs to the tiles (a novel tile receives each input row once for
    // its kernel rows), writes take the outputs back (pooled outputs are a quarter, globally pooled ones
    // one pixel). Cores work in parallel up to the bus width; the layer's tiles use their share of the bus.
    const double bits_out = c.rows * c.input_bits * c.n / (p.novel ? l.k_h : 1.0);
    const double bits_in = l.global_pool ? c.ofm * c.input_bits : c.ofm * c.input_bits * c.n / (l.pool ? 4.0 : 1.0);
    const CoreBuffer& gb = m.global_buffer;
    const double parallel =
        std::max(1.0, std::min(gb.cores, std::ceil(area_.global_bus_width_bits / gb.interface_bits)));
    const double share = std::ceil(c.total_tiles / c.tiles);
    auto buffer_s = [&](double bits, double tile_share) {
        return bits / gb.interface_bits * gb.line_latency_s / parallel * tile_share;
    };
    auto buffer_j = [&](double bits) { return bits * gb.bit_energy_j; };
    t.buffer_act_s = buffer_s(bits_out + bits_in, share);
    t.buffer_act_j = buffer_j(bits_out + bits_in);
    // Gradients are written to the buffer and read out again.
    t.buffer_grad_s = buffer_s(2 * c.gradient_bits, 1.0);
    t.buffer_grad_j = buffer_j(2 * c.gradient_bits);

    // Global H-tree from the buffer to the layer's tiles, which own their share of the bus wires.
    const HTreePath& tree = p.novel ? m.global_tree_novel : m.global_tree_conventional;
    const double bus_bits = std::max(1.0, area_.global_bus_width_bits / share);
    t.tree_s = tree.delay_s() * (bits_out + bits_in) / bus_bits;
    t.tree_j = tree.bit_energy_j() * (bits_out + bits_in);

    // DRAM: the activation traffic is counted as the reference counts it (see README).
    const DramProperties dram = dram_properties(training_config.dram);
    const double act_bits = static_cast<double>(l.ifm_h) * l.ifm_w * c.input_bits;
    t.dram_act_s = act_bits / dram.bandwidth_bit_per_s;
    t.dram_act_j = act_bits * dram.energy_per_bit_j;
    t.dram_grad_s = c.gradient_bits / dram.bandwidth_bit_per_s;
    t.dram_grad_j = c.gradient_bits * dram.energy_per_bit_j;
    return t;
}

OutputOperationCosts LayerCostBuilder::output_operations(const LayerCounts& c) const {
    const LayerShape& l = *c.shape;
    OutputOperationCosts o;
    if (l.residual == 0 && !l.global_pool) return o;
    // Every output value before pooling (true output pixels, padding included), per image.
    const double values = static_cast<double>(l.patches()) * l.ofm_c;
    const double adders = std::max(1.0, area_.accumulation_trees);
    // `count` two-operand additions of `bits`-wide values, `adders` at a time.
    auto additions = [&](double count, int bits, double* latency_s, double* energy_j) {
        const PartialSumTreeModel adder({2, bits, 1.0}, ctx_.tech);
        *latency_s += std::ceil(count / adders) * adder.delay_s();
        *energy_j += count * adder.energy_j();
    };
    // The held operand passes the global buffer twice (written when made, read at the add), at the
    // layer's share of the bus, and goes to DRAM and back while the main branch runs.
    const CoreBuffer& gb = movement_.global_buffer;
    const double parallel =
        std::max(1.0, std::min(gb.cores, std::ceil(area_.global_bus_width_bits / gb.interface_bits)));
    const double share = std::ceil(c.total_tiles / c.tiles);
    const DramProperties dram = dram_properties(ctx_.training_config.dram);
    auto held = [&](double bits, double* buffer_s, double* buffer_j, double* dram_s, double* dram_j) {
        *buffer_s += 2 * bits / gb.interface_bits * gb.line_latency_s / parallel * share;
        *buffer_j += 2 * bits * gb.bit_energy_j;
        *dram_s += 2 * bits / dram.bandwidth_bit_per_s;
        *dram_j += 2 * bits * dram.energy_per_bit_j;
    };
    const int input_bits = static_cast<int>(c.input_bits), error_bits = static_cast<int>(c.error_bits);
    if (l.residual > 0) {
        additions(values, input_bits, &o.fw_accumulation_s, &o.fw_accumulation_j);
        additions(values, error_bits, &o.ag_accumulation_s, &o.ag_accumulation_j);
        held(values * c.input_bits, &o.fw_buffer_s, &o.fw_buffer_j, &o.fw_dram_s, &o.fw_dram_j);
        held(values * c.error_bits, &o.ag_buffer_s, &o.ag_buffer_j, &o.ag_dram_s, &o.ag_dram_j);
    }
    if (l.global_pool) {
        // A channel's sum grows by a bit per doubling of the pixels it adds.
        const int sum_bits = input_bits + static_cast<int>(std::ceil(std::log2(static_cast<double>(l.patches()))));
        additions(values, sum_bits, &o.fw_accumulation_s, &o.fw_accumulation_j);
    }
    return o;
}

namespace {

// The weight changes' way through a tile's input buffer and tree; `serial_buffer` (quirk
// weight_change_serial_buffer) takes the input buffer's cores one after the other.
void set_weight_change_moves(const TileDataPath& path, const PassBits& delta, bool serial_buffer, TileCosts& k) {
    MoveCost delta_buffer = buffer_pass(path.input, delta, path.bus_bits);
    if (serial_buffer) delta_buffer.latency_s *= buffer_parallel_cores(path.input, path.bus_bits);
    const MoveCost delta_tree = tree_pass(path.tree, delta, path.bus_bits);
    k.gradient_buffer_s = delta_buffer.latency_s;
    k.gradient_buffer_j = delta_buffer.energy_j;
    k.gradient_bus_s = delta_tree.latency_s;
    k.gradient_bus_j = delta_tree.energy_j;
}

}  // namespace

// Tile and PE data movement of one read-out pass (forward or transposed: both move the same vectors
// in the reference's accounting), and the weight changes sent through a tile before the update.
TileCosts LayerCostBuilder::tile(const LayerCounts& c, const PhaseCounts& ph) const {
    TileCosts k;
    if (ph.bits == 0) return k;
    const LayerPlacement& p = *c.place;
    const DataMovementModels& m = movement_;
    const bool novel = p.novel;
    const double kernel_pes = novel ? plan_.novel_pes_per_tile : 1.0;
    const double pe_size = novel ? plan_.novel_pe_size : plan_.conventional_pe_size;
    const double cycles = c.n * c.input_bits;
    const double rows_t = std::min(c.rows, novel ? plan_.novel_pe_size * kernel_pes : plan_.conventional_tile_size);
    const double cols_t = std::min(c.cols, novel ? plan_.novel_pe_size : plan_.conventional_tile_size);
    // Inputs come in for every weight row, partial sums (with a sign bit) go out for every output. A
    // novel tile's PEs share input rows (kernel positions overlap) and split the outputs.
    const double in_share = novel ? std::sqrt(kernel_pes) : 1.0;
    const TileDataPath& path = novel ? m.tile_novel : m.tile_conventional;
    const double out_word = 1.0 + path.adder_bits;
    const PassBits in{rows_t * cycles / in_share, c.rows * p.tiles_along_cols * cycles / in_share};
    const PassBits out{cols_t / c.cols_per_synapse * out_word * c.n / kernel_pes,
                       c.ofm * p.tiles_along_rows * out_word * c.n / kernel_pes};
    const PassBits both{in.fullest + out.fullest, in.all + out.all};
    const MoveCost in_buffer = buffer_pass(path.input, in, path.bus_bits);
    const MoveCost out_buffer = buffer_pass(path.output, out, path.bus_bits);
    const MoveCost tile_tree = tree_pass(path.tree, both, path.bus_bits);

    // The fullest PE sets the latency, which weight copies divide (a fully duplicated conventional
    // tile by its PE count, as the reference does); energy counts the PEs of one copy.
    PeTraffic pe;
    pe.rows_fullest = novel ? rows_t / kernel_pes : std::min(rows_t, pe_size);
    pe.cols_fullest = novel ? cols_t : std::min(cols_t, pe_size);
    pe.rows_all = novel ? c.rows * p.tiles_along_cols : c.rows * std::ceil(c.cols / pe_size);
    pe.cols_all = novel ? c.cols * kernel_pes * p.tiles_along_rows : c.cols * std::ceil(c.rows / pe_size);
    pe.input_cycles = cycles;
    pe.pixels = c.n;
    pe.cols_per_synapse = c.cols_per_synapse;
    const MoveCost registers = pe_registers(m, ctx_.chip_config, ctx_.array_config, pe);
    const MoveCost buses = pe_buses(novel ? m.pe_bus_novel : m.pe_bus_conventional, ctx_.array_config, pe);
    const double pes_side = plan_.conventional_pes_per_side();
    const bool full_copies = !novel && c.speedup > 1 && p.speedup_rows >= pes_side && p.speedup_cols >= pes_side;
    const double copies = full_copies ? pes_side * pes_side : std::max(1.0, c.speedup);

    k.buffer_s = in_buffer.latency_s + out_buffer.latency_s + registers.latency_s / copies;
    k.buffer_j = in_buffer.energy_j + out_buffer.energy_j + registers.energy_j;
    k.bus_s = tile_tree.latency_s + buses.latency_s / copies;
    k.bus_j = tile_tree.energy_j + buses.energy_j;

    // Weight changes (one bit per cell) pass the input buffer and the tile tree on their way to the arrays.
    const PassBits delta{rows_t * cols_t, c.rows * c.cols};
    set_weight_change_moves(path, delta, ctx_.quirk(Quirk::weight_change_serial_buffer), k);
    return k;
}

// The gradient unit holds the layer's inputs (output pixels x input channels x input bits) and reads
// them once per output channel, error bit by error bit; spare sub-arrays hold copies that share reads.

}  // namespace neurosim
