#include "neurosim/array/readout.hpp"

#include <algorithm>
#include <cmath>

#include "neurosim/array/memory_cell.hpp"
#include "neurosim/array/memory_cell_kind.hpp"
#include "neurosim/circuits/address_decoder.hpp"
#include "neurosim/technology/gate.hpp"

namespace neurosim {
namespace {

constexpr double kStep = 1e20;  // slope of an ideal step input
// Share of a cell's on-path resistance a switch in series may add (the reference's IR-drop tolerance).
constexpr double kSwitchIrDropShare = 0.25;

// ---------------------------------------------------------------- small gate helpers

struct Devices {
    const TechnologyNode& t;
    double min_n() const { return t.min_nmos_width_m(); }
    double min_p() const { return t.pn_size_ratio * t.min_nmos_width_m(); }
    double drain_f(double wn, double wp) const {
        return gate_capacitance(GateKind::inverter, 1, wn, wp, t.cell_height_m(), t).output_f;
    }
    double gate_f(double w) const { return gate_input_capacitance_f(w, t); }
    double r_n(double w) const { return on_resistance_ohm(w, true, t); }
    double r_p(double w) const { return on_resistance_ohm(w, false, t); }
    double vdd2() const { return t.vdd_v * t.vdd_v; }
};

// Scan flip-flop chain that shifts the input bits into the row drivers: each shift takes half a
// clock; every flip-flop toggles its clock inverters and clock gates, and passes its data.
struct ScanFlipFlops {
    double flops;
    double shift_time_s(double clock_hz) const { return 0.5 / clock_hz; }
    double shift_energy_j(const Devices& d) const {
        const GateCapacitance inv =
            gate_capacitance(GateKind::inverter, 1, d.min_n(), d.min_p(), d.t.cell_height_m(), d.t);
        const double tg_gate = d.gate_f(d.min_n()) + d.gate_f(d.min_p());
        const double tg_drain = d.drain_f(d.min_n(), d.min_p());
        const double clocking = (inv.input_f + inv.output_f) * 4 + tg_gate * 2;
        const double data = (tg_drain * 3 + inv.input_f) + (tg_drain + inv.output_f) + (inv.input_f + inv.output_f);
        return (clocking + data) * d.vdd2() * flops;
    }
};

// Transmission gate sized for an on-resistance `r` (NMOS and PMOS in parallel, each 2r). A device
// cannot be drawn narrower than the minimum width, so a high target resistance ends at a minimum gate.
struct SizedPassGate {
    double wn, wp;
    static SizedPassGate for_resistance(double r, const Devices& d) {
        const double f = d.t.f();
        return {std::max(d.min_n(), d.r_n(f) * f / (2 * r)), std::max(d.min_n(), d.r_p(f) * f / (2 * r))};
    }
    double resistance_ohm(const Devices& d) const { return 1 / (1 / d.r_n(wn) + 1 / d.r_p(wp)); }
};

// Thermometer-to-binary encoder after the sense amplifier: INV -> NAND2 -> wide NAND; the first two
// stages set the latency, every gate toggles once per conversion.
struct Encoder {
    int levels;
    struct Gates {
        GateCapacitance inv, nand, wide;  // the wide NAND has levels / 2 inputs
    };
    Gates gates(const Devices& d) const {
        const double h = d.t.cell_height_m();
        return {gate_capacitance(GateKind::inverter, 1, d.min_n(), d.min_p(), h, d.t),
                gate_capacitance(GateKind::nand, 2, 2 * d.min_n(), d.min_p(), h, d.t),
                gate_capacitance(GateKind::nand, levels / 2, 2 * d.min_n(), d.min_p(), h, d.t)};
    }
    double delay_s(const Devices& d) const {
        const auto [inv, nand, wide] = gates(d);
        double slope = 0;
        const double first = horowitz_delay_s(d.r_n(d.min_n()) * 2 * (inv.output_f + nand.input_f * 2), kStep, &slope);
        const double second = horowitz_delay_s(d.r_p(d.min_p()) * (nand.output_f + wide.input_f * (levels / 2)), slope);
        return first + second;
    }
    double energy_j(const Devices& d) const {
        const int bits = static_cast<int>(std::ceil(std::log2(static_cast<double>(levels))));
        const auto [inv, nand, wide] = gates(d);
        return ((inv.input_f + inv.output_f + nand.input_f + nand.output_f) * (levels + bits) +
                (wide.input_f + wide.output_f) * bits) *
               d.vdd2();
    }
};

// Analog column mux: `outputs` read-outs, each selecting one of `selection` lines through a pass gate
// sized for `pass_ohm`; its enable decoder is a 2-bit predecoder, a NOR stage and a NAND-INV-INV driver.
struct ColumnMuxPath {
    double outputs;
    int selection;
    double pass_ohm;
    double read_voltage;

