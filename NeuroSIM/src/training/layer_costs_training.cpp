// A layer's weight gradient, weight update and leakage, and the figures of the layer.
#include "neurosim/training/layer_cost_builder.hpp"

#include <algorithm>
#include <cmath>

#include "neurosim/array/memory_cell_kind.hpp"
#include "neurosim/array/readout_modes.hpp"
#include "neurosim/chip/chip.hpp"
#include "neurosim/chip/tile.hpp"
#include "neurosim/circuits/accumulation.hpp"
#include "neurosim/circuits/transfer.hpp"
#include "neurosim/training/gradient_read_energy.hpp"
#include "neurosim/training/leakage.hpp"
#include "neurosim/training/training_circuits.hpp"
#include "neurosim/training/weight_transfer.hpp"
#include "neurosim/training/weight_update.hpp"

namespace neurosim {

LayerCostBuilder::GradientFootprint LayerCostBuilder::gradient_footprint(const LayerCounts& c) const {
    const LayerShape& l = *c.shape;
    const bool fc = l.k_h == 1 && l.k_w == 1 && l.ifm_h == 1 && l.ifm_w == 1;
    return {fc ? 1.0 : c.n, static_cast<double>(l.ifm_c) * c.input_bits,
            static_cast<double>(std::max(1, area_.wg_arrays_in_row)),
            static_cast<double>(std::max(1, area_.wg_arrays_in_col))};
}

double LayerCostBuilder::gradient_latency(const LayerCounts& c) const {
    const ArrayConfig& array_config = ctx_.array_config;
    const TrainingConfig& training_config = ctx_.training_config;
    const auto [rows, cols, in_row, in_col] = gradient_footprint(c);
    double copies_rows =
        std::max(1.0, std::floor(in_row / std::max(1.0, std::ceil(rows / training_config.wg_subarray_rows))));
    double copies_cols =
        std::max(1.0, std::floor(in_col / std::max(1.0, std::ceil(cols / training_config.wg_subarray_cols))));
    if (rows == 1) {
        copies_rows = in_row;
        copies_cols = std::max(1.0, std::floor(cols / training_config.wg_subarray_cols));
    }
    // Per kernel position the layer's inputs are written into the unit's SRAM sub-arrays (all in parallel),
    // then read once per output channel, copies sharing the reads; the batch accumulators add all
    // gradients, `adders` at a time.
    const double write_s = GradientArrayWrite(ctx_).write_latency_s(c.activity->input_bit_activity);
    const double adders = std::max(1.0, static_cast<double>(area_.arrays_written_in_parallel) *
                                            array_config.subarray_rows * array_config.subarray_cols);
    const RippleAdder accumulator({gradient_accumulator_bits(), 1}, ctx_.tech);
    const GradientArrayRead unit(ctx_, static_cast<int>(in_row));
    return c.kernel * (c.ofm * unit.read_latency_s() / (copies_rows * copies_cols) + write_s) +
                                std::ceil(c.weights / adders) * accumulator.delay_s(0.0, CarryTiming::per_slice_slope);
}

double LayerCostBuilder::gradient_energy(const LayerCounts& c) const {
    const TrainingConfig& training_config = ctx_.training_config;
    const auto [rows, cols, in_row, in_col] = gradient_footprint(c);
    // Per kernel position the layer's inputs fill `arrays` sub-arrays' worth of the unit; each is written
    // once and read once per output channel (gradient_read_energy.hpp). Row activity: the inputs' 1 bits.
    const double arrays =
        rows * cols / (static_cast<double>(training_config.wg_subarray_rows) * training_config.wg_subarray_cols);
    const GradientArrayEnergy array(ctx_, c.activity->input_bit_activity, static_cast<int>(in_row));
    const double unit_j = arrays * c.kernel * (c.ofm * array.channel_read_energy_j() + array.write_energy_j());
    // Every weight gradient of the image is added once into its batch sum.
    const RippleAdder accumulator({gradient_accumulator_bits(), 1}, ctx_.tech);
    return unit_j + c.weights * accumulator.energy_per_add_j();
}

// A batch sum holds one gradient plus a carry bit per doubling of the batch.
int LayerCostBuilder::gradient_accumulator_bits() const {
    return area_.wg_output_bits + static_cast<int>(std::ceil(std::log2(static_cast<double>(ctx_.batch_size))));
}

UpdateCosts LayerCostBuilder::update(const LayerCounts& c) const {
    const CellConfig& cell_config = ctx_.cell_config;
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
    const double pulses_s = ctx_.cell().static_cell() ? 0.0 : w.row_pulses * cell_config.write_pulse_width_s;
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
    const ArrayConfig& array_config = ctx_.array_config;
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
            static_cast<int>(std::ceil(std::min(rows, plan_.conventional_pe_size) / array_config.subarray_rows));
        // Without copies every PE row feeds the tile tree; with copies only those a weight column spans.
        p.active_accumulation_inputs =
            c.speedup > 1 ? static_cast<int>(std::ceil(rows / plan_.conventional_pe_size)) : pes_side;
    }
    p.transposed_active = !c.first;
    return tile_leakage_w(ctx_, p);
}

