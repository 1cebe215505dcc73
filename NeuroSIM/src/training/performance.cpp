#include "neurosim/training/performance.hpp"

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

// ---------------------------------------------------------------- trace activity

LayerActivity measure_activity(const TraceLayer& layer, const DesignContext& ctx, const ReadPlacement& placement) {
    LayerActivity a;
    a.column_sample = sample_column_conductance(layer, ctx, placement);
    // Input codes enter the array bit-serially in two's complement, one bit per cycle.
    const int bits = ctx.input_bits;
    const unsigned mask = (1u << bits) - 1u;
    std::vector<int> ones(1 << 16);
    for (unsigned v = 0; v < ones.size(); ++v) ones[v] = __builtin_popcount(v & mask);
    double set_bits = 0;
    for (const std::int16_t v : layer.input.values) set_bits += ones[static_cast<std::uint16_t>(v)];
    const double values = static_cast<double>(layer.input.values.size());
    a.input_bit_activity = values > 0 ? set_bits / (values * bits) : 0;

    return a;
}

// ---------------------------------------------------------------- per-layer costs

namespace {

struct DramProperties {
    double bandwidth_bit_per_s = 0;
    double energy_per_bit_j = 0;
};

// Published figures the reference uses: HBM2 15.2 Tb/s at 3.9 pJ/bit, GDDR5 4.288 Tb/s at 14 pJ/bit.
DramProperties dram_properties(DramType type) {
    return type == DramType::hbm2 ? DramProperties{15.2e12, 3.9e-12} : DramProperties{4.288e12, 14e-12};
}

// What the costs of one layer are counted from.
struct LayerCounts {
    std::size_t index = 0;  // in the network and the trace
    const LayerShape* shape = nullptr;
    const LayerPlacement* place = nullptr;
    const LayerActivity* activity = nullptr;
    bool first = false;  // layer 1 has no activation gradient
    double n = 0;        // output pixels as the reference counts them (valid convolution; see README)
    double input_bits = 0, error_bits = 0;
    double speedup = 1, cols_per_synapse = 1;
    double rows = 0, ofm = 0, cols = 0, kernel = 1, weights = 0;  // weight matrix, cell columns
    double row_blocks = 0, col_blocks = 0;  // sub-arrays along the rows and the columns (one copy)
    double tiles = 1, total_tiles = 1;
    double gradient_bits = 0;     // all weight gradients of the layer
};

// One read-out direction: forward (rows driven, columns read) or transposed.
struct PhaseCounts {
    ReadDirection direction = ReadDirection::forward;
    double bits = 0;   // input cycles; zero when the phase does not run
    double reads = 0;  // array reads of one copy of the weights
};

struct ComputeCosts {
    double adc_s = 0, array_s = 0, accumulation_s = 0, adc_j = 0, array_j = 0, accumulation_j = 0;
    double latency() const { return adc_s + array_s + accumulation_s; }
    double energy() const { return adc_j + array_j + accumulation_j; }
};

// Global buffer, global H-tree and DRAM, for one pass of the layer's activations and for its gradients.
struct TransferCosts {
    double buffer_act_s = 0, buffer_act_j = 0, buffer_grad_s = 0, buffer_grad_j = 0;
    double tree_s = 0, tree_j = 0;
    double dram_act_s = 0, dram_act_j = 0, dram_grad_s = 0, dram_grad_j = 0;
};

// Tile and PE buffers and buses of one read-out pass, and of the weight changes before the update.
struct TileCosts {
    double buffer_s = 0, buffer_j = 0, bus_s = 0, bus_j = 0;
    double gradient_buffer_s = 0, gradient_buffer_j = 0, gradient_bus_s = 0, gradient_bus_j = 0;
};

struct UpdateCosts {
    double peak_s = 0, peak_j = 0;          // programming the arrays
    double transfer_s = 0, transfer_j = 0;  // bringing the gradients to them
};

// Builds the figures of one layer; counts are per image unless said otherwise.
class LayerCostBuilder {
public:
    LayerCostBuilder(const DesignContext& ctx, const Trace& trace, const Floorplan& plan, const ChipArea& area)
        : ctx_(ctx),
          trace_(trace),
          plan_(plan),
          area_(area),
          movement_(data_movement_models(ctx, plan, area)),
          delivery_(ctx, plan, area) {}

