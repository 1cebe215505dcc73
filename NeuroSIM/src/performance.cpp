#include "neurosim/performance.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <stdexcept>

namespace neurosim {

// ---------------------------------------------------------------- linear costs

LinearCost& LinearCost::operator+=(const LinearCost& o) {
    known += o.known;
    for (const auto& [name, w] : o.weight) weight[name] += w;
    return *this;
}

LinearCost LinearCost::operator+(const LinearCost& o) const {
    LinearCost r = *this;
    r += o;
    return r;
}

LinearCost LinearCost::operator*(double k) const {
    LinearCost r = *this;
    r.known *= k;
    for (auto& [name, w] : r.weight) w *= k;
    return r;
}

LinearCost LinearCost::term(const std::string& name, double w) {
    LinearCost r;
    if (w != 0) r.weight[name] = w;
    return r;
}

LinearCost LinearCost::constant(double value) {
    LinearCost r;
    r.known = value;
    return r;
}

CostCoefficients CostCoefficients::load(const std::string& data_dir) {
    const std::string path = data_dir + "/performance/coefficients.csv";
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read '" + path + "'");
    std::map<std::string, double> values;
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
        ++number;
        if (line.empty() || line[0] == '#' || line.rfind("name,", 0) == 0) continue;
        const auto comma = line.find(',');
        if (comma == std::string::npos) {
            throw std::runtime_error(path + ":" + std::to_string(number) + ": expected 'name,value'");
        }
        try {
            values[line.substr(0, comma)] = std::stod(line.substr(comma + 1));
        } catch (const std::exception&) {
            throw std::runtime_error(path + ":" + std::to_string(number) + ": bad value '" + line.substr(comma + 1) +
                                     "'");
        }
    }
    return from_map(std::move(values));
}

double CostCoefficients::evaluate(const LinearCost& cost) const {
    double sum = cost.known;
    for (const auto& [name, w] : cost.weight) {
        const auto it = values_.find(name);
        if (it == values_.end()) throw std::runtime_error("performance coefficient '" + name + "' is missing");
        sum += it->second * w;
    }
    return sum;
}

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

    // A weight code is stored offset to unsigned and split into cells of cell_bits, least significant first.
    const int cell_bits = ctx.cell_bits();
    const int cps = ctx.cols_per_synapse();
    const int top = (1 << cell_bits) - 1;
    const int offset = 1 << (ctx.weight_bits - 1);
    const HardwareConfig& hw = ctx.hw;
    // One digit step of a cell is this many programming pulses of the device.
    const double pulses_per_step =
        hw.memory_cell == MemoryCell::sram ? 1.0 : static_cast<double>(hw.max_levels_ltp - 1) / top;
    const std::size_t rows = layer.weight.shape[0], cols = layer.weight.shape[1];
    const std::size_t cells_per_block = static_cast<std::size_t>(hw.subarray_cols);
    double level_sum = 0, pulses = 0, row_steps = 0, changed = 0;
    for (std::size_t r = 0; r < rows; ++r) {
        int block_max = 0;
        std::size_t cell_col = 0;
        for (std::size_t c = 0; c < cols; ++c) {
            int now = layer.weight.values[r * cols + c] + offset;
            int before = layer.weight_old.values[r * cols + c] + offset;
            for (int d = 0; d < cps; ++d, ++cell_col) {
                const int digit_now = now & top, digit_before = before & top;
                now >>= cell_bits;
                before >>= cell_bits;
                const int step = std::abs(digit_now - digit_before);
                level_sum += digit_now;
                pulses += step;
                if (step) ++changed;
                block_max = std::max(block_max, step);
                if ((cell_col + 1) % cells_per_block == 0) {
                    row_steps += block_max;
                    block_max = 0;
                }
            }
        }
        row_steps += block_max;
    }
    const double cells = static_cast<double>(rows * cols * cps);
    a.conductance_fraction = cells > 0 ? level_sum / (cells * top) : 0;
    a.write_pulses = pulses * pulses_per_step;
    a.row_pulse_steps = row_steps * pulses_per_step;
    a.cells_changed = changed;
    return a;
}

// ---------------------------------------------------------------- per-layer costs