namespace {

// One layer's costs per image (the update's per batch), gathered before they are summed per epoch.
struct LayerParts {
    bool first = false;                   // layer 1: no activation gradient
    ComputeCosts cf, ca;                  // forward and transposed read-out and accumulation
    OutputOperationCosts o;               // residual add and global pooling
    TransferCosts t;                      // activation and gradient transfers
    TileCosts tf, ta;                     // tile buffers and buses, forward and transposed
    double wg_s = 0, wg_j = 0;            // weight-gradient unit
    UpdateCosts wu;                       // weight update
    double dram_breakdown_repeats = 1;    // times the DRAM breakdown counts an activation transfer
};

// The phase totals and their compute-only (peak) parts of one layer, per epoch.
void set_phase_figures(const LayerParts& p, double images, double updates, LayerPerformance* f) {
    f->latency_s.fw = (p.cf.latency() + p.t.buffer_act_s * 2 + p.t.tree_s + p.tf.buffer_s + p.tf.bus_s +
                       p.t.dram_act_s * 2 + p.o.fw_buffer_s + p.o.fw_dram_s) *
                      images;
    f->energy_j.fw = (p.cf.energy() + p.t.buffer_act_j * 2 + p.t.tree_j + p.tf.buffer_j + p.tf.bus_j +
                      p.t.dram_act_j * 2 + p.o.fw_buffer_j + p.o.fw_dram_j) *
                     images;
    if (!p.first) {
        f->latency_s.ag = (p.ca.latency() + p.t.buffer_act_s * 2 + p.t.tree_s + p.ta.buffer_s + p.ta.bus_s +
                           p.t.dram_act_s * 2 + p.o.ag_buffer_s + p.o.ag_dram_s) *
                          images;
        f->energy_j.ag = (p.ca.energy() + p.t.buffer_act_j * 2 + p.t.tree_j + p.ta.buffer_j + p.ta.bus_j +
                          p.t.dram_act_j * 2 + p.o.ag_buffer_j + p.o.ag_dram_j) *
                         images;
    } else {
        f->latency_s.ag = f->energy_j.ag = 0.0;
    }
    f->latency_s.wg =
        (p.wg_s + p.t.buffer_act_s * 2 + p.t.buffer_grad_s * 2 + p.t.dram_act_s * 2 + p.t.dram_grad_s * 2) * images;
    f->energy_j.wg =
        (p.wg_j + p.t.buffer_act_j * 2 + p.t.buffer_grad_j * 2 + p.t.dram_act_j * 2 + p.t.dram_grad_j * 2) * images;
    f->latency_s.wu = (p.wu.peak_s + p.wu.transfer_s) * updates;
    f->energy_j.wu = (p.wu.peak_j + p.wu.transfer_j) * updates;
    f->peak_latency_s.fw = p.cf.latency() * images;
    f->peak_latency_s.ag = p.ca.latency() * images;
    f->peak_latency_s.wg = p.wg_s * images;
    f->peak_latency_s.wu = p.wu.peak_s * updates;
    f->peak_energy_j.fw = p.cf.energy() * images;
    f->peak_energy_j.ag = p.ca.energy() * images;
    f->peak_energy_j.wg = p.wg_j * images;
    f->peak_energy_j.wu = p.wu.peak_j * updates;
}

// The breakdown of one layer's latency and energy by circuit, per epoch.
void set_breakdown(const LayerParts& p, double images, double updates, LayerPerformance* f) {
    // FW, AG (not layer 1) and WG each move the activations through buffer and DRAM twice; the tree
    // carries them in FW and AG. The breakdown also counts the weight changes passing the tile buffer
    // and tree on their way to the arrays, which the reference leaves out of the phase totals (README).
    const double act_transfers = p.first ? 4 : 6;
    const double tree_transfers = p.first ? 1 : 2;
    const double dram_act_transfers = act_transfers * p.dram_breakdown_repeats;
    f->latency_breakdown_s.adc = (p.cf.adc_s + p.ca.adc_s) * images;
    f->latency_breakdown_s.array = (p.cf.array_s + p.ca.array_s) * images;
    f->latency_breakdown_s.accumulation = (p.cf.accumulation_s + p.ca.accumulation_s) * images;
    f->latency_breakdown_s.buffer = (p.t.buffer_act_s * act_transfers + p.t.buffer_grad_s * 2 + p.tf.buffer_s +
                                     p.ta.buffer_s + p.tf.gradient_buffer_s + p.o.fw_buffer_s + p.o.ag_buffer_s) *
                                    images;
    f->latency_breakdown_s.interconnect =
        (p.t.tree_s * tree_transfers + p.tf.bus_s + p.ta.bus_s + p.tf.gradient_bus_s) * images;
    f->latency_breakdown_s.weight_gradient = p.wg_s * images;
    f->latency_breakdown_s.weight_update = p.wu.peak_s * updates;
    f->latency_breakdown_s.dram =
        (p.t.dram_act_s * dram_act_transfers + p.t.dram_grad_s * 2 + p.o.fw_dram_s + p.o.ag_dram_s) * images;
    f->energy_breakdown_j.adc = (p.cf.adc_j + p.ca.adc_j) * images;
    f->energy_breakdown_j.array = (p.cf.array_j + p.ca.array_j) * images;
    f->energy_breakdown_j.accumulation = (p.cf.accumulation_j + p.ca.accumulation_j) * images;
    f->energy_breakdown_j.buffer = (p.t.buffer_act_j * act_transfers + p.t.buffer_grad_j * 2 + p.tf.buffer_j +
                                    p.ta.buffer_j + p.tf.gradient_buffer_j + p.o.fw_buffer_j + p.o.ag_buffer_j) *
                                   images;
    f->energy_breakdown_j.interconnect =
        (p.t.tree_j * tree_transfers + p.tf.bus_j + p.ta.bus_j + p.tf.gradient_bus_j) * images;
    f->energy_breakdown_j.weight_gradient = p.wg_j * images;
    f->energy_breakdown_j.weight_update = p.wu.peak_j * updates;
    f->energy_breakdown_j.dram =
        (p.t.dram_act_j * dram_act_transfers + p.t.dram_grad_j * 2 + p.o.fw_dram_j + p.o.ag_dram_j) * images;
}

}  // namespace