    LayerCosts build(std::size_t index, const LayerActivity& act) const;

private:
    LayerCounts counts(std::size_t index, const LayerActivity& act) const;
    PhaseCounts forward(const LayerCounts& c) const;
    PhaseCounts transposed(const LayerCounts& c) const;
    ComputeCosts compute(const LayerCounts& c, const PhaseCounts& ph) const;
    void readout(const LayerCounts& c, const PhaseCounts& ph, ComputeCosts* k) const;
    void accumulation(const LayerCounts& c, ReadDirection direction, ComputeCosts* k) const;
    TransferCosts transfers(const LayerCounts& c) const;
    TileCosts tile(const LayerCounts& c, const PhaseCounts& ph) const;
    // What the layer's inputs occupy in the SRAM gradient unit.
    struct GradientFootprint {
        double rows, cols, arrays_in_row, arrays_in_col;
    };
    GradientFootprint gradient_footprint(const LayerCounts& c) const;
    double gradient_latency(const LayerCounts& c) const;
    double gradient_energy(const LayerCounts& c) const;
    int gradient_accumulator_bits() const;
    UpdateCosts update(const LayerCounts& c) const;
    double tile_leakage(const LayerCounts& c) const;

    const DesignContext& ctx_;
    const Trace& trace_;
    const Floorplan& plan_;
    const ChipArea& area_;
    // Buffers, buses and trees of the design, the same for every layer.
    const DataMovementModels movement_;
    const WeightChangeDelivery delivery_;
};

LayerCounts LayerCostBuilder::counts(std::size_t index, const LayerActivity& act) const {
    const HardwareConfig& hw = ctx_.hw;
    const LayerShape& l = trace_.network[index];
    const LayerPlacement& p = plan_.layers[index];
    LayerCounts c;
    c.shape = &l;
    c.place = &p;
    c.activity = &act;
    c.index = index;
    c.first = index == 0;
    c.n = static_cast<double>(l.ifm_h - l.k_h + 1) * (l.ifm_w - l.k_w + 1);
    c.input_bits = ctx_.input_bits;
    c.error_bits = hw.error_bits;
    c.speedup = p.speedup();
    c.cols_per_synapse = ctx_.cols_per_synapse();
    c.rows = static_cast<double>(l.weight_rows());
    c.ofm = l.ofm_c;
    c.cols = c.ofm * c.cols_per_synapse;
    c.kernel = static_cast<double>(l.kernel_positions());
    c.weights = c.rows * c.ofm;
    c.row_blocks = p.novel ? c.kernel * std::ceil(l.ifm_c / static_cast<double>(hw.subarray_rows))
                           : std::ceil(c.rows / hw.subarray_rows);
    c.col_blocks = std::ceil(c.cols / hw.subarray_cols);
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
    const HardwareConfig& hw = ctx_.hw;
    const ReadDirection direction = ph.direction;
    const bool forward = direction == ReadDirection::forward;
    // Share of a sub-array's driven lines that carry a 1: the mapped ones, at the input bit activity
    // (the trace holds no error codes; the transposed read's error bits are taken as active). Lines
    // without weights stay low (the reference applies the mapped rows' activity to every row).
    const double mapped = forward ? c.rows / c.row_blocks / hw.subarray_rows : c.cols / c.col_blocks / hw.subarray_cols;
    const double activity = c.activity->input_bit_activity * std::min(1.0, mapped);
    if (ctx_.readout().reads_sequentially(hw, direction)) {
        // Row by row (readout_modes.hpp): every line carrying a 1 is read alone, each mapped sensed line
        // converted for it and summed by its row adder.
        SequentialReadParams q;
        q.direction = direction;
        q.active_lines = activity * (forward ? hw.subarray_rows : hw.subarray_cols);
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
    const SensingCost sensing =
        parallel_sensing_cost(ctx_, forward ? hw.adc_levels : hw.ag_adc_levels, c.activity->column_sample);
    const ReadCycleCost cycle = read_cycle_cost(ctx_, direction, sensing, activity, static_cast<int>(ph.bits));
    const double subarray_reads = c.n * ph.bits * c.row_blocks * c.col_blocks;
    const double column_conversions = c.n * ph.bits * c.row_blocks * c.cols;
    k->adc_s = ph.reads * cycle.adc_s;
    k->array_s = ph.reads * cycle.array_s;
    k->adc_j = subarray_reads * cycle.adc_j + column_conversions * cycle.adc_per_column_j;
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
    const HardwareConfig& hw = ctx_.hw;
    const LayerShape& l = *c.shape;
    const LayerPlacement& p = *c.place;
    const DataMovementModels& m = movement_;
    TransferCosts t;
    // Global buffer: reads send the inputs to the tiles (a novel tile receives each input row once for
    // its kernel rows), writes take the outputs back (pooled outputs are a quarter). Cores work in
    // parallel up to the bus width; the layer's tiles use their share of the bus.
    const double bits_out = c.rows * c.input_bits * c.n / (p.novel ? l.k_h : 1.0);
    const double bits_in = c.ofm * c.input_bits * c.n / (l.pool ? 4.0 : 1.0);
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
    const DramProperties dram = dram_properties(hw.dram);
    const double act_bits = static_cast<double>(l.ifm_h) * l.ifm_w * c.input_bits;
    t.dram_act_s = act_bits / dram.bandwidth_bit_per_s;
    t.dram_act_j = act_bits * dram.energy_per_bit_j;
    t.dram_grad_s = c.gradient_bits / dram.bandwidth_bit_per_s;
    t.dram_grad_j = c.gradient_bits * dram.energy_per_bit_j;
    return t;
}

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
    const MoveCost registers = pe_registers(m, ctx_.hw, pe);
    const MoveCost buses = pe_buses(novel ? m.pe_bus_novel : m.pe_bus_conventional, ctx_.hw, pe);
    const double pes_side = plan_.conventional_pes_per_side();
    const bool full_copies = !novel && c.speedup > 1 && p.speedup_rows >= pes_side && p.speedup_cols >= pes_side;
    const double copies = full_copies ? pes_side * pes_side : std::max(1.0, c.speedup);

    k.buffer_s = in_buffer.latency_s + out_buffer.latency_s + registers.latency_s / copies;
    k.buffer_j = in_buffer.energy_j + out_buffer.energy_j + registers.energy_j;
    k.bus_s = tile_tree.latency_s + buses.latency_s / copies;
    k.bus_j = tile_tree.energy_j + buses.energy_j;

    // Weight changes (one bit per cell) pass the input buffer and the tile tree on their way to the arrays.
    const PassBits delta{rows_t * cols_t, c.rows * c.cols};
    const MoveCost delta_buffer = buffer_pass(path.input, delta, path.bus_bits);
    const MoveCost delta_tree = tree_pass(path.tree, delta, path.bus_bits);
    k.gradient_buffer_s = delta_buffer.latency_s;
    k.gradient_buffer_j = delta_buffer.energy_j;
    k.gradient_bus_s = delta_tree.latency_s;
    k.gradient_bus_j = delta_tree.energy_j;
    return k;
}

// The gradient unit holds the layer's inputs (output pixels x input channels x input bits) and reads
// them once per output channel, error bit by error bit; spare sub-arrays hold copies that share reads.
LayerCostBuilder::GradientFootprint LayerCostBuilder::gradient_footprint(const LayerCounts& c) const {
    const LayerShape& l = *c.shape;
    const bool fc = l.k_h == 1 && l.k_w == 1 && l.ifm_h == 1 && l.ifm_w == 1;
    return {fc ? 1.0 : c.n, static_cast<double>(l.ifm_c) * c.input_bits,
            static_cast<double>(std::max(1, area_.wg_arrays_in_row)),
            static_cast<double>(std::max(1, area_.wg_arrays_in_col))};
}

double LayerCostBuilder::gradient_latency(const LayerCounts& c) const {
    const HardwareConfig& hw = ctx_.hw;
    const auto [rows, cols, in_row, in_col] = gradient_footprint(c);
    double copies_rows = std::max(1.0, std::floor(in_row / std::max(1.0, std::ceil(rows / hw.wg_subarray_rows))));
    double copies_cols = std::max(1.0, std::floor(in_col / std::max(1.0, std::ceil(cols / hw.wg_subarray_cols))));
    if (rows == 1) {
        copies_rows = in_row;
        copies_cols = std::max(1.0, std::floor(cols / hw.wg_subarray_cols));
    }
    // Per kernel position the layer's inputs are written into the unit's SRAM sub-arrays (all in parallel),
    // then read once per output channel, copies sharing the reads; the batch accumulators add all
    // gradients, `adders` at a time.
    const double write_s = GradientArrayWrite(ctx_).write_latency_s(c.activity->input_bit_activity);
    const double adders =
        std::max(1.0, static_cast<double>(area_.arrays_written_in_parallel) * hw.subarray_rows * hw.subarray_cols);
    const RippleAdderTiming accumulator(ctx_.tech, gradient_accumulator_bits());
    const GradientArrayRead unit(ctx_, static_cast<int>(in_row));
    return c.kernel * (c.ofm * unit.read_latency_s() / (copies_rows * copies_cols) + write_s) +
                                std::ceil(c.weights / adders) * accumulator.add_delay_s();
}

double LayerCostBuilder::gradient_energy(const LayerCounts& c) const {
    const HardwareConfig& hw = ctx_.hw;
    const auto [rows, cols, in_row, in_col] = gradient_footprint(c);
    // Per kernel position the layer's inputs fill `arrays` sub-arrays' worth of the unit; each is written
    // once and read once per output channel (gradient_read_energy.hpp). Row activity: the inputs' 1 bits.
    const double arrays = rows * cols / (static_cast<double>(hw.wg_subarray_rows) * hw.wg_subarray_cols);
    const GradientArrayEnergy array(ctx_, c.activity->input_bit_activity, static_cast<int>(in_row));
    const double unit_j = arrays * c.kernel * (c.ofm * array.channel_read_energy_j() + array.write_energy_j());
    // Every weight gradient of the image is added once into its batch sum.
    const RippleAdderTiming accumulator(ctx_.tech, gradient_accumulator_bits());
    return unit_j + c.weights * accumulator.add_energy_j();
}

// A batch sum holds one gradient plus a carry bit per doubling of the batch.
int LayerCostBuilder::gradient_accumulator_bits() const {
    return area_.wg_output_bits + static_cast<int>(std::ceil(std::log2(static_cast<double>(ctx_.batch_size))));
}

UpdateCosts LayerCostBuilder::update(const LayerCounts& c) const {
    const HardwareConfig& hw = ctx_.hw;
    const LayerPlacement& p = *c.place;
    // Conventionally mapped copies stacked along the rows are programmed one after another (copies side
    // by side share a row write); rows stacked in one sub-array are written row by row; the gradient
    // buffer lets `arrays_written_in_parallel` arrays be written at once.
    const double copies = p.novel || p.speedup_rows <= 1 ? 1.0 : c.speedup;
    const double stacked_rows = p.novel ? 1.0 : p.array_dup_rows;
    const double parallel = std::max(1, area_.arrays_written_in_parallel);
    UpdateCosts u;
    // Moving the weight changes in, tile after tile, through each tile's input buffer and H-tree
    // (weight_transfer.hpp); the arrays written in parallel share the delivery time.
    const MoveCost delivery = delivery_.layer_cost(*c.shape, p);
    u.transfer_j = delivery.energy_j;
    u.transfer_s = delivery.latency_s / parallel;
    // Programming one copy: pulse trains (SRAM: one write cycle) row by row plus the selection of each
    // written row (weight_update.hpp), from the trace's old and new codes. The peak counts the copies of
    // a conventional tile; the copies a novel tile holds for speed are programmed too, outside the peak.
    const ProgrammingWork w = estimate_programming(trace_.layers.at(c.index), ctx_);
    const double pulses_s = ctx_.cell().static_cell() ? 0.0 : w.row_pulses * hw.write_pulse_width_s;
    u.peak_s = (pulses_s + w.select_latency_s) * stacked_rows / parallel;
    u.peak_j = w.energy_j() * copies;
    if (p.novel) u.transfer_j += w.energy_j() * (c.speedup - 1);
    return u;
}

// Static power of one tile of this layer's kind: the off-currents of everything it holds (leakage.cpp),
// built like the area model's tiles (chip.cpp: both kinds size their buffers by the conventional tile).
// Adder-tree stages the layer leaves idle are power-gated: a novel PE joins only the sub-array rows its
// input channels fill; a conventional tile whose PEs each hold a full copy of the weights uses neither
// its PE trees nor its tile tree; layer 1 (no activation gradient) never uses the transposed read-outs.
double LayerCostBuilder::tile_leakage(const LayerCounts& c) const {
    const HardwareConfig& hw = ctx_.hw;
    const LayerPlacement& place = *c.place;
    const int pes_side = plan_.conventional_pes_per_side();
    const BufferCores cores = tile_buffer_cores(ctx_, pes_side, plan_.conventional_pe_size);
    TileLeakageParams p{std::pow(pes_side, 2), plan_.conventional_pe_size, pes_side, pes_side, cores.input,
                        cores.output};
    if (place.novel) {
        const int side = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(plan_.novel_pes_per_tile))));
        p = {static_cast<double>(plan_.novel_pes_per_tile), plan_.novel_pe_size, plan_.novel_pes_per_tile, side,
             cores.input, cores.output};
        p.active_pe_tree_inputs = static_cast<int>(c.row_blocks / c.kernel);
    } else if (place.speedup_rows >= pes_side && place.speedup_cols >= pes_side) {
        p.active_pe_tree_inputs = p.active_accumulation_inputs = 0;
    } else {
        const double rows = std::min(c.rows / place.tiles_along_rows, plan_.conventional_tile_size);
        p.active_pe_tree_inputs =
            static_cast<int>(std::ceil(std::min(rows, plan_.conventional_pe_size) / hw.subarray_rows));
        // Without copies every PE row feeds the tile tree; with copies only those a weight column spans.
        p.active_accumulation_inputs =
            c.speedup > 1 ? static_cast<int>(std::ceil(rows / plan_.conventional_pe_size)) : pes_side;
    }
    p.transposed_active = !c.first;
    return tile_leakage_w(ctx_, p);
}