    double select_delay_s(const Devices& d) const {
        const SizedPassGate g = SizedPassGate::for_resistance(pass_ohm, d);
        // One device of the gate carries the signal: twice the pair's resistance.
        const double load = d.drain_f(g.wn, g.wp) + 0.5 * d.gate_f(g.wn) + 0.5 * d.gate_f(g.wp);
        const double tau = g.resistance_ohm(d) * 2 * load;
        return 2.3 * tau;  // 0 to 90 % through one device of the gate
    }
    double select_energy_j(const Devices& d) const {
        const SizedPassGate g = SizedPassGate::for_resistance(pass_ohm, d);
        return (d.gate_f(g.wn) * d.vdd2() + d.drain_f(g.wn, g.wp) * 2 * read_voltage * read_voltage) * outputs;
    }
    // The enable decoder (address_decoder.hpp: DecoderPath::mux_enable) drives the pass gates of every
    // read-out.
    AddressDecoder decoder(const Devices& d) const {
        const int bits = static_cast<int>(std::ceil(std::log2(static_cast<double>(selection))));
        return AddressDecoder({true, bits, true, false}, d.t);
    }
    double decoder_energy_j(const Devices& d) const { return decoder(d).energy_j(DecoderPath::mux_enable, {}); }
    double decoder_delay_s(const Devices& d) const {
        const SizedPassGate g = SizedPassGate::for_resistance(pass_ohm, d);
        DecoderLoad enables;
        enables.enable_n_f = d.gate_f(g.wn) * outputs;
        enables.enable_p_f = d.gate_f(g.wp) * outputs;
        return decoder(d).delay_s(DecoderPath::mux_enable, enables);
    }
    // Per read cycle: `selection` selections, of which the input bits share the cost.
    double delay_s(const Devices& d) const {
        return selection > 1 ? (select_delay_s(d) + decoder_delay_s(d)) * selection : 0.0;
    }
    double energy_j(const Devices& d) const {
        return selection > 1 ? (select_energy_j(d) + decoder_energy_j(d)) * selection : 0.0;
    }
};

// What both read-out flavours start from: the devices, the array lines, and the array sides a read
// cycle in direction `dir` uses (forward, the rows carry the input bits and the columns are sensed;
// transposed, the other way round, with the transposed read-out's ADCs).
struct ReadSides {
    Devices d;
    ArrayLines lines;
    double f;            // feature size
    bool forward;
    double drive_lines;  // lines carrying the input bits
    double read_lines;   // lines sensed
    int muxed;           // sensed lines sharing one ADC
    int levels;          // ADC levels
};

ReadSides read_sides(const DesignContext& ctx, ReadDirection dir) {
    const ArrayConfig& array_config = ctx.array_config;
    const TrainingConfig& training_config = ctx.training_config;
    const bool forward = dir == ReadDirection::forward;
    const double rows = array_config.subarray_rows, cols = array_config.subarray_cols;
    return {Devices{ctx.tech},
            array_lines(ctx),
            ctx.tech.f(),
            forward,
            forward ? rows : cols,
            forward ? cols : rows,
            forward ? array_config.columns_per_adc : training_config.ag_rows_per_adc,
            forward ? array_config.adc_levels : training_config.ag_adc_levels};
}

// ---------------------------------------------------------------- eNVM (1T1R / FeFET) read-out

ReadCycleCost envm_cycle(const DesignContext& ctx, ReadDirection dir, const SensingCost& sensing, double activity,
                         int cycles) {
    const CellConfig& cell_config = ctx.cell_config;
    const ArrayConfig& array_config = ctx.array_config;
    const ChipConfig& chip_config = ctx.chip_config;
    const auto [d, lines, f, forward, drive_lines, read_lines, muxed, levels] = read_sides(ctx, dir);
    const double rows = array_config.subarray_rows, cols = array_config.subarray_cols;

    const AccessTransistor access = envm_access_transistor(ctx);
    const double word_line_f = lines.row_wire_f + access.gate_f * cols;   // row: access gates
    const double bit_line_f = lines.col_wire_f + access.drain_f * rows;    // column: access drains
    const double row_line_f = lines.row_wire_f + access.drain_f * cols;    // row read transposed
    const double r_cell_on = access.r_ohm + cell_config.resistance_on_ohm;
    const double r_cell_avg = access.r_ohm + (cell_config.resistance_on_ohm + cell_config.resistance_off_ohm) / 2;
    const double v_read = cell_config.read_voltage_v;

    ReadCycleCost c;
    const ScanFlipFlops flops{drive_lines};
    // Sensed line RC: it settles through half its cells on average, to a 20 % swing per selection.
    const double sensed_f = forward ? bit_line_f : row_line_f;
    const double settle_s = 0.2 * muxed * sensed_f * r_cell_avg / (drive_lines / 2);
    double driver_s = 0, driver_j = 0;
    if (forward) {
        // Row drivers: a minimum pass gate per row passes V_access to the access gates and V_read.
        const SizedPassGate tg{d.min_n(), d.min_p()};
        const double wn = tg.wn, wp = tg.wp;
        const double tg_drain = d.drain_f(wn, wp);
        const double tau = tg.resistance_ohm(d) * (tg_drain * 5 + word_line_f) + lines.row_res_ohm * word_line_f / 2;
        driver_s = horowitz_delay_s(tau, kStep) * muxed + flops.shift_time_s(chip_config.clock_frequency_hz) * muxed;
        // The gates pass V_access and V_read through their drains and three gates open per selected row;
        // the word line itself is charged with the array lines (counted with the ADC, once).
        const double per_row = tg_drain * 2 * cell_config.access_voltage_v * cell_config.access_voltage_v +
                               tg_drain * 5 * v_read * v_read + (d.gate_f(wn) + d.gate_f(wp)) * 3 * d.vdd2();
        driver_j = (per_row * rows * activity + flops.shift_energy_j(d)) * muxed;
    } else {
        // Column switches (sized for the cell on-resistance) drive the errors onto the columns. That
        // resistance asks for a gate narrower than a minimum device, so the drawn gate is a minimum one and
        // its own (lower) resistance charges the column; the reference keeps the nominal resistance.
        const SizedPassGate g = SizedPassGate::for_resistance(r_cell_on, d);
        // Quirk column_switch_nominal_resistance: the switch's resistance target (the IR-drop share of
        // the cell's on-path) instead of the gate laid out.
        const double switch_ohm = ctx.quirk(Quirk::column_switch_nominal_resistance)
                                      ? kSwitchIrDropShare * r_cell_on
                                      : g.resistance_ohm(d);
        const double tau =
            switch_ohm * (d.drain_f(g.wn, g.wp) * 3 + bit_line_f) + lines.col_res_ohm * bit_line_f / 2;
        driver_s = horowitz_delay_s(tau, kStep) * muxed + flops.shift_time_s(chip_config.clock_frequency_hz) * muxed;
        driver_j = flops.shift_energy_j(d) * muxed;  // no read energy switched in the column switches
    }
    const ColumnMuxPath mux{read_lines / muxed, muxed, r_cell_on / drive_lines, v_read};
    c.array_s = std::max(driver_s, mux.delay_s(d) / cycles) + settle_s / cycles;
    c.array_j = driver_j + mux.energy_j(d) / cycles;

    const Encoder enc{levels};
    const bool encoded = sensing.thermometer_encoder;
    c.adc_s = (sensing.time_s + (encoded ? enc.delay_s(d) : 0.0)) * muxed;
    // Only converted (mapped) columns switch their encoder: an ADC whose columns hold no weights sees a
    // constant input and its encoder does not toggle.
    c.adc_per_column_j = sensing.energy_per_column_j + (encoded ? enc.energy_j(d) : 0.0);
    c.encoder_per_column_j = encoded ? enc.energy_j(d) : 0.0;
    // Charging the sensed lines to V_read and the driven word lines to V_dd counts with the ADC.
    const double sensed_wire_f = forward ? lines.col_wire_f : lines.row_wire_f;
    c.adc_j = (sensed_wire_f * v_read * v_read * std::ceil(read_lines / muxed) +
               word_line_f * d.vdd2() * drive_lines * activity) *
              muxed;
    return c;
}

// ---------------------------------------------------------------- SRAM read-out

ReadCycleCost sram_cycle(const DesignContext& ctx, ReadDirection dir, const SensingCost& sensing, double activity,
                         int cycles) {
    const CellConfig& cell_config = ctx.cell_config;
    const ChipConfig& chip_config = ctx.chip_config;
    const auto [d, lines, f, forward, drive_lines, read_lines, muxed, levels] = read_sides(ctx, dir);
    // Driven lines are word lines, sensed lines are bit lines; transposed, the roles swap.
    const double word_f = forward ? lines.row_wire_f : lines.col_wire_f;
    const double word_ohm = forward ? lines.row_res_ohm : lines.col_res_ohm;
    const double bit_f = forward ? lines.col_wire_f : lines.row_wire_f;
    const double bit_ohm = forward ? lines.col_res_ohm : lines.row_res_ohm;

    const AccessTransistor access = sram_access_transistor(ctx);
    const double r_pull_down = d.r_n(cell_config.sram_nmos_width_f * f);

    ReadCycleCost c;
    // Word-line switches are sized to the word-line wire resistance.
    const SizedPassGate g = SizedPassGate::for_resistance(word_ohm, d);
    const double tg_drain = d.drain_f(g.wn, g.wp);
    const ScanFlipFlops flops{drive_lines};
    double word_slope = 0;
    const double word_tau = g.resistance_ohm(d) * (tg_drain * 3 + word_f) + word_ohm * word_f / 2;
    const double word_s = horowitz_delay_s(word_tau, kStep, &word_slope) * muxed +
                          flops.shift_time_s(chip_config.clock_frequency_hz) * muxed;
    const double per_line = tg_drain * 3 * cell_config.read_voltage_v * cell_config.read_voltage_v +
                            (d.gate_f(g.wn) + d.gate_f(g.wp)) * d.vdd2();
    const double word_j = (per_line * drive_lines * activity + flops.shift_energy_j(d)) * muxed;
    const ColumnMuxPath mux{read_lines / muxed, muxed, access.r_ohm / drive_lines / 2, cell_config.read_voltage_v};
    // The mux and its decoder switch in both directions (the reference's transposed read compares the
    // mux's energy, not its delay, with the word-line time, which drops the mux from its latency).
    // Quirk sram_transposed_mux_energy_as_latency: transposed, the mux's energy per read pulse stands
    // in for its delay (so the word-line time alone remains).
    const double mux_s = !forward && ctx.quirk(Quirk::sram_transposed_mux_energy_as_latency)
                             ? mux.energy_j(d)
                             : mux.delay_s(d);
    c.array_s = std::max(word_s, mux_s / cycles);
    c.array_j = word_j + mux.energy_j(d) / cycles;

    // Bit-line precharge (a 6F PMOS and a minimum equaliser per line), then the bit line develops half
    // the minimum sense voltage through access and pull-down transistors.
    const double pre_w = 6 * f;
    const double pre_out = d.drain_f(0, pre_w) + d.drain_f(0, d.min_n());
    const double pre_tau = d.r_p(pre_w) * (bit_f + pre_out) + bit_ohm * bit_f / 2;
    const double precharge_s = horowitz_delay_s(pre_tau, kStep) * muxed;
    const double precharge_j = bit_f * d.vdd2() * read_lines * 2 * muxed;
    const double vdd = ctx.tech.vdd_v;
    const double develop_tau = ((access.r_ohm + r_pull_down) * (access.drain_f + bit_f) + bit_ohm * bit_f / 2) *
                               std::log(vdd / (vdd - cell_config.sram_min_sense_voltage_v / 2));
    const double develop_s = horowitz_delay_s(develop_tau, word_slope);

    const Encoder enc{levels};
    const bool encoded = sensing.thermometer_encoder;
    c.adc_s = precharge_s + develop_s + (sensing.time_s + (encoded ? enc.delay_s(d) : 0.0)) * muxed;
    c.adc_per_column_j = sensing.energy_per_column_j + (encoded ? enc.energy_j(d) : 0.0);
    c.encoder_per_column_j = encoded ? enc.energy_j(d) : 0.0;
    c.adc_j = precharge_j;
    return c;
}

}  // namespace

ActivationCost activation_register_cost(const DesignContext& ctx, double units, double passes) {
    const ScanFlipFlops registers{units * ctx.input_bits};
    ActivationCost c;
    c.latency_s = passes * registers.shift_time_s(ctx.chip_config.clock_frequency_hz);
    c.energy_j = passes * registers.shift_energy_j(Devices{ctx.tech});
    return c;
}

double thermometer_encoder_delay_s(const TechnologyNode& t, int levels) {
    return Encoder{levels}.delay_s(Devices{t});
}

double thermometer_encoder_energy_j(const TechnologyNode& t, int levels) {
    return Encoder{levels}.energy_j(Devices{t});
}

ArrayLines array_lines(const DesignContext& ctx) {
    const MemoryCellModel cell(ctx);
    const double row_m = ctx.array_config.subarray_cols * cell.width_m(),
                 col_m = ctx.array_config.subarray_rows * cell.height_m();
    const double c = ctx.tech.rules.wire_cap_f_per_m, r = ctx.wire_resistance_ohm_per_m;
    return {row_m * c, col_m * c, row_m * r, col_m * r};
}

namespace {

// The 1T1R access transistor's share of the on-resistance and the linear-region V_ds it sizes for.
constexpr double kIrDropShare = 0.25;
constexpr double kLinearRegionRatio = 0.20;

// Its drain is drawn in the cell's width.
AccessTransistor access_transistor(const MemoryCellModel& cell, double r_ohm, double width_m,
                                   const TechnologyNode& t) {
    return {r_ohm, width_m, gate_capacitance(GateKind::inverter, 1, width_m, 0, cell.width_m(), t).output_f,
            gate_input_capacitance_f(width_m, t)};
}

}  // namespace

AccessTransistor envm_access_transistor(const DesignContext& ctx) {
    const TechnologyNode& t = ctx.tech;
    const double r = ctx.cell_config.resistance_on_ohm * kIrDropShare;
    const double f = t.f();
    return access_transistor(MemoryCellModel(ctx), r, on_resistance_ohm(f, true, t) * kLinearRegionRatio / r * f, t);
}

AccessTransistor sram_access_transistor(const DesignContext& ctx) {
    const MemoryCellModel cell(ctx);
    return access_transistor(cell, cell.sram_access_resistance_ohm(),
                             ctx.cell_config.sram_access_width_f * ctx.tech.f(), ctx.tech);
}

ReadCycleCost read_cycle_cost(const DesignContext& ctx, ReadDirection direction, const SensingCost& sensing,
                              double row_activity, int input_cycles) {
    const int cycles = std::max(1, input_cycles);
    if (ctx.cell().static_cell()) return sram_cycle(ctx, direction, sensing, row_activity, cycles);
    return envm_cycle(ctx, direction, sensing, row_activity, cycles);
}

}  // namespace neurosim