namespace {

// Units that carry a count to a latency, an energy or a power in the chosen technology.
struct TechnologyUnits {
    double gate_delay_s = 0;  // a minimum gate driving its own input load
    double clock_s = 0;
    double switch_energy_j = 0;  // charging a minimum gate once
    double wire_energy_j = 0;    // charging one cell pitch of wire (the memory's feature size) once
    double leakage_w = 0;        // off-current of a minimum device at Vdd
};

TechnologyUnits technology_units(const DesignContext& ctx) {
    const TechnologyNode& t = ctx.tech;
    const double cap_per_m = t.cap_ideal_gate_f_per_m + t.cap_fringe_f_per_m;
    TechnologyUnits u;
    u.gate_delay_s = cap_per_m * t.vdd_v / t.i_on_n_a_per_m;
    u.clock_s = 1.0 / ctx.hw.clock_frequency_hz;
    u.switch_energy_j = cap_per_m * t.f() * t.vdd_v * t.vdd_v;
    u.wire_energy_j = t.rules.wire_cap_f_per_m * ctx.hw.feature_size_nm * 1e-9 * t.vdd_v * t.vdd_v;
    u.leakage_w = t.i_off_n_a_per_m * t.f() * t.vdd_v;
    return u;
}

struct DramProperties {
    double bandwidth_bit_per_s = 0;
    double energy_per_bit_j = 0;
};

// Published figures the reference uses: HBM2 15.2 Tb/s at 3.9 pJ/bit, GDDR5 4.288 Tb/s at 14 pJ/bit.
DramProperties dram_properties(DramType type) {
    return type == DramType::hbm2 ? DramProperties{15.2e12, 3.9e-12} : DramProperties{4.288e12, 14e-12};
}

std::string family(const HardwareConfig& hw) {
    return hw.memory_cell == MemoryCell::sram ? "sram" : "envm";
}

std::string cell_name(const HardwareConfig& hw) {
    switch (hw.memory_cell) {
        case MemoryCell::sram:
            return "sram";
        case MemoryCell::rram:
            return "rram";
        case MemoryCell::fefet:
            return "fefet";
    }
    return "fefet";
}

// What the costs of one layer are counted from.
struct LayerCounts {
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
    double partial_sum_bits = 0;  // a partial sum leaving a sub-array
    double gradient_bits = 0;     // all weight gradients of the layer
};

// One read-out direction: forward (rows driven, columns read) or transposed.
struct PhaseCounts {
    double bits = 0;         // input cycles; zero when the phase does not run
    double reads = 0;        // array reads of one copy of the weights
    double muxed = 1;        // lines sharing one ADC, converted one after another
    double conversions = 0;  // ADC conversions over all copies
    double inputs = 0, outputs = 0;
};

struct ComputeCosts {
    LinearCost adc_s, array_s, accumulation_s, adc_j, array_j, accumulation_j;
    LinearCost latency() const { return adc_s + array_s + accumulation_s; }
    LinearCost energy() const { return adc_j + array_j + accumulation_j; }
};

// Global buffer, global H-tree and DRAM, for one pass of the layer's activations and for its gradients.
struct TransferCosts {
    LinearCost buffer_act_s, buffer_act_j, buffer_grad_s, buffer_grad_j;
    LinearCost tree_s, tree_j;
    LinearCost dram_act_s, dram_act_j, dram_grad_s, dram_grad_j;
};

struct TileCosts {
    LinearCost buffer_s, buffer_j, bus_s, bus_j;
};

struct UpdateCosts {
    LinearCost peak_s, peak_j;          // programming the arrays
    LinearCost transfer_s, transfer_j;  // bringing the gradients to them
};

// Builds the linear costs of one layer; counts are per image unless said otherwise.
class LayerCostBuilder {
public:
    LayerCostBuilder(const DesignContext& ctx, const Trace& trace, const Floorplan& plan, const ChipArea& area)
        : ctx_(ctx),
          trace_(trace),
          plan_(plan),
          area_(area),
          units_(technology_units(ctx)),
          fam_("@" + family(ctx.hw)),
          cell_("@" + cell_name(ctx.hw)) {}

