#include "neurosim/training/training_circuits.hpp"

#include <algorithm>
#include <cmath>

#include "neurosim/array/readout.hpp"
#include "neurosim/circuits/circuits.hpp"
#include "neurosim/circuits/readout_adc.hpp"
#include "neurosim/circuits/sar_adc.hpp"
#include "neurosim/technology/gate.hpp"

namespace neurosim {

double drain_capacitance_f(double width_m, bool nmos, const TechnologyNode& t) {
    return gate_capacitance(GateKind::inverter, 1, nmos ? width_m : 0.0, nmos ? 0.0 : width_m, t.cell_height_m(), t)
        .output_f;
}

double sram_storage_node_f(const CellConfig& cell, const TechnologyNode& t) {
    const double access_w = cell.sram_access_width_f * t.f();
    const double wn = cell.sram_nmos_width_f * t.f(), wp = cell.sram_pmos_width_f * t.f();
    return drain_capacitance_f(access_w, true, t) + drain_capacitance_f(wn, true, t) +
           drain_capacitance_f(wp, false, t) + gate_input_capacitance_f(wn, t) + gate_input_capacitance_f(wp, t);
}

PassGate minimum_pass_gate(const TechnologyNode& t) {
    const double wn = t.min_nmos_width_m(), wp = wn * t.pn_size_ratio;
    PassGate g;
    g.gate_f = gate_input_capacitance_f(wn, t) + gate_input_capacitance_f(wp, t);
    g.drain_f = gate_capacitance(GateKind::inverter, 1, wn, wp, t.cell_height_m(), t).output_f;
    const double rn = on_resistance_ohm(wn, true, t), rp = on_resistance_ohm(wp, false, t);
    g.on_ohm = rn * rp / (rn + rp);
    return g;
}

GradientArrayWrite::GradientArrayWrite(const DesignContext& ctx) : rows_(ctx.training_config.wg_subarray_rows) {
    const CellConfig& cell_config = ctx.cell_config;
    const ChipConfig& chip_config = ctx.chip_config;
    const TrainingConfig& training_config = ctx.training_config;
    const TechnologyNode& t = ctx.tech;
    const double f = t.f();
    const double wire_f_per_m = t.rules.wire_cap_f_per_m;
    const double row_m = training_config.wg_subarray_cols * cell_config.sram_cell_width_f * f;
    const double col_m = training_config.wg_subarray_rows * cell_config.sram_cell_height_f * f;
    const double access_w = cell_config.sram_access_width_f * f;
    const double cell_n = cell_config.sram_nmos_width_f * f, cell_p = cell_config.sram_pmos_width_f * f;
    // Lines count as their wires, as in NeuroSim's gradient unit (the access devices along them are left out).
    const double word_line_f = wire_f_per_m * row_m;
    const double bit_line_f = wire_f_per_m * col_m;
    const double row_wire_ohm = ctx.wire_resistance_ohm_per_m * row_m;
    const double col_wire_ohm = ctx.wire_resistance_ohm_per_m * col_m;

    // A cell flips as its inverters pull the storage nodes over.
    const double pull_ohm = (on_resistance_ohm(cell_n, true, t) + on_resistance_ohm(cell_p, false, t)) / 2;
    flip_s_ = horowitz_delay_s(pull_ohm * sram_storage_node_f(cell_config, t), kStepSlope);

    // The word line is selected through a transmission gate sized to the cell's access transistor.
    const double wmin = t.min_nmos_width_m(), wpmin = t.pn_size_ratio * wmin;
    const double rn = on_resistance_ohm(wmin, true, t), rp = on_resistance_ohm(wpmin, false, t);
    const GateCapacitance inv = gate_capacitance(GateKind::inverter, 1, wmin, wpmin, t.cell_height_m(), t);
    word_switch_s_ = horowitz_delay_s(
        on_resistance_ohm(access_w, true, t) * (3 * inv.output_f + word_line_f) + row_wire_ohm * word_line_f / 2,
        kStepSlope);

    // Bit lines are precharged by a 6 F PMOS (with a minimum equalizer on the pair).
    const double precharge_w = 6 * f;
    const double precharge_load_f =
        bit_line_f + drain_capacitance_f(precharge_w, false, t) + drain_capacitance_f(wmin, false, t);
    precharge_s_ = horowitz_delay_s(
        on_resistance_ohm(precharge_w, false, t) * precharge_load_f + col_wire_ohm * bit_line_f / 2, kStepSlope);

    // Write driver: a minimum inverter drives a second one that discharges the bit line.
    double slope = kStepSlope;
    driver_s_ = horowitz_delay_s(rp * (inv.output_f + inv.input_f), slope, &slope);
    driver_s_ += horowitz_delay_s(rn * (bit_line_f + inv.output_f) + col_wire_ohm * bit_line_f / 2, slope, &slope);

    // The word-line switch matrix selects rows from a flip-flop register: before each written row its
    // one-hot row pointer advances by one position, a flip-flop access of half a clock (the same access
    // time our buffers and PE registers use).
    row_pointer_s_ = 0.5 / chip_config.clock_frequency_hz;
}

double GradientArrayWrite::write_latency_s(double row_activity) const {
    const double written = rows_ * row_activity;
    // The word-line switch toggles twice per written row (select, release).
    return written * (row_pointer_s_ + flip_s_ + precharge_s_ + driver_s_) + 2 * written * word_switch_s_;
}

namespace {

// Column discharge of the gradient unit to the sensing margin: access and pull-down devices in series.
double gradient_column_develop_s(const DesignContext& ctx) {
    const CellConfig& cell_config = ctx.cell_config;
    const TrainingConfig& training_config = ctx.training_config;
    const TechnologyNode& t = ctx.tech;
    const double f = t.f();
    const double col_m = training_config.wg_subarray_rows * cell_config.sram_cell_height_f * f;
    const double bit_line_f = t.rules.wire_cap_f_per_m * col_m;
    const double col_wire_ohm = ctx.wire_resistance_ohm_per_m * col_m;
    const double access_w = cell_config.sram_access_width_f * f;
    const double cell_n = cell_config.sram_nmos_width_f * f;
    const double drop_tau =
        (on_resistance_ohm(access_w, true, t) + on_resistance_ohm(cell_n, true, t)) *
            (drain_capacitance_f(access_w, true, t) + bit_line_f) +
        col_wire_ohm * bit_line_f / 2;
    const double margin = std::log(t.vdd_v / (t.vdd_v - cell_config.sram_min_sense_voltage_v / 2));
    return horowitz_delay_s(drop_tau * margin, kStepSlope);
}

}  // namespace

GradientArrayRead::GradientArrayRead(const DesignContext& ctx, int tree_inputs) {
    const CellConfig& cell_config = ctx.cell_config;
    const TrainingConfig& training_config = ctx.training_config;
    const TechnologyNode& t = ctx.tech;
    const double wmin = t.min_nmos_width_m(), wpmin = t.pn_size_ratio * wmin;
    const GateCapacitance inv = gate_capacitance(GateKind::inverter, 1, wmin, wpmin, t.cell_height_m(), t);
    const double rn = on_resistance_ohm(wmin, true, t);

    // Row selection: the word-line switch (as for writing), or the ADC mux and its decoder if slower; the
    // decoder drives the pass-gate gates of every ADC's mux.
    const GradientArrayWrite lines(ctx);
    const double readouts = static_cast<double>(training_config.wg_subarray_cols) / training_config.wg_rows_per_adc;
    const PassGate tg = minimum_pass_gate(t);
    double slope = kStepSlope;
    double mux_s = horowitz_delay_s(rn * (inv.output_f + readouts * tg.gate_f), slope, &slope);
    mux_s += horowitz_delay_s(tg.on_ohm * (training_config.wg_rows_per_adc * inv.output_f), slope, &slope);
    const double select_s = std::max(lines.word_line_switch_delay_s(), mux_s);

    const double convert_s =
        ctx.adc().gradient_conversion_s(ctx, static_cast<int>(readouts), training_config.wg_adc_levels);
    cycle_s_ = select_s + lines.precharge_delay_s() + convert_s;

    // Column discharge to the sensing margin, once per input bit.
    const double develop_s = gradient_column_develop_s(ctx);

    // Shift-add of the bit cycles hides behind the read pulses; it shows once, at the last one.
    const int adc_bits = static_cast<int>(std::log2(static_cast<double>(training_config.wg_adc_levels)));
    const int sum_bits = adc_bits + ctx.input_bits + 1;
    const double flip_flop_s = 2 * horowitz_delay_s(rn * (inv.output_f + inv.input_f), kStepSlope);
    auto adder_s = [&t](int bits) { return RippleAdder({bits, 1}, t).delay_s(0.0, CarryTiming::per_slice_slope); };
    const double shift_add_s = adder_s(sum_bits) + flip_flop_s;
    const double exposed = std::max(0.0, shift_add_s - cell_config.read_pulse_width_s);

    // Adder tree over the sub-arrays along the unit's rows: one level per doubling, wider at each level,
    // once per row group.
    double tree_s = 0;
    const int levels = tree_inputs > 1 ? static_cast<int>(std::ceil(std::log2(static_cast<double>(tree_inputs)))) : 0;
    for (int level = 0; level < levels; ++level) tree_s += adder_s(sum_bits + level);

    const double cycles = static_cast<double>(training_config.wg_rows_per_adc) * ctx.input_bits;
    read_s_ = cycles * cycle_s_ + ctx.input_bits * develop_s + shift_add_s + exposed * (cycles - 1) +
              training_config.wg_rows_per_adc * tree_s;
}

}  // namespace neurosim
