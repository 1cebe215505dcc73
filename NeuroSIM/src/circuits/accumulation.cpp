#include "neurosim/circuits/accumulation.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "neurosim/array/readout.hpp"
#include "neurosim/circuits/transfer.hpp"
#include "neurosim/technology/gate.hpp"

namespace neurosim {

namespace {

// Minimum inverter, laid out in standard cells like its footprint.
GateCapacitance min_inverter_caps(const TechnologyNode& t) {
    return gate_capacitance(GateKind::inverter, 1, t.min_nmos_width_m(), t.pn_size_ratio * t.min_nmos_width_m(),
                            t.cell_height_m(), t);
}

}  // namespace

// ---------------------------------------------------------------- flip-flops

FlipFlopModel::FlipFlopModel(const FlipFlopParams& p, const TechnologyNode& t, double clock_hz)
    : p_(p), t_(t), clock_hz_(clock_hz), c_inv_out_(min_inverter_caps(t).output_f) {}

double FlipFlopModel::energy_per_clock_j() const {
    // The master-slave flip-flop of the buffers and registers (transfer.hpp), each clocked and taking
    // new data.
    const FlipFlopEnergy e = flip_flop_energy(t_);
    return (e.clock_j + e.data_j) * p_.count;
}

// ---------------------------------------------------------------- shift-adders

ShiftAdderModel::ShiftAdderModel(const ShiftAdderParams& p, const TechnologyNode& t, double clock_hz,
                                 double read_pulse_s)
    : p_(p), t_(t), clock_hz_(clock_hz), read_pulse_s_(read_pulse_s) {}

double ShiftAdderModel::flip_flops() const {
    // The register holds the adder output (one bit wider than its inputs) extended by one bit per
    // further cycle shifted in.
    return static_cast<double>(p_.adder_bits + 1 + p_.pulses - 1) * p_.units;
}

double ShiftAdderModel::step_delay_s() const {
    const FlipFlopModel reg({1}, t_, clock_hz_);
    const RippleAdder adder({p_.adder_bits, 1}, t_);
    return adder.delay_s(reg.input_capacitance_f()) + reg.capture_delay_s();
}

double ShiftAdderModel::delay_s(double steps) const {
    if (steps <= 0) return 0;
    const double step = step_delay_s();
    // While the array reads the next cycle, this cycle's steps run; only what exceeds the read adds.
    return step + std::max(0.0, step - read_pulse_s_) * (steps - 1);
}

double ShiftAdderModel::energy_j(double steps) const {
    const RippleAdder adders({p_.adder_bits, static_cast<double>(p_.units)}, t_);
    const FlipFlopModel regs({flip_flops()}, t_, clock_hz_);
    return (adders.energy_j() + regs.energy_per_clock_j()) * steps;
}

// ---------------------------------------------------------------- adder trees

PartialSumTreeModel::PartialSumTreeModel(const PartialSumTreeParams& p, const TechnologyNode& t) : p_(p), t_(t) {}

int PartialSumTreeModel::levels() const {
    return p_.inputs > 1 ? static_cast<int>(std::ceil(std::log2(static_cast<double>(p_.inputs)))) : 0;
}

double PartialSumTreeModel::delay_s() const {
    double delay = 0;
    for (int level = 0, bits = p_.bits; level < levels(); ++level, ++bits) {
        delay += RippleAdder({bits, 1}, t_).delay_s(0.0);
    }
    return delay;
}

double PartialSumTreeModel::energy_j() const {
    double energy = 0;
    int operands = p_.inputs;
    for (int level = 0, bits = p_.bits; level < levels(); ++level, ++bits) {
        const int adders = operands / 2;  // an odd operand passes unadded, as in the layout
        energy += RippleAdder({bits, static_cast<double>(adders)}, t_).energy_j();
        operands = adders;
    }
    return energy * p_.trees;
}

// ---------------------------------------------------------------- one layer

LayerAccumulation::LayerAccumulation(const DesignContext& ctx, const AccumulationHierarchy& h,
                                     const AccumulationLayer& l)
    : ctx_(ctx), h_(h), l_(l) {}

LayerAccumulation::Readout LayerAccumulation::readout(ReadDirection dir) const {
    const CellConfig& cell_config = ctx_.cell_config;
    const ArrayConfig& array_config = ctx_.array_config;
    const ChipConfig& chip_config = ctx_.chip_config;
    const TrainingConfig& training_config = ctx_.training_config;
    const bool fw = dir == ReadDirection::forward;
    const int cps = ctx_.cols_per_synapse();
    Readout r;
    r.forward = fw;
    r.cycles = fw ? ctx_.input_bits : training_config.error_bits;
    r.lines_per_adc = fw ? array_config.columns_per_adc : training_config.ag_rows_per_adc;
    r.readouts = std::ceil((fw ? array_config.subarray_cols : array_config.subarray_rows) / r.lines_per_adc);
    // The lines behind one ADC hold this many whole weights; their cells are combined before the
    // partial sum moves on (a weight straddling two ADCs is not counted, as in the reference).
    r.synapses_per_adc = std::max(1.0, std::floor(r.lines_per_adc / cps));
    const int adc_bits =
        static_cast<int>(std::log2(static_cast<double>(fw ? array_config.adc_levels : training_config.ag_adc_levels)));
    r.partial_sum_bits = subarray_partial_sum_bits(adc_bits, static_cast<int>(r.cycles), cps);

    // Per read cycle, each read-out shifts and adds the conversions of its lines over the cells of a
    // weight, then adds the weights' sums into the running sum over input cycles.
    const double clock = chip_config.clock_frequency_hz;
    const int units = static_cast<int>(r.readouts);
    if (r.cycles > 1) {
        const ShiftAdderModel inputs({units, adc_bits + cps, static_cast<int>(r.cycles)}, ctx_.tech, clock,
                                     cell_config.read_pulse_width_s);
        r.shift_add_delay_s += inputs.delay_s(r.synapses_per_adc);
        r.shift_add_energy_j += inputs.energy_j(r.synapses_per_adc);
    }
    if (cps > 1) {
        const ShiftAdderModel cells({units, adc_bits, cps}, ctx_.tech, clock, cell_config.read_pulse_width_s);
        r.shift_add_delay_s += cells.delay_s(r.lines_per_adc);
        r.shift_add_energy_j += cells.energy_j(r.lines_per_adc);
    }
    return r;
}

double LayerAccumulation::subarrays(double rows, double cols) const {
    return std::ceil(rows / ctx_.array_config.subarray_rows) * std::ceil(cols / ctx_.array_config.subarray_cols);
}

AccumulationCost LayerAccumulation::tree(double sums, int inputs, int bits, double trees) const {
    if (inputs <= 1 || sums <= 0) return {};
    const PartialSumTreeModel model({inputs, bits, trees}, ctx_.tech);
    return {sums * model.delay_s(), sums * model.energy_j()};
}

// A PE without weight copies: its sub-arrays work in parallel, then one tree per read-out column
// joins the partial sums of the sub-arrays stacked along the rows, once per output and weight.
AccumulationCost LayerAccumulation::pe(const Readout& r, double rows, double cols, double pe_side) const {
    const double cycles = l_.output_pixels * r.cycles;
    const double side_arrays = std::ceil(pe_side / ctx_.array_config.subarray_cols);
    const int stacked = static_cast<int>(std::ceil(rows / ctx_.array_config.subarray_rows));
    const AccumulationCost t = tree(l_.output_pixels * r.synapses_per_adc, stacked, r.partial_sum_bits,
                                    side_arrays * r.readouts);
    return {cycles * r.shift_add_delay_s + t.latency_s,
            subarrays(rows, cols) * cycles * r.shift_add_energy_j + t.energy_j};
}

// Operand width after joining partial sums of the sub-arrays stacked along a PE of `pe_side` rows.
int LayerAccumulation::pe_output_bits(const Readout& r, double pe_side) const {
    return r.partial_sum_bits + static_cast<int>(std::ceil(std::log2(pe_side / ctx_.array_config.subarray_rows)));
}

// PEs of `pe_size` covering `rows` x `cols`, at most `max_rows` x `max_cols` of them: they work in
// parallel, so the slowest sets the time and all spend energy.
AccumulationCost LayerAccumulation::pe_grid(const Readout& r, double rows, double cols, double max_rows,
                                            double max_cols) const {
    const double size = h_.pe_size;
    AccumulationCost c;
    for (int i = 0; i < max_rows && i * size < rows; ++i) {
        for (int j = 0; j < max_cols && j * size < cols; ++j) {
            const AccumulationCost p = pe(r, std::min(size, rows - i * size), std::min(size, cols - j * size), size);
            c.latency_s = std::max(c.latency_s, p.latency_s);
            c.energy_j += p.energy_j;
        }
    }
    return c;
}

// Every PE of the tile holds whole copies of the tile's matrix, and each PE may hold several: the
// outputs are shared among PEs and copies.
AccumulationCost LayerAccumulation::copies_in_every_pe(const Readout& r, double rows, double cols) const {
    const int pes = h_.pes_per_side;
    const double cycles = l_.output_pixels * r.cycles;
    const double arrays_per_side = std::ceil(h_.pe_size / ctx_.array_config.subarray_rows);
    const double copies_rows = std::ceil(l_.speedup_rows / pes), copies_cols = std::ceil(l_.speedup_cols / pes);
    const double copies = copies_rows * copies_cols;
    AccumulationCost c;
    if (copies_rows < arrays_per_side || copies_cols < arrays_per_side) {
        // A copy spans several sub-arrays whose partial sums still meet in the PE tree.
        const int stacked = static_cast<int>(std::ceil(rows / ctx_.array_config.subarray_rows));
        const AccumulationCost t = tree(l_.output_pixels * r.synapses_per_adc, stacked, r.partial_sum_bits,
                                        arrays_per_side * r.readouts);
        c.latency_s = cycles * r.shift_add_delay_s / copies;
        // The reference counts this tree's time once for both read directions; it goes with the forward one.
        if (r.forward) c.latency_s += t.latency_s / copies;
        c.energy_j = subarrays(rows, cols) * (cycles * r.shift_add_energy_j + t.energy_j);
    } else {
        // The copy fits one sub-array: nothing to join inside the PE.
        c.latency_s = cycles * r.shift_add_delay_s / copies;
        c.energy_j = cycles * r.shift_add_energy_j;
    }
    c.latency_s /= static_cast<double>(pes) * pes;
    return c;
}

AccumulationCost LayerAccumulation::conventional_tile(const Readout& r, double rows, double cols) const {
    const int pes = h_.pes_per_side;
    const double speedup = l_.speedup_rows * l_.speedup_cols;
    const double sums = l_.output_pixels * r.synapses_per_adc;
    const int bits = pe_output_bits(r, h_.pe_size);
    const double trees = pes * r.readouts;
    if (speedup > 1 && l_.speedup_rows >= pes && l_.speedup_cols >= pes) return copies_in_every_pe(r, rows, cols);
    if (speedup > 1) {
        // Copies over groups of PEs: one copy's PEs work in parallel and the copies share the outputs;
        // PEs stacked along the rows meet in the tile tree.
        AccumulationCost c = pe_grid(r, rows, cols, std::ceil(rows / h_.pe_size), std::ceil(cols / h_.pe_size));
        c.latency_s /= speedup;
        const AccumulationCost t = tree(sums, static_cast<int>(std::ceil(rows / h_.pe_size)), bits, trees);
        return {c.latency_s + t.latency_s, c.energy_j + t.energy_j};
    }
    // No copies: the tile tree joins its PEs per side, whether or not they all hold weights.
    const AccumulationCost c = pe_grid(r, rows, cols, pes, pes);
    const AccumulationCost t = tree(sums, pes, bits, trees);
    return {c.latency_s + t.latency_s, c.energy_j + t.energy_j};
}

AccumulationCost LayerAccumulation::novel_tile(const Readout& r, double rows, double cols) const {
    // One PE per kernel position, each holding the input channels of that position.
    const int pes = h_.novel_pes;
    const double pe_rows = std::floor(rows / pes);
    const AccumulationCost p = pe(r, pe_rows, cols, h_.novel_pe_size);
    const AccumulationCost t =
        tree(l_.output_pixels * r.synapses_per_adc, pes, pe_output_bits(r, h_.novel_pe_size), pes * r.readouts);
    return {p.latency_s / (l_.speedup_rows * l_.speedup_cols) + t.latency_s, p.energy_j * pes + t.energy_j};
}

AccumulationCost LayerAccumulation::cost(ReadDirection dir) const {
    const Readout r = readout(dir);
    AccumulationCost c;
    const double tile_rows = l_.novel ? h_.novel_pe_size * h_.novel_pes : h_.tile_size;
    const double tile_cols = l_.novel ? h_.novel_pe_size : h_.tile_size;
    // Tiles work in parallel; each accumulates its own part of the matrix.
    for (int i = 0; i < l_.tiles_along_rows; ++i) {
        for (int j = 0; j < l_.tiles_along_cols; ++j) {
            const double rows = std::min(tile_rows, l_.weight_rows - i * tile_rows);
            const double cols = std::min(tile_cols, l_.cell_cols - j * tile_cols);
            if (rows <= 0 || cols <= 0) continue;
            const AccumulationCost t = l_.novel ? novel_tile(r, rows, cols) : conventional_tile(r, rows, cols);
            c.latency_s = std::max(c.latency_s, t.latency_s);
            c.energy_j += t.energy_j;
        }
    }
    // Tiles stacked along the weight rows meet in the chip adder, output channel by output channel,
    // its parallel trees sharing the output pixels. The transposed read is charged the same trees as
    // the forward one (PE, tile and chip), as the reference counts it.
    if (l_.tiles_along_rows > 1) {
        const double sums = l_.tiles_along_cols * l_.output_channels * std::ceil(l_.output_pixels / h_.chip_trees);
        const AccumulationCost t = tree(sums, l_.tiles_along_rows, h_.chip_bits, h_.chip_trees);
        c.latency_s += t.latency_s;
        c.energy_j += t.energy_j;
    }
    return c;
}

}  // namespace neurosim