LayerCosts LayerCostBuilder::build(std::size_t index, const LayerActivity& act) const {
    const LayerCounts c = counts(index, act);
    const PhaseCounts fw = forward(c), ag = transposed(c);
    ComputeCosts cf = compute(c, fw);
    const ComputeCosts ca = compute(c, ag);
    // The chip's ReLU on the forward outputs counts with the array ("other" logic). Max pooling adds a
    // few comparator delays per image (under 1e-4 of the array's share), left out.
    const ActivationCost relu = relu_cost(ctx_, plan_, c.n * c.ofm);
    cf.array_s += relu.latency_s;
    cf.array_j += relu.energy_j;
    const TransferCosts t = transfers(c);
    const TileCosts tf = tile(c, fw), ta = tile(c, ag);
    const double wg_s = gradient_latency(c), wg_j = gradient_energy(c);
    const UpdateCosts wu = update(c);

    // Per image, except the update: once per batch.
    const double images = static_cast<double>(trace_.batch_size) * trace_.iterations;
    const double updates = trace_.iterations;
    LayerCosts out;
    LayerPerformance& f = out.figures;
    f.latency_s.fw =
        (cf.latency() + t.buffer_act_s * 2 + t.tree_s + tf.buffer_s + tf.bus_s + t.dram_act_s * 2) * images;
    f.energy_j.fw =
        (cf.energy() + t.buffer_act_j * 2 + t.tree_j + tf.buffer_j + tf.bus_j + t.dram_act_j * 2) * images;
    if (!c.first) {
        f.latency_s.ag =
            (ca.latency() + t.buffer_act_s * 2 + t.tree_s + ta.buffer_s + ta.bus_s + t.dram_act_s * 2) * images;
        f.energy_j.ag =
            (ca.energy() + t.buffer_act_j * 2 + t.tree_j + ta.buffer_j + ta.bus_j + t.dram_act_j * 2) * images;
    } else {
        f.latency_s.ag = f.energy_j.ag = 0.0;
    }
    f.latency_s.wg =
        (wg_s + t.buffer_act_s * 2 + t.buffer_grad_s * 2 + t.dram_act_s * 2 + t.dram_grad_s * 2) * images;
    f.energy_j.wg =
        (wg_j + t.buffer_act_j * 2 + t.buffer_grad_j * 2 + t.dram_act_j * 2 + t.dram_grad_j * 2) * images;
    f.latency_s.wu = (wu.peak_s + wu.transfer_s) * updates;
    f.energy_j.wu = (wu.peak_j + wu.transfer_j) * updates;
    f.peak_latency_s.fw = cf.latency() * images;
    f.peak_latency_s.ag = ca.latency() * images;
    f.peak_latency_s.wg = wg_s * images;
    f.peak_latency_s.wu = wu.peak_s * updates;
    f.peak_energy_j.fw = cf.energy() * images;
    f.peak_energy_j.ag = ca.energy() * images;
    f.peak_energy_j.wg = wg_j * images;
    f.peak_energy_j.wu = wu.peak_j * updates;

    // FW, AG (not layer 1) and WG each move the activations through buffer and DRAM twice; the tree
    // carries them in FW and AG. The breakdown also counts the weight changes passing the tile buffer
    // and tree on their way to the arrays, which the reference leaves out of the phase totals (README).
    const double act_transfers = c.first ? 4 : 6;
    const double tree_transfers = c.first ? 1 : 2;
    f.latency_breakdown_s.adc = (cf.adc_s + ca.adc_s) * images;
    f.latency_breakdown_s.array = (cf.array_s + ca.array_s) * images;
    f.latency_breakdown_s.accumulation = (cf.accumulation_s + ca.accumulation_s) * images;
    f.latency_breakdown_s.buffer =
        (t.buffer_act_s * act_transfers + t.buffer_grad_s * 2 + tf.buffer_s + ta.buffer_s + tf.gradient_buffer_s) *
        images;
    f.latency_breakdown_s.interconnect =
        (t.tree_s * tree_transfers + tf.bus_s + ta.bus_s + tf.gradient_bus_s) * images;
    f.latency_breakdown_s.weight_gradient = wg_s * images;
    f.latency_breakdown_s.weight_update = wu.peak_s * updates;
    f.latency_breakdown_s.dram = (t.dram_act_s * act_transfers + t.dram_grad_s * 2) * images;
    f.energy_breakdown_j.adc = (cf.adc_j + ca.adc_j) * images;
    f.energy_breakdown_j.array = (cf.array_j + ca.array_j) * images;
    f.energy_breakdown_j.accumulation = (cf.accumulation_j + ca.accumulation_j) * images;
    f.energy_breakdown_j.buffer =
        (t.buffer_act_j * act_transfers + t.buffer_grad_j * 2 + tf.buffer_j + ta.buffer_j + tf.gradient_buffer_j) *
        images;
    f.energy_breakdown_j.interconnect =
        (t.tree_j * tree_transfers + tf.bus_j + ta.bus_j + tf.gradient_bus_j) * images;
    f.energy_breakdown_j.weight_gradient = wg_j * images;
    f.energy_breakdown_j.weight_update = wu.peak_j * updates;
    f.energy_breakdown_j.dram = (t.dram_act_j * act_transfers + t.dram_grad_j * 2) * images;

    const double leak = tile_leakage(c);
    out.tile_leakage_power_w = leak;
    f.leakage_power_w = leak * c.tiles;
    out.idle_tiles = c.total_tiles - c.tiles;
    return out;
}

