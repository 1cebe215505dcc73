#include "neurosim/performance.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <sstream>
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

LayerActivity measure_activity(const TraceLayer& layer, const DesignContext& ctx) {
    LayerActivity a;
    // Input codes enter the array bit-serially in two's complement, one bit per cycle.
    const int bits = ctx.input_bits;
    const unsigned mask = (1u << bits) - 1u;
    std::array<int, 1 << 16> ones{};
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
    double leakage_w = 0;        // off-current of a minimum device at Vdd
};

TechnologyUnits technology_units(const DesignContext& ctx) {
    const TechnologyNode& t = ctx.tech;
    const double cap_per_m = t.cap_ideal_gate_f_per_m + t.cap_fringe_f_per_m;
    TechnologyUnits u;
    u.gate_delay_s = cap_per_m * t.vdd_v / t.i_on_n_a_per_m;
    u.clock_s = 1.0 / ctx.hw.clock_frequency_hz;
    u.switch_energy_j = cap_per_m * t.f() * t.vdd_v * t.vdd_v;
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

std::string family(const HardwareConfig& hw) { return hw.memory_cell == MemoryCell::sram ? "sram" : "envm"; }

std::string cell_name(const HardwareConfig& hw) {
    switch (hw.memory_cell) {
        case MemoryCell::sram: return "sram";
        case MemoryCell::rram: return "rram";
        case MemoryCell::fefet: return "fefet";
    }
    return "fefet";
}

// Builds the linear costs of one layer; counts are per image unless said otherwise.
class LayerCostBuilder {
public:
    LayerCostBuilder(const DesignContext& ctx, const Trace& trace, const Floorplan& plan, const ChipArea& area)
        : ctx_(ctx), trace_(trace), plan_(plan), area_(area), units_(technology_units(ctx)),
          fam_("@" + family(ctx.hw)) {}

    LayerCosts build(std::size_t index, const LayerActivity& act) const;

private:
    // Latency events can be limited by gate delays or by the clock; both are offered.
    LinearCost latency(const std::string& name, double count) const {
        return LinearCost::term(name + ".gate", count * units_.gate_delay_s) +
               LinearCost::term(name + ".clock", count * units_.clock_s);
    }
    LinearCost energy(const std::string& name, double count) const {
        return LinearCost::term(name, count * units_.switch_energy_j);
    }

    const DesignContext& ctx_;
    const Trace& trace_;
    const Floorplan& plan_;
    const ChipArea& area_;
    TechnologyUnits units_;
    std::string fam_;
};

LayerCosts LayerCostBuilder::build(std::size_t index, const LayerActivity& act) const {
    const HardwareConfig& hw = ctx_.hw;
    const LayerShape& l = trace_.network[index];
    const LayerPlacement& p = plan_.layers[index];
    const bool first = index == 0;
    const bool fc = l.k_h == 1 && l.k_w == 1 && l.ifm_h == 1 && l.ifm_w == 1;

    // Output pixels as the reference counts them (valid convolution; see README).
    const double n = static_cast<double>(l.ifm_h - l.k_h + 1) * (l.ifm_w - l.k_w + 1);
    const double b_in = ctx_.input_bits, b_err = hw.error_bits;
    const double speedup = p.speedup();
    const double cps = ctx_.cols_per_synapse();
    const double rows_w = static_cast<double>(l.weight_rows());
    const double ofm = l.ofm_c;
    const double cols_w = ofm * cps;
    const double k2 = static_cast<double>(l.kernel_positions());
    const double weights = rows_w * ofm;
    const double a = act.input_bit_activity;
    const double g = act.conductance_fraction;
    const double f = ctx_.tech.f();

    double total_tiles = 0;
    for (const auto& q : plan_.layers) total_tiles += q.tiles();
    const double tiles = p.tiles();

    // ---- compute on the synaptic arrays, forward and transposed
    const double row_blocks = p.novel ? k2 * std::ceil(l.ifm_c / static_cast<double>(hw.subarray_rows))
                                      : std::ceil(rows_w / hw.subarray_rows);
    const double col_blocks = std::ceil(cols_w / hw.subarray_cols);
    struct Phase {
        double bits = 0, reads = 0, muxed = 1, conversions = 0, inputs = 0, outputs = 0;
    };
    Phase fw{b_in, n * b_in / speedup, static_cast<double>(hw.columns_per_adc),
             n * b_in * row_blocks * std::ceil(cols_w / hw.columns_per_adc), rows_w, cols_w};
    Phase ag{};
    if (!first) {
        ag = {b_err, n * b_err / speedup, static_cast<double>(hw.ag_rows_per_adc),
              n * b_err * col_blocks * std::ceil(rows_w / hw.ag_rows_per_adc), cols_w, rows_w};
    }
    const double chip_adds = p.tiles_along_rows > 1 ? p.tiles_along_cols * ofm * n *
                                                          std::ceil(std::log2(static_cast<double>(p.tiles_along_rows)))
                                                    : 0.0;

    struct Compute {
        LinearCost adc_s, array_s, accumulation_s, adc_j, array_j, accumulation_j;
        LinearCost latency() const { return adc_s + array_s + accumulation_s; }
        LinearCost energy() const { return adc_j + array_j + accumulation_j; }
    };
    auto compute = [&](const Phase& ph) {
        Compute c;
        if (ph.bits == 0) return c;
        c.adc_s = latency("adc_latency" + fam_, ph.muxed * ph.reads);
        c.array_s = latency("array_latency" + fam_, ph.muxed * ph.reads);
        c.accumulation_s = p.novel ? latency("accumulation_latency_novel" + fam_, n * ph.bits)
                                   : latency("accumulation_latency_conventional" + fam_, ph.reads);
        c.accumulation_s += latency("chip_accumulation_latency", chip_adds);
        c.adc_j = energy("adc_energy" + fam_, ph.conversions) + energy("adc_energy_active" + fam_, ph.conversions * a);
        // Cell current flows where an input bit is 1, in proportion to the stored conductance; lines
        // are charged where inputs switch and on every read-out column.
        c.array_j = energy("array_energy_cell" + fam_, n * ph.bits * ph.inputs * ph.outputs * a * g / 1024) +
                    energy("array_energy_line" + fam_, n * ph.bits * (ph.inputs * a + ph.outputs));
        c.accumulation_j = energy("accumulation_energy" + fam_, ph.conversions) +
                           energy("chip_accumulation_energy", chip_adds);
        return c;
    };
    Compute cf = compute(fw);
    const Compute ca = compute(ag);
    // Activation and pooling on the forward outputs count with the array ("other" logic).
    const double activations = n * ofm * (l.pool ? 1.25 : 1.0);
    cf.array_s += latency("activation_latency", activations / 1024);
    cf.array_j += energy("activation_energy", activations);

    // ---- global buffer, global H-tree and DRAM (activation counts as the reference; see README)
    const double bits_out = rows_w * b_in * n / l.k_h;
    const double bits_in = ofm * b_in * n / (l.pool ? 4.0 : 1.0);
    const double interface_bits = hw.global_buffer_core_cols;
    const double parallel_cores =
        std::max(1.0, std::min(area_.global_buffer_cores, std::ceil(area_.global_bus_width_bits / interface_bits)));
    const double share = std::ceil(total_tiles / tiles);
    const LinearCost buffer_act_s = latency("global_buffer_latency", (bits_out + bits_in) / interface_bits /
                                                                          parallel_cores * share);
    const LinearCost buffer_act_j = energy("global_buffer_energy", bits_out + bits_in);
    const double gradient_bits = weights * area_.wg_output_bits;
    const LinearCost buffer_grad_s =
        latency("global_buffer_latency", 2 * gradient_bits / interface_bits / parallel_cores);
    const LinearCost buffer_grad_j = energy("global_buffer_energy", 2 * gradient_bits);

    const double bus_bits = std::max(1.0, std::ceil(area_.global_bus_width_bits * tiles / total_tiles));
    const double hops = plan_.tile_grid_rows;
    const LinearCost tree_s = latency("global_bus_latency", std::ceil((bits_out + bits_in) / bus_bits) * hops);
    const LinearCost tree_j =
        energy("global_bus_energy", (bits_out + bits_in) * hops * area_.tile_side_m / f / 1e3);

    const DramProperties dram = dram_properties(hw.dram);
    const double act_bits = static_cast<double>(l.ifm_h) * l.ifm_w * b_in;
    const LinearCost dram_act_s = LinearCost::constant(act_bits / dram.bandwidth_bit_per_s);
    const LinearCost dram_act_j = LinearCost::constant(act_bits * dram.energy_per_bit_j);
    const LinearCost dram_grad_s = LinearCost::constant(gradient_bits / dram.bandwidth_bit_per_s);
    const LinearCost dram_grad_j = LinearCost::constant(gradient_bits * dram.energy_per_bit_j);

    // ---- tile buffers and tile H-tree, per phase; tiles of a layer work in parallel
    auto tile_traffic = [&](const Phase& ph) { return n * ph.bits * (rows_w + ofm); };
    const double tile_bus_bits =
        static_cast<double>(plan_.conventional_pes_per_side()) * hw.subarray_rows;
    auto tile_buffer_s = [&](const Phase& ph) {
        if (ph.bits == 0) return LinearCost{};
        return latency("tile_buffer_latency", tile_traffic(ph) / tiles / hw.tile_buffer_core_cols) +
               latency("tile_buffer_latency_reads", ph.reads);
    };
    auto tile_buffer_j = [&](const Phase& ph) { return energy("tile_buffer_energy", tile_traffic(ph)); };
    auto tile_bus_s = [&](const Phase& ph) {
        if (ph.bits == 0) return LinearCost{};
        return latency("tile_bus_latency", tile_traffic(ph) / tiles / tile_bus_bits) +
               latency("tile_bus_latency_reads", ph.reads);
    };
    auto tile_bus_j = [&](const Phase& ph) {
        return energy("tile_bus_energy", tile_traffic(ph) * area_.tile_side_m / f / 1e3);
    };

    // ---- weight gradient on the SRAM gradient unit
    const double wg_rows = fc ? 1.0 : n;
    const double wg_cols = l.ifm_c * b_in;
    const double in_row = std::max(1, area_.wg_arrays_in_row), in_col = std::max(1, area_.wg_arrays_in_col);
    const double need_rows = std::max(1.0, std::ceil(wg_rows / hw.wg_subarray_rows));
    const double need_cols = std::max(1.0, std::ceil(wg_cols / hw.wg_subarray_cols));
    double copies_rows = std::max(1.0, std::floor(in_row / need_rows));
    double copies_cols = std::max(1.0, std::floor(in_col / need_cols));
    if (wg_rows == 1) {
        copies_rows = in_row;
        copies_cols = std::max(1.0, std::floor(wg_cols / hw.wg_subarray_cols));
    }
    const double used_share = wg_rows * wg_cols / (in_row * in_col * hw.wg_subarray_rows * hw.wg_subarray_cols);
    const double wg_reads = ofm * hw.wg_rows_per_adc * b_in;
    const double adders = std::max(1.0, static_cast<double>(area_.arrays_written_in_parallel) * hw.subarray_rows *
                                            hw.subarray_cols);
    const LinearCost wg_s = latency("wg_read_latency", k2 * wg_reads / (copies_rows * copies_cols)) +
                            latency("wg_write_latency", k2) +
                            latency("wg_accumulation_latency", std::ceil(weights / adders));
    const LinearCost wg_j = energy("wg_read_energy", used_share * k2 * wg_reads) +
                            energy("wg_read_energy_active", used_share * k2 * wg_reads * a) +
                            energy("wg_accumulation_energy", weights);

    // ---- weight update, once per batch; every copy of the weights is written
    const double copies = speedup;
    const double parallel = std::max(1, area_.arrays_written_in_parallel);
    const std::string cell = "@" + cell_name(hw);
    LinearCost wu_s, wu_j;
    if (hw.memory_cell == MemoryCell::sram) {
        wu_s = LinearCost::term("wu_latency" + cell, act.row_pulse_steps * copies * units_.clock_s / parallel);
        wu_j = LinearCost::term("wu_energy" + cell, act.cells_changed * copies * units_.switch_energy_j);
    } else {
        const double pulse_energy_j = hw.write_voltage_v * hw.write_voltage_v * hw.write_pulse_width_s /
                                      hw.resistance_on_ohm;
        wu_s = LinearCost::term("wu_latency" + cell,
                                act.row_pulse_steps * copies * hw.write_pulse_width_s / parallel);
        wu_j = LinearCost::term("wu_energy" + cell, act.write_pulses * copies * pulse_energy_j);
    }
    const double arrays_written = row_blocks * col_blocks * copies;
    wu_j += energy("wu_array_energy" + fam_, arrays_written * hw.subarray_rows);

    // ---- compose phases and breakdown (per image; weight update per batch)
    const double images = static_cast<double>(trace_.batch_size) * trace_.iterations;
    const double updates = trace_.iterations;
    LayerCosts out;
    const LinearCost fw_s = cf.latency() + buffer_act_s * 2 + tree_s + tile_buffer_s(fw) + tile_bus_s(fw) +
                            dram_act_s * 2;
    const LinearCost fw_j = cf.energy() + buffer_act_j * 2 + tree_j + tile_buffer_j(fw) + tile_bus_j(fw) +
                            dram_act_j * 2;
    LinearCost ag_s, ag_j;
    if (!first) {
        ag_s = ca.latency() + buffer_act_s * 2 + tree_s + tile_buffer_s(ag) + tile_bus_s(ag) + dram_act_s * 2;
        ag_j = ca.energy() + buffer_act_j * 2 + tree_j + tile_buffer_j(ag) + tile_bus_j(ag) + dram_act_j * 2;
    }
    const LinearCost wg_total_s = wg_s + buffer_act_s * 2 + buffer_grad_s * 2 + dram_act_s * 2 + dram_grad_s * 2;
    const LinearCost wg_total_j = wg_j + buffer_act_j * 2 + buffer_grad_j * 2 + dram_act_j * 2 + dram_grad_j * 2;

    out["latency_fw"] = fw_s * images;
    out["latency_ag"] = ag_s * images;
    out["latency_wg"] = wg_total_s * images;
    out["latency_wu"] = wu_s * updates;
    out["energy_fw"] = fw_j * images;
    out["energy_ag"] = ag_j * images;
    out["energy_wg"] = wg_total_j * images;
    out["energy_wu"] = wu_j * updates;
    out["peak_latency_fw"] = cf.latency() * images;
    out["peak_latency_ag"] = ca.latency() * images;
    out["peak_latency_wg"] = wg_s * images;
    out["peak_latency_wu"] = wu_s * updates;
    out["peak_energy_fw"] = cf.energy() * images;
    out["peak_energy_ag"] = ca.energy() * images;
    out["peak_energy_wg"] = wg_j * images;
    out["peak_energy_wu"] = wu_j * updates;

    const double act_transfers = first ? 4 : 6;  // FW, AG (not layer 1) and WG each move the activations twice
    const double tree_transfers = first ? 1 : 2;
    out["breakdown_latency_adc"] = (cf.adc_s + ca.adc_s) * images;
    out["breakdown_latency_array"] = (cf.array_s + ca.array_s) * images;
    out["breakdown_latency_accumulation"] = (cf.accumulation_s + ca.accumulation_s) * images;
    out["breakdown_latency_buffer"] =
        (buffer_act_s * act_transfers + buffer_grad_s * 2 + tile_buffer_s(fw) + tile_buffer_s(ag)) * images;
    out["breakdown_latency_interconnect"] = (tree_s * tree_transfers + tile_bus_s(fw) + tile_bus_s(ag)) * images;
    out["breakdown_latency_weight_gradient"] = wg_s * images;
    out["breakdown_latency_weight_update"] = wu_s * updates;
    out["breakdown_latency_dram"] = (dram_act_s * act_transfers + dram_grad_s * 2) * images;
    out["breakdown_energy_adc"] = (cf.adc_j + ca.adc_j) * images;
    out["breakdown_energy_array"] = (cf.array_j + ca.array_j) * images;
    out["breakdown_energy_accumulation"] = (cf.accumulation_j + ca.accumulation_j) * images;
    out["breakdown_energy_buffer"] =
        (buffer_act_j * act_transfers + buffer_grad_j * 2 + tile_buffer_j(fw) + tile_buffer_j(ag)) * images;
    out["breakdown_energy_interconnect"] = (tree_j * tree_transfers + tile_bus_j(fw) + tile_bus_j(ag)) * images;
    out["breakdown_energy_weight_gradient"] = wg_j * images;
    out["breakdown_energy_weight_update"] = wu_j * updates;
    out["breakdown_energy_dram"] = (dram_act_j * act_transfers + dram_grad_j * 2) * images;

    // ---- leakage of the layer's tiles: a fixed part per tile and a part per sub-array holding weights
    const double arrays_per_tile = arrays_written / tiles;
    const LinearCost tile_leak =
        LinearCost::term((p.novel ? "leakage_tile_novel" : "leakage_tile_conventional") + fam_, units_.leakage_w) +
        LinearCost::term("leakage_array" + fam_, arrays_per_tile * units_.leakage_w);
    out["tile_leakage_power"] = tile_leak;
    out["leakage_power"] = tile_leak * tiles;
    out["other_tiles"] = LinearCost::constant(total_tiles - tiles);
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
    for (const TraceLayer& l : trace.layers) activity.push_back(measure_activity(l, ctx));
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
        return Breakdown{value(c, (p + "adc").c_str()),          value(c, (p + "accumulation").c_str()),
                         value(c, (p + "array").c_str()),        value(c, (p + "buffer").c_str()),
                         value(c, (p + "interconnect").c_str()), value(c, (p + "weight_gradient").c_str()),
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
        // Pipelined: the slowest layer sets the stage time of forward and activation gradient; gradient
        // and update stay sequential (they share the gradient unit and the buffer).
        for (std::size_t i = 0; i < layers; ++i) {
            const LayerPerformance& lp = chip.layers[i];
            chip.latency_s.fw = std::max(chip.latency_s.fw, lp.latency_s.fw);
            chip.latency_s.ag = std::max(chip.latency_s.ag, lp.latency_s.ag);
            chip.latency_s.wg += lp.latency_s.wg;
            chip.latency_s.wu += lp.latency_s.wu;
            chip.peak_latency_s.fw = std::max(chip.peak_latency_s.fw, lp.peak_latency_s.fw);
            chip.peak_latency_s.ag = std::max(chip.peak_latency_s.ag, lp.peak_latency_s.ag);
            chip.peak_latency_s.wg += lp.peak_latency_s.wg;
            chip.peak_latency_s.wu += lp.peak_latency_s.wu;
            Breakdown& b = chip.latency_breakdown_s;
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
        // A layer idles, leaking, for the part of each stage it does not use.
        for (std::size_t i = 0; i < layers; ++i) {
            LayerPerformance& lp = chip.layers[i];
            const double idle_s =
                (chip.latency_s.fw - lp.latency_s.fw) + (chip.latency_s.ag - lp.latency_s.ag);
            lp.leakage_energy_j = lp.leakage_power_w * idle_s;
        }
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
