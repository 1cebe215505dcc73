// Tests of the training-only circuit models: programming the synaptic arrays (weight update).
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "neurosim/array/readout.hpp"
#include "neurosim/hardware_config.hpp"
#include "neurosim/technology/technology.hpp"
#include "test_support.hpp"
#include "neurosim/training/training_circuits.hpp"
#include "neurosim/training/weight_update.hpp"

using namespace neurosim;
using namespace neurosim::test;

namespace {

// One layer of `rows` x `cols` weights, all at `before`, except those listed, which move to `after`.
struct Change {
    std::size_t row, col;
    int after;
};

TraceLayer layer(std::size_t rows, std::size_t cols, int before, const std::vector<Change>& changes) {
    TraceLayer l;
    l.weight_old.shape = l.weight.shape = {rows, cols};
    l.weight_old.values.assign(rows * cols, static_cast<std::int16_t>(before));
    l.weight.values = l.weight_old.values;
    for (const Change& c : changes) l.weight.values[c.row * cols + c.col] = static_cast<std::int16_t>(c.after);
    return l;
}

HardwareConfig device(MemoryCell cell) {
    HardwareConfig hw;
    hw.memory_cell = cell;
    return hw;
}

// 5-bit weights in one 5-bit cell: code + 16 is the cell level, levels 0..31 span Roff..Ron.
double level_conductance(const HardwareConfig& hw, int code) {
    const double g_on = 1 / hw.resistance_on_ohm, g_off = 1 / hw.resistance_off_ohm;
    return g_off + (g_on - g_off) * (code + 16) / 31.0;
}

void test_rram_cell_energy_closed_form() {
    const HardwareConfig hw = device(MemoryCell::rram);
    const TechnologyNode t = tech();
    const DesignContext ctx{hw, t, 8, 5, 200, 1e6};
    // One cell moved up by three codes: ceil(3 * 60 / 31) = 6 pulses of V^2 / R_mean each.
    const ProgrammingWork w = estimate_programming(layer(4, 4, 0, {{1, 2, 3}}), ctx);
    const double r_mean = (1 / level_conductance(hw, 0) + 1 / level_conductance(hw, 3)) / 2;
    const double v2 = 2 * hw.write_voltage_v * hw.write_voltage_v;  // root sum of SET and RESET drives
    check(near(w.cell_energy_j, v2 / r_mean * hw.write_pulse_width_s * 6), "RRAM energy is V^2 t / R per pulse");
    check(w.row_pulses == 6 && w.rows_written == 1 && w.cells_changed == 1, "one row, one six-pulse SET train");
}

void test_row_trains_add_set_and_reset() {
    const HardwareConfig hw = device(MemoryCell::rram);
    const TechnologyNode t = tech();
    const DesignContext ctx{hw, t, 8, 5, 200, 1e6};
    // In one row: SET by 1 code (2 pulses), SET by 2 codes (4 pulses), RESET by 1 code (2 pulses).
    const ProgrammingWork w = estimate_programming(layer(2, 8, 0, {{0, 1, 1}, {0, 3, 2}, {0, 5, -1}}), ctx);
    check(w.row_pulses == 4 + 2, "a row takes its longest SET train plus its longest RESET train");
    // The same change in another row is a second train; in another sub-array column block too.
    const ProgrammingWork two = estimate_programming(layer(2, 8, 0, {{0, 1, 1}, {1, 1, 1}}), ctx);
    check(two.row_pulses == 4 && two.rows_written == 2, "each written row pays its own train");
    const ProgrammingWork none = estimate_programming(layer(2, 8, 0, {}), ctx);
    check(none.energy_j() == 0 && none.row_pulses == 0 && none.select_latency_s == 0, "no change, no cost");
}

void test_energy_grows_with_changes_and_pulse_width() {
    HardwareConfig hw = device(MemoryCell::rram);
    const TechnologyNode t = tech();
    const DesignContext ctx{hw, t, 8, 5, 200, 1e6};
    const ProgrammingWork few = estimate_programming(layer(8, 8, 0, {{0, 0, 2}}), ctx);
    const ProgrammingWork many = estimate_programming(layer(8, 8, 0, {{0, 0, 2}, {3, 4, 2}, {5, 1, -2}}), ctx);
    check(many.energy_j() > few.energy_j(), "more changed cells cost more energy");
    hw.write_pulse_width_s *= 2;
    const ProgrammingWork longer = estimate_programming(layer(8, 8, 0, {{0, 0, 2}}), ctx);
    check(near(longer.cell_energy_j, 2 * few.cell_energy_j), "RRAM heating is linear in the pulse width");
}

void test_crossbar_half_select() {
    HardwareConfig hw = device(MemoryCell::rram);
    const TechnologyNode t = tech();
    const DesignContext ctx{hw, t, 8, 5, 200, 1e6};
    const TraceLayer l = layer(64, 64, 0, {{0, 0, 3}, {2, 5, -2}, {7, 9, 1}});
    const ProgrammingWork one_transistor = estimate_programming(l, ctx);
    hw.access_type = AccessType::crossbar;
    const ProgrammingWork crossbar = estimate_programming(l, ctx);
    check(crossbar.line_energy_j > one_transistor.line_energy_j,
          "without access transistors the half-selected cells also draw current");
    check(near(crossbar.cell_energy_j, one_transistor.cell_energy_j) && crossbar.row_pulses == one_transistor.row_pulses,
          "the programmed cells themselves do not depend on the access scheme");
}

void test_fefet_node_and_voltage() {
    HardwareConfig hw = device(MemoryCell::fefet);
    const TechnologyNode t32 = tech(32), t22 = tech(22);
    const TraceLayer l = layer(16, 16, 0, {{0, 0, 3}, {2, 5, -2}, {7, 9, 1}});
    const DesignContext c32{hw, t32, 8, 5, 200, 1e6};
    const DesignContext c22{hw, t22, 8, 5, 200, 1e6};
    const ProgrammingWork w32 = estimate_programming(l, c32);
    const ProgrammingWork w22 = estimate_programming(l, c22);
    check(w22.energy_j() < w32.energy_j(), "FeFET programming costs less at a smaller node");
    check(w22.row_pulses == w32.row_pulses, "the pulse count does not depend on the node");
    // Polarization switching: charge x voltage over 2 F^2, so it scales with F^2.
    check(near(w22.cell_energy_j / w32.cell_energy_j, (22.0 * 22.0) / (32.0 * 32.0)), "FeFET cell energy ~ F^2");
    hw.write_voltage_v *= 2;
    const ProgrammingWork hot = estimate_programming(l, c32);
    // Source lines charge to the write voltage (x4 at twice the voltage); word lines stay at Vdd.
    check(hot.line_energy_j > 2 * w32.line_energy_j && hot.line_energy_j < 4 * w32.line_energy_j,
          "line energy grows with the square of the write voltage");
}

void test_array_lines() {
    HardwareConfig hw = device(MemoryCell::fefet);
    const TechnologyNode t = tech();
    const DesignContext ctx{hw, t, 8, 5, 200, 1e6};
    const ProgrammingArray a(ctx);
    // Wire alone: 0.2 fF/um over 128 cells of 4 F.
    check(near(a.row_line_f(), t.rules.wire_cap_f_per_m * 128 * 4 * t.f()), "row line is its wire");
    check(a.word_line_f() > a.row_line_f() && a.column_line_f() > a.row_line_f(), "access devices load the lines");
    hw.subarray_rows = 256;
    const ProgrammingArray tall(ctx);
    check(tall.column_line_f() > 1.9 * a.column_line_f(), "twice the rows, about twice the column load");
    check(tall.row_select_delay_s() > a.row_select_delay_s(), "a longer column is slower to select");
}


void test_stage_delay() {
    // A step input: the 50 % point of an RC stage is ln 2 tau.
    check(near(horowitz_delay_s(1e-9, kStepSlope), std::log(2.0) * 1e-9, 1e-6), "step response reaches half at ln2 RC");
    double slope = 0;
    const double fast = horowitz_delay_s(1e-9, kStepSlope, &slope);
    check(slope > 0 && horowitz_delay_s(1e-9, slope) > fast, "a slow input edge adds delay");
}

void test_ripple_adder() {
    const TechnologyNode t32 = tech(32), t22 = tech(22);
    const RippleAdder a8({8, 1}, t32), a16({16, 1}, t32), a24({24, 1}, t32), b16({16, 1}, t22);
    // The training circuits price every slice with its own input slope.
    auto delay = [](const RippleAdder& a) { return a.delay_s(0.0, CarryTiming::per_slice_slope); };
    check(delay(a16) > delay(a8) && a16.energy_per_add_j() > a8.energy_per_add_j(), "wider adders are slower");
    // The carry ripples through two gate levels per bit: the delay grows about linearly with the width.
    const double per_bit = (delay(a16) - delay(a8)) / 8;
    check(near(delay(a24) - delay(a16), 8 * per_bit, 0.05), "ripple delay is linear in the bits");
    check(near(a16.energy_per_add_j() - a8.energy_per_add_j(), a24.energy_per_add_j() - a16.energy_per_add_j()),
          "each further bit adds the same switching energy");
    check(delay(b16) < delay(a16) && b16.energy_per_add_j() < a16.energy_per_add_j(),
          "a smaller node adds faster and with less energy");
    // Both carry timings price the same gates: they agree within a few percent but are not the same number.
    const double repeated = a16.delay_s(0.0, CarryTiming::repeated_middle_slice);
    check(repeated != delay(a16) && near(repeated, delay(a16), 0.1), "the two carry timings agree within 10 %");
}

void test_gradient_unit_timing() {
    HardwareConfig hw;
    const TechnologyNode t = tech();
    const DesignContext ctx{hw, t, 8, 5, 200, 1e6};
    const GradientArrayWrite w(ctx);
    check(w.write_latency_s(0) == 0, "nothing to write, no time");
    check(near(w.write_latency_s(0.5), 2 * w.write_latency_s(0.25)), "write time is linear in the written rows");
    check(near(w.row_pointer_delay_s(), 0.5 / hw.clock_frequency_hz), "the row pointer advances in half a clock");
    check(w.write_latency_s(1.0) > hw.wg_subarray_rows * w.row_pointer_delay_s(),
          "writing every row takes at least the row pointer's clocking");
    const TechnologyNode t22 = tech(22);
    const DesignContext ctx22{hw, t22, 8, 5, 200, 1e6};
    const GradientArrayWrite w22(ctx22);
    check(near(w22.row_pointer_delay_s(), w.row_pointer_delay_s()), "the clock-bound row pointer does not scale");
    check(w22.write_latency_s(0.5) < w.write_latency_s(0.5), "a smaller node still writes faster overall");
    const GradientArrayRead r(ctx, 1), tree(ctx, 8);
    check(r.cycle_s() >= 1e-9, "a read cycle is at least the sense amplifier's decision time");
    // 8 row groups x 8 input bits of cycles at least.
    check(r.read_latency_s() > 64 * r.cycle_s(), "one output channel takes every row group and input bit");
    check(tree.read_latency_s() > r.read_latency_s(), "summing more sub-arrays adds adder-tree levels");
    hw.wg_rows_per_adc = 16;
    const GradientArrayRead muxed(ctx, 1);
    check(muxed.read_latency_s() > 1.9 * r.read_latency_s(), "twice the rows per ADC, about twice the read time");
    hw.wg_rows_per_adc = 8;
    hw.wg_subarray_rows = 256;
    const GradientArrayWrite tall(ctx);
    check(tall.precharge_delay_s() > w.precharge_delay_s(), "a longer bit line precharges more slowly");
}

}  // namespace

int main() {
    test_rram_cell_energy_closed_form();
    test_row_trains_add_set_and_reset();
    test_energy_grows_with_changes_and_pulse_width();
    test_fefet_node_and_voltage();
    test_crossbar_half_select();
    test_array_lines();
    test_stage_delay();
    test_ripple_adder();
    test_gradient_unit_timing();
    return finish("training tests passed");
}