double layer_macs(const LayerShape& l) {
    return static_cast<double>(l.ifm_h) * l.ifm_w * l.ifm_c * l.k_h * l.k_w * l.ofm_c;
}

void add(PhaseFigures* sum, const PhaseFigures& x) {
    sum->fw += x.fw;
    sum->ag += x.ag;
    sum->wg += x.wg;
    sum->wu += x.wu;
}

void add(Breakdown* sum, const Breakdown& x) {
    sum->adc += x.adc;
    sum->accumulation += x.accumulation;
    sum->array += x.array;
    sum->buffer += x.buffer;
    sum->interconnect += x.interconnect;
    sum->weight_gradient += x.weight_gradient;
    sum->weight_update += x.weight_update;
    sum->dram += x.dram;
}

// Pipelined: the slowest layer sets the stage time of forward and activation gradient; gradient and
// update stay sequential (they share the gradient unit and the buffer). A layer idles, leaking, for
// the part of each stage it does not use.
void aggregate_pipelined(ChipPerformance* chip) {
    PhaseFigures& t = chip->latency_s;
    PhaseFigures& peak = chip->peak_latency_s;
    Breakdown& b = chip->latency_breakdown_s;
    for (const LayerPerformance& lp : chip->layers) {
        t.fw = std::max(t.fw, lp.latency_s.fw);
        t.ag = std::max(t.ag, lp.latency_s.ag);
        t.wg += lp.latency_s.wg;
        t.wu += lp.latency_s.wu;
        peak.fw = std::max(peak.fw, lp.peak_latency_s.fw);
        peak.ag = std::max(peak.ag, lp.peak_latency_s.ag);
        peak.wg += lp.peak_latency_s.wg;
        peak.wu += lp.peak_latency_s.wu;
        const Breakdown& x = lp.latency_breakdown_s;
        b.adc = std::max(b.adc, x.adc);
        b.accumulation = std::max(b.accumulation, x.accumulation);
        b.array = std::max(b.array, x.array);
        b.buffer = std::max(b.buffer, x.buffer);
        b.interconnect = std::max(b.interconnect, x.interconnect);
        b.weight_gradient += x.weight_gradient;
        b.weight_update += x.weight_update;
        b.dram += x.dram;
    }
    for (LayerPerformance& lp : chip->layers) {
        lp.leakage_energy_j = lp.leakage_power_w * ((t.fw - lp.latency_s.fw) + (t.ag - lp.latency_s.ag));
    }
}

}  // namespace

