#include "neurosim/training/gradient_read_energy.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "neurosim/circuits/circuits.hpp"
#include "neurosim/circuits/readout_adc.hpp"
#include "neurosim/circuits/sar_adc.hpp"
#include "neurosim/technology/gate.hpp"
#include "neurosim/training/training_circuits.hpp"

namespace neurosim {
namespace {

// Capacitance of a word line (its wire and the two access gates of every cell) and of a bit line (its
// wire and the access drains hanging on it) of a gradient-unit sub-array.
struct GradientLines {
    double word_line_f, bit_line_f;
};

GradientLines gradient_lines(const DesignContext& ctx) {
    const CellConfig& cell_config = ctx.cell_config;
    const TrainingConfig& training_config = ctx.training_config;
    const TechnologyNode& t = ctx.tech;
    const double f = t.f();
    const double rows = training_config.wg_subarray_rows, cols = training_config.wg_subarray_cols;
    const double wire_f_per_m = t.rules.wire_cap_f_per_m;
    const double access_w = cell_config.sram_access_width_f * f;
    return {wire_f_per_m * cols * cell_config.sram_cell_width_f * f + 2 * cols * gate_input_capacitance_f(access_w, t),
            wire_f_per_m * rows * cell_config.sram_cell_height_f * f + rows * drain_capacitance_f(access_w, true, t)};
}

// Column seen by the sense amplifier: the `raised` rows' cells conduct through access and pull-down
// (infinite when no row is raised).
double gradient_column_ohm(const DesignContext& ctx, double raised) {
    const CellConfig& cell_config = ctx.cell_config;
    const TrainingConfig& training_config = ctx.training_config;
    const TechnologyNode& t = ctx.tech;
    const double f = t.f();
    const double access_w = cell_config.sram_access_width_f * f;
    const double cell_n = cell_config.sram_nmos_width_f * f;
    const double col_wire_ohm =
        ctx.wire_resistance_ohm_per_m * training_config.wg_subarray_rows * cell_config.sram_cell_height_f * f;
    const double cell_ohm = on_resistance_ohm(access_w, true, t) + on_resistance_ohm(cell_n, true, t);
    // Quirk wg_column_through_access_only: the raised cells conduct through their access transistors
    // alone, without pull-down or column wire.
    const double column_ohm = ctx.quirk(Quirk::wg_column_through_access_only)
                                  ? on_resistance_ohm(access_w, true, t) / raised
                                  : cell_ohm / raised + col_wire_ohm / 2;
    return raised > 0 ? column_ohm : std::numeric_limits<double>::infinity();
}

}  // namespace

GradientArrayEnergy::GradientArrayEnergy(const DesignContext& ctx, double row_activity, int tree_inputs) {
    const TrainingConfig& training_config = ctx.training_config;
    const TechnologyNode& t = ctx.tech;
    const double vdd2 = t.vdd_v * t.vdd_v;
    const double rows = training_config.wg_subarray_rows, cols = training_config.wg_subarray_cols;
    const double a = std::clamp(row_activity, 0.0, 1.0);
    const GradientLines lines = gradient_lines(ctx);
    const double word_line_f = lines.word_line_f, bit_line_f = lines.bit_line_f;

    // Read cycles: every mux step of every input bit.
    const double readouts = cols / training_config.wg_rows_per_adc;
    const double cycles = static_cast<double>(training_config.wg_rows_per_adc) * ctx.input_bits;
    conversions_ = readouts * cycles;  // = cols x input_bits: each column once per bit

    const double raised = std::ceil(rows * a);
    column_ohm_ = gradient_column_ohm(ctx, raised);
    const double wmin = t.min_nmos_width_m(), wpmin = t.pn_size_ratio * wmin;
    const GateCapacitance inv = gate_capacitance(GateKind::inverter, 1, wmin, wpmin, t.cell_height_m(), t);
    // Quirk wg_sense_amps_per_column: every column's amplifier power at every read, i.e. each of the
    // rows sharing one amplifier converts all columns.
    const double sensed =
        ctx.quirk(Quirk::wg_sense_amps_per_column) ? conversions_ * training_config.wg_rows_per_adc : conversions_;
    sense_j_ = sensed * ctx.adc().gradient_conversion_j(ctx, static_cast<int>(readouts), training_config.wg_adc_levels,
                                                        column_ohm_);

    // Each cycle raises the active word lines and restores every bit line it discharged.
    lines_j_ = cycles * (raised * word_line_f + cols * bit_line_f) * vdd2;

    // Mux: each step the decoder switches one pass gate of every mux off and the next on.
    const PassGate tg = minimum_pass_gate(t);
    mux_j_ = cycles * readouts * 2 * (tg.gate_f + tg.drain_f) * vdd2;

    // Shift-add of every conversion, and the adder tree's share of combining the sub-arrays along the rows.
    const int adc_bits = static_cast<int>(std::ceil(std::log2(static_cast<double>(training_config.wg_adc_levels))));
    const int sum_bits = adc_bits + ctx.input_bits + 1;
    const double tree_share = tree_inputs > 1 ? (tree_inputs - 1.0) / tree_inputs : 0.0;
    digital_j_ =
        conversions_ * RippleAdder({sum_bits, 1}, t).energy_per_add_j() +
        readouts * training_config.wg_rows_per_adc * tree_share * RippleAdder({sum_bits + 1, 1}, t).energy_per_add_j();

    // Writing: each written row raises its word line, precharges every bit line, drives a write driver per
    // column written and flips both storage nodes of the changed cells.
    const double written_rows = rows * a, written_cols = cols * a;
    const double node_f = sram_storage_node_f(ctx.cell_config, t);
    write_j_ = written_rows *
               (word_line_f + cols * bit_line_f + written_cols * (inv.input_f + inv.output_f + 2 * node_f)) * vdd2;
}

}  // namespace neurosim