    LayerCosts build(std::size_t index, const LayerActivity& act) const;

private:
    // Latency events can be limited by gate delays or by the clock; both are offered.
    LinearCost latency(const std::string& name, double count) const {
        return LinearCost::term(name + ".gate", count * units_.gate_delay_s) +
               LinearCost::term(name + ".clock", count * units_.clock_s);
    }
    // Energy events charge gates (scaling with the node) and wires (scaling with the cell pitch).
    LinearCost energy(const std::string& name, double count) const {
        return LinearCost::term(name, count * units_.switch_energy_j) +
               LinearCost::term(name + ".wire", count * units_.wire_energy_j);
    }

    LayerCounts counts(std::size_t index, const LayerActivity& act) const;
    PhaseCounts forward(const LayerCounts& c) const;
    PhaseCounts transposed(const LayerCounts& c) const;
    ComputeCosts compute(const LayerCounts& c, const PhaseCounts& ph, const std::string& direction) const;
    void readout(const LayerCounts& c, const PhaseCounts& ph, const std::string& direction, ComputeCosts* k) const;
    void accumulation(const LayerCounts& c, const PhaseCounts& ph, const std::string& direction,
                      ComputeCosts* k) const;
    TransferCosts transfers(const LayerCounts& c) const;
    TileCosts tile(const LayerCounts& c, const PhaseCounts& ph) const;
    // What the layer's inputs occupy in the SRAM gradient unit.
    struct GradientFootprint {
        double rows, cols, arrays_in_row, arrays_in_col;
    };
    GradientFootprint gradient_footprint(const LayerCounts& c) const;
    LinearCost gradient_latency(const LayerCounts& c) const;
    LinearCost gradient_energy(const LayerCounts& c) const;
    UpdateCosts update(const LayerCounts& c) const;
    LinearCost tile_leakage(const LayerCounts& c) const;