std::vector<LayerCosts> layer_costs(const DesignContext& ctx, const Trace& trace, const Floorplan& plan,
                                    const ChipArea& area, const std::vector<LayerActivity>& activity) {
    const LayerCostBuilder builder(ctx, trace, plan, area);
    std::vector<LayerCosts> out;
    out.reserve(trace.network.size());
    for (std::size_t i = 0; i < trace.network.size(); ++i) out.push_back(builder.build(i, activity[i]));
    return out;
}

std::vector<LayerCosts> trace_layer_costs(const DesignContext& ctx, const Trace& trace, const Floorplan& plan,
                                          const ChipArea& area) {
    std::vector<LayerActivity> activity;
    activity.reserve(trace.layers.size());
    for (std::size_t i = 0; i < trace.layers.size(); ++i) {
        activity.push_back(measure_activity(trace.layers[i], ctx, {&trace.network[i], plan.layers[i].novel}));
    }
    return layer_costs(ctx, trace, plan, area, activity);
}

ChipPerformance estimate_performance(const DesignContext& ctx, const Trace& trace, const Floorplan& plan,
                                     const ChipArea& area) {
    const std::vector<LayerCosts> costs = trace_layer_costs(ctx, trace, plan, area);

    ChipPerformance chip;
    for (const LayerCosts& c : costs) chip.layers.push_back(c.figures);

    const std::size_t layers = costs.size();
    if (!ctx.hw.pipeline) {
        // Layer by layer: while one layer computes forward or activation gradient, the other tiles leak.
        for (std::size_t i = 0; i < layers; ++i) {
            LayerPerformance& lp = chip.layers[i];
            lp.leakage_energy_j = costs[i].idle_tiles * costs[i].tile_leakage_power_w *
                                  (lp.latency_s.fw + lp.latency_s.ag);
            add(&chip.latency_s, lp.latency_s);
            add(&chip.peak_latency_s, lp.peak_latency_s);
            add(&chip.latency_breakdown_s, lp.latency_breakdown_s);
        }
    } else {
        aggregate_pipelined(&chip);
    }
    for (const LayerPerformance& lp : chip.layers) {
        add(&chip.energy_j, lp.energy_j);
        add(&chip.peak_energy_j, lp.peak_energy_j);
        add(&chip.energy_breakdown_j, lp.energy_breakdown_j);
        chip.leakage_power_w += lp.leakage_power_w;
        chip.leakage_energy_j += lp.leakage_energy_j;
    }

    const double images = static_cast<double>(trace.batch_size) * trace.iterations;
    for (std::size_t i = 0; i < layers; ++i) {
        chip.operations += 2 * layer_macs(trace.network[i]) * (i == 0 ? 2 : 3) * images;
    }
    const double latency = chip.latency_s.total(), peak_latency = chip.peak_latency_s.total();
    const double energy = chip.energy_j.total() + chip.leakage_energy_j;
    const double peak_energy = chip.peak_energy_j.total();
    chip.tops_per_w = energy > 0 ? chip.operations / energy * 1e-12 : 0;
    chip.tops = latency > 0 ? chip.operations / latency * 1e-12 : 0;
    chip.fps = latency > 0 ? 1 / latency : 0;
    chip.peak_tops_per_w = peak_energy > 0 ? chip.operations / peak_energy * 1e-12 : 0;
    chip.peak_tops = peak_latency > 0 ? chip.operations / peak_latency * 1e-12 : 0;
    chip.peak_fps = peak_latency > 0 ? 1 / peak_latency : 0;
    return chip;
}

}  // namespace neurosim