LayerCosts LayerCostBuilder::build(std::size_t index, const LayerActivity& act) const {
    const LayerCounts c = counts(index, act);
    const PhaseCounts fw = forward(c), ag = transposed(c);
    LayerParts p;
    p.first = c.first;
    p.cf = compute(c, fw);
    p.ca = compute(c, ag);
    // The ReLU on the forward outputs (chip or tile units) counts with the array ("other" logic). Max
    // pooling adds a few comparator delays per image (under 1e-4 of the array's share), left out.
    const ActivationCost relu = relu_cost(ctx_, plan_, *c.place, c.n * c.ofm);
    p.cf.array_s += relu.latency_s;
    p.cf.array_j += relu.energy_j;
    // Residual add and global pooling: their additions count with the accumulation.
    p.o = output_operations(c);
    p.cf.accumulation_s += p.o.fw_accumulation_s;
    p.cf.accumulation_j += p.o.fw_accumulation_j;
    p.ca.accumulation_s += p.o.ag_accumulation_s;
    p.ca.accumulation_j += p.o.ag_accumulation_j;
    p.t = transfers(c);
    p.tf = tile(c, fw);
    p.ta = tile(c, ag);
    p.wg_s = gradient_latency(c);
    p.wg_j = gradient_energy(c);
    p.wu = update(c);
    // Quirk dram_breakdown_activations_six_times: the DRAM breakdown counts each transfer six times.
    p.dram_breakdown_repeats = ctx_.quirk(Quirk::dram_breakdown_activations_six_times) ? 6 : 1;

    // Per image, except the update: once per batch.
    const double images = static_cast<double>(trace_.batch_size) * trace_.iterations;
    const double updates = trace_.iterations;
    LayerCosts out;
    set_phase_figures(p, images, updates, &out.figures);
    set_breakdown(p, images, updates, &out.figures);
    const double leak = tile_leakage(c);
    out.tile_leakage_power_w = leak;
    out.figures.leakage_power_w = leak * c.tiles;
    out.idle_tiles = c.total_tiles - c.tiles;
    return out;
}

}  // namespace neurosim