    const DesignContext& ctx_;
    const Trace& trace_;
    const Floorplan& plan_;
    const ChipArea& area_;
    TechnologyUnits units_;
    std::string fam_;   // cell family (sram or envm) of cell-dependent coefficients
    std::string cell_;  // the cell itself, for programming
};

LayerCounts LayerCostBuilder::counts(std::size_t index, const LayerActivity& act) const {
    const HardwareConfig& hw = ctx_.hw;
    const LayerShape& l = trace_.network[index];
    const LayerPlacement& p = plan_.layers[index];
    LayerCounts c;
    c.shape = &l;
    c.place = &p;
    c.activity = &act;
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
    c.partial_sum_bits = std::log2(static_cast<double>(hw.adc_levels)) + c.input_bits + c.cols_per_synapse + 1;
    c.gradient_bits = c.weights * area_.wg_output_bits;
    return c;
}

PhaseCounts LayerCostBuilder::forward(const LayerCounts& c) const {
    const HardwareConfig& hw = ctx_.hw;
    return {c.input_bits,
            c.n * c.input_bits / c.speedup,
            static_cast<double>(hw.columns_per_adc),
            c.n * c.input_bits * c.row_blocks * std::ceil(c.cols / hw.columns_per_adc),
            c.rows,
            c.cols};
}

PhaseCounts LayerCostBuilder::transposed(const LayerCounts& c) const {
    const HardwareConfig& hw = ctx_.hw;
    if (c.first) return {};
    return {c.error_bits,
            c.n * c.error_bits / c.speedup,
            static_cast<double>(hw.ag_rows_per_adc),
            c.n * c.error_bits * c.col_blocks * std::ceil(c.rows / hw.ag_rows_per_adc),
            c.cols,
            c.rows};
}

ComputeCosts LayerCostBuilder::compute(const LayerCounts& c, const PhaseCounts& ph, const std::string& dir) const {
    ComputeCosts k;
    if (ph.bits == 0) return k;
    readout(c, ph, dir, &k);
    accumulation(c, ph, dir, &k);
    return k;
}

// Sub-array read-out: the array itself and its ADCs, from the circuit model of one read cycle
// (readout.hpp). Latency: the copies of the weights read their share of the input cycles one after
// another, each cycle as long as the slowest sub-array's. Energy: every sub-array of every row and
// column block is read in every input cycle; the sense amplifiers convert each mapped column (the
// transposed read is charged per mapped forward column and with the forward column statistics, as the
// reference counts it).
void LayerCostBuilder::readout(const LayerCounts& c, const PhaseCounts& ph, const std::string& dir,
                               ComputeCosts* k) const {
    const HardwareConfig& hw = ctx_.hw;
    const bool forward = dir.empty();
    const ReadDirection direction = forward ? ReadDirection::forward : ReadDirection::transposed;
    const SenseAmpAdc adc(ctx_, forward ? hw.adc_levels : hw.ag_adc_levels);
    const SensingCost sensing = mean_sensing_cost(adc, c.activity->column_sample);
    // Share of a sub-array's driven lines that carry a 1: the mapped ones, at the input bit activity
    // (the trace holds no error codes; the transposed read's error bits are taken as active).
    const double mapped = forward ? c.rows / c.row_blocks / hw.subarray_rows : c.cols / c.col_blocks / hw.subarray_cols;
    const double activity = c.activity->input_bit_activity * std::min(1.0, mapped);
    const ReadCycleCost cycle = read_cycle_cost(ctx_, direction, sensing, activity, static_cast<int>(ph.bits));
    const double subarray_reads = c.n * ph.bits * c.row_blocks * c.col_blocks;
    const double column_conversions = c.n * ph.bits * c.row_blocks * c.cols;
    k->adc_s = LinearCost::constant(ph.reads * cycle.adc_s);
    k->array_s = LinearCost::constant(ph.reads * cycle.array_s);
    k->adc_j = LinearCost::constant(subarray_reads * cycle.adc_j + column_conversions * cycle.adc_per_column_j);
    k->array_j = LinearCost::constant(subarray_reads * cycle.array_j);
}

// Shift-add, adder trees and chip-level accumulation of the partial sums.
void LayerCostBuilder::accumulation(const LayerCounts& c, const PhaseCounts& ph, const std::string& dir,
                                    ComputeCosts* k) const {
    const LayerPlacement& p = *c.place;
    const double chip_adds = p.tiles_along_rows > 1 ? p.tiles_along_cols * c.ofm * c.n *
                                                          std::ceil(std::log2(static_cast<double>(p.tiles_along_rows)))
                                                    : 0.0;
    k->accumulation_s = p.novel ? latency("accumulation_latency_novel" + fam_, c.n * ph.bits)
                                : latency("accumulation_latency_conventional" + fam_, ph.reads);
    k->accumulation_s += latency("chip_accumulation_latency", chip_adds);
    // Partial sums of the row blocks that share outputs meet in an adder tree, one level per doubling:
    // the blocks of one kernel position in a novel PE, those of one tile otherwise.
    const double blocks = p.novel ? std::ceil(c.shape->ifm_c / static_cast<double>(ctx_.hw.subarray_rows))
                                  : std::max(1.0, c.row_blocks / p.tiles_along_rows);
    k->accumulation_s +=
        latency("accumulation_latency_tree" + fam_, c.n * ph.bits * std::ceil(std::log2(std::max(1.0, blocks))));
    k->accumulation_j =
        energy("accumulation_energy" + dir + fam_, ph.conversions) + energy("chip_accumulation_energy", chip_adds);
}

TransferCosts LayerCostBuilder::transfers(const LayerCounts& c) const {
    const HardwareConfig& hw = ctx_.hw;
    const LayerShape& l = *c.shape;
    const LayerPlacement& p = *c.place;
    TransferCosts t;
    // Global buffer: reads send inputs to the tiles, writes take outputs back; the layer's tiles use
    // their share of the bus, the cores work in parallel up to the bus width.
    const double bits_out = c.rows * c.input_bits * c.n / l.k_h;
    const double bits_in = c.ofm * c.input_bits * c.n / (l.pool ? 4.0 : 1.0);
    const double interface_bits = hw.global_buffer_core_cols;
    const double cores =
        std::max(1.0, std::min(area_.global_buffer_cores, std::ceil(area_.global_bus_width_bits / interface_bits)));
    const double share = std::ceil(c.total_tiles / c.tiles);
    auto buffer_s = [&](double read_bits, double write_bits, double tile_share) {
        return latency("global_buffer_read_latency", read_bits / interface_bits / cores * tile_share) +
               latency("global_buffer_write_latency", write_bits / interface_bits / cores * tile_share);
    };
    // A larger buffer drives longer lines: part of the energy per bit grows with the side of the core array.
    const double span = std::sqrt(std::max(1.0, area_.global_buffer_cores));
    auto buffer_j = [&](double read_bits, double write_bits) {
        return energy("global_buffer_read_energy", read_bits) + energy("global_buffer_write_energy", write_bits) +
               energy("global_buffer_span_energy", (read_bits + write_bits) * span);
    };
    // Outputs are also staged before pooling.
    t.buffer_act_s =
        buffer_s(bits_out, bits_in, share) +
        latency("global_buffer_staging_latency", c.ofm * c.input_bits * c.n / interface_bits / cores * share);
    t.buffer_act_j = buffer_j(bits_out, bits_in);
    t.buffer_grad_s = buffer_s(c.gradient_bits, c.gradient_bits, 1.0);
    t.buffer_grad_j = buffer_j(c.gradient_bits, c.gradient_bits);

    // Global H-tree; tiles stacked over the weight rows also send partial sums to the chip adders, and
    // a layer spread over more tiles sends its data over more branches.
    const double bus_bits = std::max(1.0, std::ceil(area_.global_bus_width_bits * c.tiles / c.total_tiles));
    const double hops = plan_.tile_grid_rows;
    const double partial_bits = (p.tiles_along_rows - 1.0) * p.tiles_along_cols * c.ofm * c.n * c.partial_sum_bits;
    t.tree_s = latency("global_bus_latency", std::ceil((bits_out + bits_in) / bus_bits) * hops) +
               latency("global_bus_partial_sum_latency", partial_bits / bus_bits * hops);
    const double tree_bits = bits_out + bits_in + partial_bits;
    const double tile_span_f = area_.tile_side_m / ctx_.tech.f() / 1e3;
    t.tree_j = energy("global_bus_energy", tree_bits * hops * tile_span_f) +
               energy("global_bus_spread_energy", tree_bits * std::sqrt(c.tiles) * tile_span_f);

    // DRAM: the activation traffic is counted as the reference counts it (see README).
    const DramProperties dram = dram_properties(hw.dram);
    const double act_bits = static_cast<double>(l.ifm_h) * l.ifm_w * c.input_bits;
    t.dram_act_s = LinearCost::constant(act_bits / dram.bandwidth_bit_per_s);
    t.dram_act_j = LinearCost::constant(act_bits * dram.energy_per_bit_j);
    t.dram_grad_s = LinearCost::constant(c.gradient_bits / dram.bandwidth_bit_per_s);
    t.dram_grad_j = LinearCost::constant(c.gradient_bits * dram.energy_per_bit_j);
    return t;
}

TileCosts LayerCostBuilder::tile(const LayerCounts& c, const PhaseCounts& ph) const {
    TileCosts k;
    if (ph.bits == 0) return k;
    const HardwareConfig& hw = ctx_.hw;
    const LayerPlacement& p = *c.place;
    // Tiles of a layer work in parallel. Both directions move the same vectors (the transposed read
    // swaps their roles): inputs as they arrive, outputs as partial sums of every row block.
    const double in_bits = c.n * ph.bits * c.rows;
    const double out_bits = c.n * c.ofm * c.partial_sum_bits * c.row_blocks;
    // The input buffer is filled for all rows it serves, used or not: the whole conventional tile, or
    // one PE of a novel tile (its PEs, one per kernel position, are filled in parallel).
    const double tile_rows = p.novel ? plan_.novel_pe_size : plan_.conventional_tile_size;
    const double core = hw.tile_buffer_core_cols;
    k.buffer_s = latency("tile_buffer_input_latency", in_bits / c.tiles / core) +
                 latency("tile_buffer_output_latency", out_bits / c.tiles / core) +
                 latency("tile_buffer_capacity_latency", c.n * ph.bits * tile_rows / core) +
                 latency("tile_buffer_latency_reads", ph.reads);
    // Before the shift-add across a weight's cells, partial sums are held per cell column.
    k.buffer_j = energy("tile_buffer_input_energy", in_bits) + energy("tile_buffer_output_energy", out_bits) +
                 energy("tile_buffer_column_energy", out_bits * c.cols_per_synapse);
    const double bus_bits = static_cast<double>(plan_.conventional_pes_per_side()) * hw.subarray_rows;
    k.bus_s = latency("tile_bus_latency", (in_bits + out_bits) / c.tiles / bus_bits) +
              latency("tile_bus_latency_reads", ph.reads);
    k.bus_j = energy("tile_bus_energy", (in_bits + out_bits) * area_.tile_side_m / ctx_.tech.f() / 1e3);
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

LinearCost LayerCostBuilder::gradient_latency(const LayerCounts& c) const {
    const HardwareConfig& hw = ctx_.hw;
    const auto [rows, cols, in_row, in_col] = gradient_footprint(c);
    double copies_rows = std::max(1.0, std::floor(in_row / std::max(1.0, std::ceil(rows / hw.wg_subarray_rows))));
    double copies_cols = std::max(1.0, std::floor(in_col / std::max(1.0, std::ceil(cols / hw.wg_subarray_cols))));
    if (rows == 1) {
        copies_rows = in_row;
        copies_cols = std::max(1.0, std::floor(cols / hw.wg_subarray_cols));
    }
    const double reads = c.ofm * hw.wg_rows_per_adc * c.input_bits;
    const double adders =
        std::max(1.0, static_cast<double>(area_.arrays_written_in_parallel) * hw.subarray_rows * hw.subarray_cols);
    return latency("wg_read_latency", c.kernel * reads / (copies_rows * copies_cols)) +
           latency("wg_write_latency", c.kernel) + latency("wg_accumulation_latency", std::ceil(c.weights / adders));
}

LinearCost LayerCostBuilder::gradient_energy(const LayerCounts& c) const {
    const HardwareConfig& hw = ctx_.hw;
    const auto [rows, cols, in_row, in_col] = gradient_footprint(c);
    // Energy follows the share of the unit the layer occupies and the activity of the stored inputs.
    const double used = rows * cols / (in_row * in_col * hw.wg_subarray_rows * hw.wg_subarray_cols);
    const double reads = c.ofm * hw.wg_rows_per_adc * c.input_bits;
    const double a = c.activity->input_bit_activity;
    return energy("wg_read_energy", used * c.kernel * reads) +
           energy("wg_read_energy_active", used * c.kernel * reads * a) + energy("wg_accumulation_energy", c.weights);
}

UpdateCosts LayerCostBuilder::update(const LayerCounts& c) const {
    const HardwareConfig& hw = ctx_.hw;
    const LayerPlacement& p = *c.place;
    const LayerActivity& act = *c.activity;
    // Conventionally mapped copies stacked along the rows are programmed one after another (copies side
    // by side share a row write); rows stacked in one sub-array are written row by row; the gradient
    // buffer lets `arrays_written_in_parallel` arrays be written at once.
    const double copies = p.novel || p.speedup_rows <= 1 ? 1.0 : c.speedup;
    const double stacked_rows = p.novel ? 1.0 : p.array_dup_rows;
    const double parallel = std::max(1, area_.arrays_written_in_parallel);
    UpdateCosts u;
    if (hw.memory_cell == MemoryCell::sram) {
        u.peak_s =
            LinearCost::term("wu_latency" + cell_, act.row_pulse_steps * stacked_rows * units_.clock_s / parallel);
        u.peak_j = LinearCost::term("wu_energy" + cell_, act.cells_changed * copies * units_.switch_energy_j);
    } else {
        const double pulse_energy_j =
            hw.write_voltage_v * hw.write_voltage_v * hw.write_pulse_width_s / hw.resistance_on_ohm;
        u.peak_s = LinearCost::term("wu_latency" + cell_,
                                    act.row_pulse_steps * stacked_rows * hw.write_pulse_width_s / parallel);
        u.peak_j = LinearCost::term("wu_energy" + cell_, act.write_pulses * copies * pulse_energy_j);
    }
    u.peak_j += energy("wu_periphery_energy" + fam_, act.write_pulses * copies);
    // Moving the gradients in (per weight), the set-up of each novel tile and of tiles whose partial
    // sums meet, and the set-up of duplicated copies (the calibration shows it per layer, not per copy).
    u.transfer_j = energy("wu_transfer_energy" + cell_, c.weights) +
                   energy("wu_transfer_energy_novel" + cell_, p.novel ? c.tiles : 0.0) +
                   energy("wu_transfer_energy_across_tiles" + cell_, p.tiles_along_rows - 1.0) +
                   energy("wu_duplicate_energy" + cell_, p.novel ? 1.0 - 1.0 / c.speedup : 0.0);
    u.transfer_s = latency("wu_transfer_latency", c.rows * c.cols / hw.subarray_cols / parallel);
    return u;
}

// A fixed part per tile, a part per sub-array holding weights, and (conventional tiles) per used row.
LinearCost LayerCostBuilder::tile_leakage(const LayerCounts& c) const {
    const LayerPlacement& p = *c.place;
    const double arrays_per_tile = c.row_blocks * c.col_blocks * c.speedup / c.tiles;
    const double rows = p.novel ? 0.0
                                : std::min(c.rows * p.speedup_rows / p.tiles_along_rows,
                                           static_cast<double>(plan_.conventional_tile_size));
    return LinearCost::term((p.novel ? "leakage_tile_novel" : "leakage_tile_conventional") + fam_, units_.leakage_w) +
           LinearCost::term("leakage_array" + fam_, arrays_per_tile * units_.leakage_w) +
           LinearCost::term("leakage_rows_conventional" + fam_, rows * units_.leakage_w);
}

LayerCosts LayerCostBuilder::build(std::size_t index, const LayerActivity& act) const {
    const LayerCounts c = counts(index, act);
    const PhaseCounts fw = forward(c), ag = transposed(c);
    ComputeCosts cf = compute(c, fw, "");
    const ComputeCosts ca = compute(c, ag, "_transposed");
    // The chip's ReLU on the forward outputs counts with the array ("other" logic). Max pooling adds a
    // few comparator delays per image (under 1e-4 of the array's share), left out.
    const ActivationCost relu = relu_cost(ctx_, plan_, c.n * c.ofm);
    cf.array_s += LinearCost::constant(relu.latency_s);
    cf.array_j += LinearCost::constant(relu.energy_j);
    const TransferCosts t = transfers(c);
    const TileCosts tf = tile(c, fw), ta = tile(c, ag);
    const LinearCost wg_s = gradient_latency(c), wg_j = gradient_energy(c);
    const UpdateCosts wu = update(c);

    // Per image, except the update: once per batch.
    const double images = static_cast<double>(trace_.batch_size) * trace_.iterations;
    const double updates = trace_.iterations;
    LayerCosts out;
    out["latency_fw"] =
        (cf.latency() + t.buffer_act_s * 2 + t.tree_s + tf.buffer_s + tf.bus_s + t.dram_act_s * 2) * images;
    out["energy_fw"] =
        (cf.energy() + t.buffer_act_j * 2 + t.tree_j + tf.buffer_j + tf.bus_j + t.dram_act_j * 2) * images;
    if (!c.first) {
        out["latency_ag"] =
            (ca.latency() + t.buffer_act_s * 2 + t.tree_s + ta.buffer_s + ta.bus_s + t.dram_act_s * 2) * images;
        out["energy_ag"] =
            (ca.energy() + t.buffer_act_j * 2 + t.tree_j + ta.buffer_j + ta.bus_j + t.dram_act_j * 2) * images;
    } else {
        out["latency_ag"] = out["energy_ag"] = LinearCost{};
    }
    out["latency_wg"] =
        (wg_s + t.buffer_act_s * 2 + t.buffer_grad_s * 2 + t.dram_act_s * 2 + t.dram_grad_s * 2) * images;
    out["energy_wg"] =
        (wg_j + t.buffer_act_j * 2 + t.buffer_grad_j * 2 + t.dram_act_j * 2 + t.dram_grad_j * 2) * images;
    out["latency_wu"] = (wu.peak_s + wu.transfer_s) * updates;
    out["energy_wu"] = (wu.peak_j + wu.transfer_j) * updates;
    out["peak_latency_fw"] = cf.latency() * images;
    out["peak_latency_ag"] = ca.latency() * images;
    out["peak_latency_wg"] = wg_s * images;
    out["peak_latency_wu"] = wu.peak_s * updates;
    out["peak_energy_fw"] = cf.energy() * images;
    out["peak_energy_ag"] = ca.energy() * images;
    out["peak_energy_wg"] = wg_j * images;
    out["peak_energy_wu"] = wu.peak_j * updates;

    // FW, AG (not layer 1) and WG each move the activations through buffer and DRAM twice; the tree
    // carries them in FW and AG. The buffer breakdown also counts the gradients passing the buffers of
    // novel tiles on their way to the arrays, which the reference leaves out of the phase totals (README).
    const double act_transfers = c.first ? 4 : 6;
    const double tree_transfers = c.first ? 1 : 2;
    const double tile_gradient_bits = c.place->novel ? c.gradient_bits / ctx_.hw.tile_buffer_core_cols : 0.0;
    out["breakdown_latency_adc"] = (cf.adc_s + ca.adc_s) * images;
    out["breakdown_latency_array"] = (cf.array_s + ca.array_s) * images;
    out["breakdown_latency_accumulation"] = (cf.accumulation_s + ca.accumulation_s) * images;
    out["breakdown_latency_buffer"] = (t.buffer_act_s * act_transfers + t.buffer_grad_s * 2 + tf.buffer_s +
                                       ta.buffer_s + latency("tile_buffer_gradient_latency", tile_gradient_bits)) *
                                      images;
    out["breakdown_latency_interconnect"] = (t.tree_s * tree_transfers + tf.bus_s + ta.bus_s) * images;
    out["breakdown_latency_weight_gradient"] = wg_s * images;
    out["breakdown_latency_weight_update"] = wu.peak_s * updates;
    out["breakdown_latency_dram"] = (t.dram_act_s * act_transfers + t.dram_grad_s * 2) * images;
    out["breakdown_energy_adc"] = (cf.adc_j + ca.adc_j) * images;
    out["breakdown_energy_array"] = (cf.array_j + ca.array_j) * images;
    out["breakdown_energy_accumulation"] = (cf.accumulation_j + ca.accumulation_j) * images;
    out["breakdown_energy_buffer"] = (t.buffer_act_j * act_transfers + t.buffer_grad_j * 2 + tf.buffer_j + ta.buffer_j +
                                      energy("tile_buffer_gradient_energy", c.gradient_bits)) *
                                     images;
    out["breakdown_energy_interconnect"] = (t.tree_j * tree_transfers + tf.bus_j + ta.bus_j) * images;
    out["breakdown_energy_weight_gradient"] = wg_j * images;
    out["breakdown_energy_weight_update"] = wu.peak_j * updates;
    out["breakdown_energy_dram"] = (t.dram_act_j * act_transfers + t.dram_grad_j * 2) * images;

    const LinearCost leak = tile_leakage(c);
    out["tile_leakage_power"] = leak;
    out["leakage_power"] = leak * c.tiles;
    out["other_tiles"] = LinearCost::constant(c.total_tiles - c.tiles);
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
                                     const ChipArea& area, const CostCoefficients& k) {
    const std::vector<LayerCosts> costs = trace_layer_costs(ctx, trace, plan, area);

    ChipPerformance chip;
    auto value = [&](const LayerCosts& c, const char* name) { return k.evaluate(c.at(name)); };
    auto phases = [&](const LayerCosts& c, const std::string& prefix) {
        return PhaseFigures{value(c, (prefix + "_fw").c_str()), value(c, (prefix + "_ag").c_str()),
                            value(c, (prefix + "_wg").c_str()), value(c, (prefix + "_wu").c_str())};
    };
    auto breakdown = [&](const LayerCosts& c, const std::string& kind) {
        const std::string p = "breakdown_" + kind + "_";
        return Breakdown{value(c, (p + "adc").c_str()),           value(c, (p + "accumulation").c_str()),
                         value(c, (p + "array").c_str()),         value(c, (p + "buffer").c_str()),
                         value(c, (p + "interconnect").c_str()),  value(c, (p + "weight_gradient").c_str()),
                         value(c, (p + "weight_update").c_str()), value(c, (p + "dram").c_str())};
    };
    for (const LayerCosts& c : costs) {
        LayerPerformance lp;
        lp.latency_s = phases(c, "latency");
        lp.energy_j = phases(c, "energy");
        lp.peak_latency_s = phases(c, "peak_latency");
        lp.peak_energy_j = phases(c, "peak_energy");
        lp.latency_breakdown_s = breakdown(c, "latency");
        lp.energy_breakdown_j = breakdown(c, "energy");
        lp.leakage_power_w = value(c, "leakage_power");
        chip.layers.push_back(lp);
    }

    const std::size_t layers = costs.size();
    if (!ctx.hw.pipeline) {
        // Layer by layer: while one layer computes forward or activation gradient, the other tiles leak.
        for (std::size_t i = 0; i < layers; ++i) {
            LayerPerformance& lp = chip.layers[i];
            lp.leakage_energy_j = value(costs[i], "other_tiles") * value(costs[i], "tile_leakage_power") *
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
