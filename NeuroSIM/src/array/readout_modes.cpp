#include "neurosim/array/readout_modes.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "neurosim/array/memory_cell.hpp"
#include "neurosim/array/memory_cell_kind.hpp"
#include "neurosim/circuits/accumulation.hpp"
#include "neurosim/circuits/address_decoder.hpp"
#include "neurosim/circuits/circuits.hpp"
#include "neurosim/circuits/readout_adc.hpp"

namespace neurosim {

// ---------------------------------------------------------------- converters

SensingCost sar_sensing_cost(const SarAdc& adc, const ColumnSample& sample) {
    SensingCost cost;
    cost.time_s = adc.conversion_latency_s();
    cost.thermometer_encoder = false;  // the SAR register holds the binary code itself
    const double open_j = adc.conversion_energy_j(INFINITY);
    double energy = 0;
    for (const float g : sample.conductance_s) energy += g > 0 ? adc.conversion_energy_j(1 / g) : open_j;
    cost.energy_per_column_j = sample.conductance_s.empty() ? open_j : energy / sample.conductance_s.size();
    return cost;
}

SensingCost parallel_sensing_cost(const DesignContext& ctx, int levels, const ColumnSample& sample) {
    return ctx.adc().parallel_sensing(ctx, levels, sample);
}

// ---------------------------------------------------------------- sequential read-out

namespace {

constexpr double kStep = 1e20;  // slope of an ideal step input

// NeuroSim's latch sense-amplifier device widths, in feature sizes.
constexpr double kSenseP = 7.5, kSenseN = 3.75, kSenseIso = 12.5, kSenseEnable = 5.0, kSenseMux = 9.0;

double drain_f(double wn, double wp, const TechnologyNode& t) {
    return gate_capacitance(GateKind::inverter, 1, wn, wp, t.cell_height_m(), t).output_f;
}

int ceil_log2(double v) {
    return static_cast<int>(std::ceil(std::log2(std::max(1.0, v)) - 1e-9));
}

// Row decoder of a sequential read over `lines` lines (DecoderPath::sequential_row).
AddressDecoder row_decoder(double lines, const TechnologyNode& t) {
    return AddressDecoder({true, ceil_log2(static_cast<int>(lines)), false, false}, t);
}

}  // namespace

LatchSenseAmp::LatchSenseAmp(const TechnologyNode& t, double sense_v, double clock_hz)
    : t_(t), sense_v_(sense_v), clock_hz_(clock_hz) {
    const double f = t.f();
    load_f_ = gate_input_capacitance_f((kSenseP + kSenseN) * f, t) + drain_f(kSenseN * f, 0, t) +
              drain_f(0, kSenseP * f, t) + drain_f(0, kSenseIso * f, t) + drain_f(kSenseMux * f, 0, t);
    gm_s_ = neurosim::transconductance_s(kSenseN * f, true, t) + neurosim::transconductance_s(kSenseP * f, false, t);
}

double LatchSenseAmp::delay_s() const {
    // Positive feedback grows the split exponentially: from sense_v to V_dd in (C/gm) ln(V_dd/sense_v).
    return load_f_ / gm_s_ * std::log(t_.vdd_v / sense_v_) + 1 / clock_hz_;
}

double LatchSenseAmp::energy_j() const {
    return load_f_ * t_.vdd_v * t_.vdd_v;
}

double LatchSenseAmp::area_m2() const {
    const double f = t_.f();
    auto device = [&](double wn, double wp) { return standard_cell(GateKind::inverter, 1, wn, wp, t_).area_m2(); };
    return device(0, kSenseP * f) * 2 + device(kSenseN * f, 0) * 2 + device(0, kSenseIso * f) +
           device(kSenseEnable * f, 0);
}

int sequential_adder_bits(const DesignContext& ctx, ReadDirection direction) {
    const ArrayConfig& array_config = ctx.array_config;
    const double summed = direction == ReadDirection::forward ? array_config.subarray_rows : array_config.subarray_cols;
    const int digit = ctx.cell().static_cell() ? 1 : ctx.cell_bits();
    return ceil_log2(summed) + digit;
}

namespace {

// Conductance of one cell at each of its stored levels (the sequential read senses one cell).
std::vector<float> cell_level_conductance(const DesignContext& ctx) {
    const CellConfig& cell_config = ctx.cell_config;
    const int top = (1 << ctx.cell_bits()) - 1;
    const double g_on = 1 / cell_config.resistance_on_ohm, g_off = 1 / cell_config.resistance_off_ohm;
    const double series = ctx.cell().series_resistance_ohm(cell_config);
    std::vector<float> g;
    for (int lv = 0; lv <= top; ++lv) {
        const double cell = g_off + (g_on - g_off) * lv / std::max(1, top);
        g.push_back(static_cast<float>(1 / (1 / cell + series)));
    }
    return g;
}

// Single-cell conversion: time of the slowest level, mean energy over the levels.
SensingCost single_cell_sensing(const DesignContext& ctx, int readouts) {
    return ctx.adc().single_cell_sensing(ctx, readouts, 1 << ctx.cell_bits(), cell_level_conductance(ctx));
}

// Digital row accumulation after the converter: the adder and its register, per conversion.
struct RowAccumulator {
    double add_s = 0, add_j = 0;
};
RowAccumulator row_accumulator(const DesignContext& ctx, ReadDirection dir, double readouts) {
    const int bits = sequential_adder_bits(ctx, dir);
    const double clock = ctx.chip_config.clock_frequency_hz;
    const RippleAdder adder({bits, readouts}, ctx.tech);
    const FlipFlopModel reg({static_cast<double>(bits + 1)}, ctx.tech, clock);
    return {adder.delay_s(reg.input_capacitance_f()) + reg.capture_delay_s(),
            adder.energy_per_add_j() + reg.energy_per_clock_j()};
}

// The line a sequential read drives: the word line (access gates, to V_dd) forward, a bit line
// (to V_read) transposed.
DecoderLoad driven_line(const DesignContext& ctx, const ArrayLines& w, bool forward, bool access,
                        const AccessTransistor& a) {
    const TechnologyNode& t = ctx.tech;
    const double rows = ctx.array_config.subarray_rows, cols = ctx.array_config.subarray_cols;
    const double v_read = ctx.cell_config.read_voltage_v;
    DecoderLoad line;
    line.lines = static_cast<int>(forward ? rows : cols);
    if (forward) {
        line.line_f = w.row_wire_f + a.gate_f * cols;
        line.line_ohm = w.row_res_ohm;
        line.swing_v = access ? t.vdd_v : v_read;
    } else {
        line.line_f = w.col_wire_f + a.drain_f * rows;
        line.line_ohm = w.col_res_ohm;
        line.swing_v = v_read;
    }
    return line;
}

// Column mux of `muxed` lines per converter: minimum pass gates (sizing for R_on asks for no more)
// switch per selection.
double column_mux_energy_j(const TechnologyNode& t, int muxed, double readouts) {
    const double vdd2 = t.vdd_v * t.vdd_v;
    const double wn = t.min_nmos_width_m(), wp = t.pn_size_ratio * wn;
    const double pass_gate_f = gate_input_capacitance_f(wn, t) + gate_input_capacitance_f(wp, t);
    return muxed > 1 ? readouts * pass_gate_f * vdd2 : 0.0;
}

SequentialReadCost envm_sequential(const DesignContext& ctx, const SequentialReadParams& p) {
    const CellConfig& cell_config = ctx.cell_config;
    const ArrayConfig& array_config = ctx.array_config;
    const TrainingConfig& training_config = ctx.training_config;
    const TechnologyNode& t = ctx.tech;
    const bool forward = p.direction == ReadDirection::forward;
    const double rows = array_config.subarray_rows, cols = array_config.subarray_cols;
    const double drive_lines = forward ? rows : cols, read_lines = forward ? cols : rows;
    const int muxed = forward ? array_config.columns_per_adc : training_config.ag_rows_per_adc;
    const double readouts = read_lines / muxed;
    const ArrayLines w = array_lines(ctx);
    const double v_read = cell_config.read_voltage_v;

    // 1T1R / FeFET: the parallel read-out's access transistor (a quarter of R_on in its linear region);
    // a crossbar has none.
    const bool access = ctx.cell().gated_access(cell_config);
    const AccessTransistor a = access ? envm_access_transistor(ctx) : AccessTransistor{};
    const DecoderLoad line = driven_line(ctx, w, forward, access, a);
    const double sensed_f = forward ? w.col_wire_f + a.drain_f * rows : w.row_wire_f + a.drain_f * cols;
    const double r_cell_avg = a.r_ohm + (cell_config.resistance_on_ohm + cell_config.resistance_off_ohm) / 2;

    SequentialReadCost c;
    c.select_s = row_decoder(drive_lines, t).delay_s(DecoderPath::sequential_row, line);
    // One cell alone drives the sensed line: a 20 % swing is enough to sense, per selected column.
    c.settle_s = 0.2 * sensed_f * r_cell_avg;
    const SensingCost s = single_cell_sensing(ctx, static_cast<int>(readouts));
    const int levels = 1 << ctx.cell_bits();
    const double enc_s = s.thermometer_encoder ? thermometer_encoder_delay_s(t, levels) : 0.0;
    const double enc_j = s.thermometer_encoder ? thermometer_encoder_energy_j(t, levels) : 0.0;
    c.sense_s = s.time_s + enc_s;
    const RowAccumulator acc = row_accumulator(ctx, p.direction, readouts);
    c.add_s = acc.add_s;

    const double reads = p.active_lines * muxed;  // one line at a time, its column groups in turn
    c.array_s = p.active_lines * c.select_s + reads * c.settle_s;
    if (ctx.quirk(Quirk::sequential_settling_once_per_cycle)) {
        // The settling of an input cycle's reads shared out over the cycle's input bits.
        c.array_s =
            p.active_lines * c.select_s + reads * c.settle_s / (forward ? ctx.input_bits : training_config.error_bits);
    }
    c.adc_s = reads * c.sense_s;
    c.accumulation_s = reads * c.add_s;

    const double mux_j = column_mux_energy_j(t, muxed, readouts);
    const double select_j = row_decoder(drive_lines, t).energy_j(DecoderPath::sequential_row, line);
    c.array_j = p.active_lines * select_j + reads * mux_j;
    const double conversions = p.active_lines * p.converted_lines;
    c.adc_j = p.active_lines * read_lines * sensed_f * v_read * v_read + conversions * (s.energy_per_column_j + enc_j);
    c.accumulation_j = conversions * acc.add_j;
    return c;
}

SequentialReadCost sram_sequential(const DesignContext& ctx, const SequentialReadParams& p) {
    const CellConfig& cell_config = ctx.cell_config;
    const ArrayConfig& array_config = ctx.array_config;
    const ChipConfig& chip_config = ctx.chip_config;
    const TechnologyNode& t = ctx.tech;
    const bool forward = p.direction == ReadDirection::forward;
    const double rows = array_config.subarray_rows, cols = array_config.subarray_cols;
    const double drive_lines = forward ? rows : cols, read_lines = forward ? cols : rows;
    const ArrayLines w = array_lines(ctx);
    const double f = t.f(), vdd = t.vdd_v;

    const AccessTransistor a = sram_access_transistor(ctx);
    const double r_pull_down = on_resistance_ohm(cell_config.sram_nmos_width_f * f, true, t);

    // The decoder drives the word line's two access gates per cell.
    DecoderLoad line;
    line.lines = static_cast<int>(drive_lines);
    line.line_f = (forward ? w.row_wire_f : w.col_wire_f) + 2 * a.gate_f * read_lines;
    line.line_ohm = forward ? w.row_res_ohm : w.col_res_ohm;
    line.swing_v = vdd;
    const double bit_f = (forward ? w.col_wire_f : w.row_wire_f) + a.drain_f * drive_lines;
    const double bit_ohm = forward ? w.col_res_ohm : w.row_res_ohm;

    SequentialReadCost c;
    c.select_s = row_decoder(drive_lines, t).delay_s(DecoderPath::sequential_row, line);
    // Precharge (6F PMOS per bit line), then the cell discharges the line by half the sense voltage.
    const double pre_w = 6 * f;
    const double pre_tau = on_resistance_ohm(pre_w, false, t) * (bit_f + drain_f(0, pre_w, t)) + bit_ohm * bit_f / 2;
    const double precharge_s = horowitz_delay_s(pre_tau, kStep);
    const double develop_tau = ((a.r_ohm + r_pull_down) * bit_f + bit_ohm * bit_f / 2) *
                               std::log(vdd / (vdd - cell_config.sram_min_sense_voltage_v / 2));
    c.settle_s = precharge_s + horowitz_delay_s(develop_tau, kStep);
    const LatchSenseAmp sa(t, cell_config.sram_min_sense_voltage_v, chip_config.clock_frequency_hz);
    c.sense_s = sa.delay_s();
    const RowAccumulator acc = row_accumulator(ctx, p.direction, read_lines);
    c.add_s = acc.add_s;

    // One amplifier per column: a whole row is sensed at once.
    c.array_s = p.active_lines * c.select_s;
    c.adc_s = p.active_lines * (c.settle_s + c.sense_s);
    c.accumulation_s = p.active_lines * c.add_s;
    const double conversions = p.active_lines * p.converted_lines;
    c.array_j = p.active_lines * row_decoder(drive_lines, t).energy_j(DecoderPath::sequential_row, line);
    c.adc_j = p.active_lines * bit_f * vdd * vdd * read_lines * 2 + conversions * sa.energy_j();
    c.accumulation_j = conversions * acc.add_j;
    return c;
}

}  // namespace

SequentialReadCost sequential_read_cost(const DesignContext& ctx, const SequentialReadParams& p) {
    if (ctx.cell().static_cell()) return sram_sequential(ctx, p);
    return envm_sequential(ctx, p);
}

// ---------------------------------------------------------------- layout

namespace {

// Blocks stacked along one edge of the array: their area and the depth they add away from it.
struct Edge : SequentialEdgeArea {
    void add(const Footprint& b, bool vertical, double* part) {
        *part += b.area_m2();
        depth_m += vertical ? b.height_m : b.width_m;
    }
};

Edge sequential_edge(const DesignContext& ctx, ReadDirection dir, double edge_m) {
    const CellConfig& cell_config = ctx.cell_config;
    const ArrayConfig& array_config = ctx.array_config;
    const ChipConfig& chip_config = ctx.chip_config;
    const TrainingConfig& training_config = ctx.training_config;
    const TechnologyNode& t = ctx.tech;
    const bool forward = dir == ReadDirection::forward;
    const bool vertical = forward;  // the forward edge lies below the array, the transposed one beside it
    const Fit fit = forward ? Fit::to_width(edge_m) : Fit::to_height(edge_m);
    const bool sram = ctx.cell().static_cell();
    const int read_lines = forward ? array_config.subarray_cols : array_config.subarray_rows;
    const int muxed = sram ? 1 : (forward ? array_config.columns_per_adc : training_config.ag_rows_per_adc);
    const int readouts = read_lines / muxed;
    const int cycles = forward ? ctx.input_bits : training_config.error_bits;
    const int cps = ctx.cols_per_synapse();
    Edge e;
    if (muxed > 1) {
        // Column mux of minimum pass gates (sized for one cell's R_on) and its decoder.
        const ColumnMux mux({static_cast<double>(readouts), muxed, false, cell_config.resistance_on_ohm}, t);
        const Footprint dec =
            AddressDecoder({true, ceil_log2(muxed), true, false}, t).layout(Fit::free_layout());
        const Footprint m = mux.layout(forward ? Fit::to_width(edge_m) : Fit::free_layout());
        const double depth = forward ? std::max(dec.height_m, m.height_m) : std::max(dec.width_m, m.width_m);
        e.other_m2 += depth * edge_m + dec.area_m2();
        e.depth_m += depth;
        e.side_m = forward ? dec.width_m : dec.height_m;
    }
    if (sram) {
        const double sa =
            LatchSenseAmp(t, cell_config.sram_min_sense_voltage_v, chip_config.clock_frequency_hz).area_m2() * readouts;
        e.add(forward ? Footprint{sa / edge_m, edge_m} : Footprint{edge_m, sa / edge_m}, vertical, &e.adc_m2);
    } else {
        for (const Footprint& b : ctx.adc().single_cell_layouts(ctx, readouts, 1 << ctx.cell_bits(), fit)) {
            e.add(b, vertical, &e.adc_m2);
        }
    }
    const int bits = sequential_adder_bits(ctx, dir);
    e.add(RippleAdder({bits, static_cast<double>(readouts)}, t).layout(fit), vertical, &e.accumulation_m2);
    e.add(FlipFlops({static_cast<double>((bits + 1) * readouts)}, t).layout(fit), vertical, &e.accumulation_m2);
    if (cps > 1) e.add(ShiftAdders({readouts, bits, cps}, t).layout(fit), vertical, &e.accumulation_m2);
    if (cycles > 1) e.add(ShiftAdders({readouts, bits + cps, cycles}, t).layout(fit), vertical, &e.accumulation_m2);
    return e;
}

}  // namespace

SequentialEdgeArea sequential_read_edge(const DesignContext& ctx, ReadDirection direction, double edge_m) {
    return sequential_edge(ctx, direction, edge_m);
}

namespace {

// The blocks above a sequential array, added to `a`: SRAM bit-line prechargers and write drivers,
// or eNVM source-line switches sized for one cell's on-resistance. Returns their height.
double add_blocks_above_array(const DesignContext& ctx, const MemoryCellModel& cell, double array_w, AreaParts& a) {
    const TechnologyNode& t = ctx.tech;
    const int cols = ctx.array_config.subarray_cols;
    if (ctx.cell().static_cell()) {
        const Footprint pre = BitlinePrecharger({cols}, t).layout(Fit::to_width(array_w));
        const Footprint write = BitlineWriteDriver({cols}, t).layout(Fit::to_width(array_w));
        a.adc_m2 += pre.area_m2();
        a.other_m2 += write.area_m2();
        return pre.height_m + write.height_m;
    }
    const Footprint sl = PassGateMatrix({false, cols, cell.on_resistance_ohm()}, t).layout(Fit::to_width(array_w));
    a.other_m2 += sl.area_m2();
    return sl.height_m;
}

// The converters, adders and other periphery of a read edge, added to `a`.
void add_edge_area(const Edge& e, AreaParts& a) {
    a.adc_m2 += e.adc_m2;
    a.accumulation_m2 += e.accumulation_m2;
    a.other_m2 += e.other_m2;
}

}  // namespace

SubArrayLayout sequential_subarray_layout(const DesignContext& ctx) {
    const ArrayConfig& array_config = ctx.array_config;
    const TrainingConfig& training_config = ctx.training_config;
    const TechnologyNode& t = ctx.tech;
    const MemoryCellModel cell(ctx);
    const int rows = array_config.subarray_rows, cols = array_config.subarray_cols;
    const double array_h = rows * cell.height_m(), array_w = cols * cell.width_m();
    const bool sram = ctx.cell().static_cell();
    SubArrayLayout l;
    AreaParts& a = l.parts;
    a.cim_array_m2 = array_h * array_w;

    // Row decoder with its word-line drivers along the array's side.
    const Footprint decoder = AddressDecoder({true, ceil_log2(rows), false, false}, t).layout(Fit::to_height(array_h));
    const double top_m = add_blocks_above_array(ctx, cell, array_w, a);
    a.other_m2 += decoder.area_m2();
    const Edge fwd = sequential_edge(ctx, ReadDirection::forward, array_w);
    l.height_m = top_m + array_h + fwd.depth_m;
    l.width_m = std::max(decoder.width_m, fwd.side_m) + array_w;
    add_edge_area(fwd, a);

    if (training_config.training_estimation) {
        const Edge back = sequential_edge(ctx, ReadDirection::transposed, array_h);
        l.width_m += back.depth_m;
        add_edge_area(back, a);
        if (sram) {
            // The transposed bit lines need their own decoder, precharge and write drivers.
            const Footprint dec_t =
                AddressDecoder({false, ceil_log2(cols), false, false}, t).layout(Fit::to_width(array_w));
            const Footprint pre_t = BitlinePrecharger({rows}, t).layout(Fit::free_layout());
            const Footprint write_t = BitlineWriteDriver({rows}, t).layout(Fit::free_layout());
            l.height_m += dec_t.height_m;
            l.width_m += pre_t.width_m + write_t.width_m;
            a.adc_m2 += pre_t.area_m2();
            a.other_m2 += dec_t.area_m2() + write_t.area_m2();
        }
    }
    a.total_m2 = a.cim_array_m2 + a.adc_m2 + a.accumulation_m2 + a.other_m2;
    return l;
}

}  // namespace neurosim
