// Unit tests of the accumulation models: stage delay, adders, registers, shift-adders, adder trees and
// their composition over a layer. Plain checks, no framework.
#include <cmath>
#include <iostream>
#include <limits>
#include <string>

#include "neurosim/array/readout.hpp"
#include "neurosim/circuits/accumulation.hpp"
#include "neurosim/hardware_config.hpp"
#include "neurosim/technology/gate.hpp"
#include "neurosim/technology/technology.hpp"
#include "test_support.hpp"

using namespace neurosim;
using namespace neurosim::test;

namespace {

GateCapacitance nand2(const TechnologyNode& t) {
    return gate_capacitance(GateKind::nand, 2, 2 * t.min_nmos_width_m(), t.pn_size_ratio * t.min_nmos_width_m(),
                            t.cell_height_m(), t);
}

GateCapacitance inverter(const TechnologyNode& t) {
    return gate_capacitance(GateKind::inverter, 1, t.min_nmos_width_m(), t.pn_size_ratio * t.min_nmos_width_m(),
                            t.cell_height_m(), t);
}

void test_stage_delay() {
    // The adders' stages use the estimator's one Horowitz model (readout.hpp); an input transition
    // time is the inverse of its slope.
    const double tau = 1e-10;
    const double step_input = std::numeric_limits<double>::infinity();
    double step_slope = 0;
    const double step = horowitz_delay_s(tau, step_input, &step_slope);
    check(near(step, tau * std::log(2.0)), "a step into an RC stage crosses half swing at tau ln 2");
    check(near(1 / step_slope, 2 * step), "output transition is the delay over half swing");
    const double ramp = horowitz_delay_s(tau, 1 / 3e-10);
    check(near(ramp, std::sqrt(std::pow(tau * std::log(2.0), 2) + tau * 3e-10 / 2)),
          "ramp input adds tau x transition / 2 under the root");
    check(ramp > step, "a slower input edge delays the stage");
    check(horowitz_delay_s(2 * tau, step_input) > step, "a larger RC is slower");
}

void test_ripple_adder() {
    const TechnologyNode t = tech();
    const GateCapacitance c = nand2(t);
    const double v2 = t.vdd_v * t.vdd_v;
    const RippleAdder one({1, 1}, t);
    check(near(one.energy_per_add_j(), (14 * c.input_f + 7 * c.output_f) * v2),
          "one slice charges its operand, carry and internal nodes once");
    const double e8 = RippleAdder({8, 1}, t).energy_per_add_j();
    const double e9 = RippleAdder({9, 1}, t).energy_per_add_j();
    check(near(e9 - e8, (13 * c.input_f + 7 * c.output_f) * v2), "each further slice adds the same charge");
    check(near(RippleAdder({8, 16}, t).energy_j(), 16 * e8), "adders in parallel add energy");
    const double d8 = RippleAdder({8, 1}, t).delay_s(0), d9 = RippleAdder({9, 1}, t).delay_s(0);
    const double d10 = RippleAdder({10, 1}, t).delay_s(0);
    check(d9 > d8 && near(d10 - d9, d9 - d8), "the carry ripples: delay grows linearly with width");
    check(RippleAdder({8, 1}, t).delay_s(10e-15) > d8, "a heavier output load slows the sum");
    const TechnologyNode t22 = tech(22);
    check(RippleAdder({8, 1}, t22).energy_per_add_j() < e8, "a smaller node switches less charge");
}

void test_flip_flops() {
    const TechnologyNode t = tech();
    const GateCapacitance inv = inverter(t);
    const FlipFlopModel one({1}, t, 1e9);
    check(near(one.capture_delay_s(), 0.5e-9), "data passes on the next clock edge: half a period");
    check(FlipFlopModel({1}, t, 2e9).capture_delay_s() < one.capture_delay_s(), "a faster clock captures sooner");
    check(near(one.energy_per_clock_j(), (8 * inv.input_f + 10 * inv.output_f) * t.vdd_v * t.vdd_v),
          "clock and data nodes of one flip-flop");
    check(near(FlipFlopModel({24}, t, 1e9).energy_per_clock_j(), 24 * one.energy_per_clock_j()),
          "registers scale with their flip-flops");
}

void test_shift_adder() {
    const TechnologyNode t = tech();
    const ShiftAdderModel sa({16, 7, 8}, t, 1e9, 10e-9);
    check(sa.flip_flops() == (7 + 8) * 16, "register: adder output plus one bit per further cycle, per unit");
    const double step = RippleAdder({7, 1}, t).delay_s(inverter(t).output_f) + 0.5e-9;
    check(near(sa.step_delay_s(), step), "a step is the add into the register input plus its capture");
    check(step < 10e-9 && near(sa.delay_s(8), step), "steps shorter than a read hide behind the next read");
    const ShiftAdderModel exposed({16, 7, 8}, t, 1e9, 0.0);
    check(near(exposed.delay_s(8), 8 * step), "without a read to hide behind, steps add up");
    check(near(sa.energy_j(8), 8 * sa.energy_j(1)), "energy grows with the steps");
    const double one_step = RippleAdder({7, 16}, t).energy_j() + FlipFlopModel({240}, t, 1e9).energy_per_clock_j();
    check(near(sa.energy_j(1), one_step), "a step adds in every unit and clocks every register bit");
}

void test_adder_tree() {
    const TechnologyNode t = tech();
    check(PartialSumTreeModel({1, 16, 64}, t).delay_s() == 0 && PartialSumTreeModel({1, 16, 64}, t).energy_j() == 0,
          "a single operand needs no adding");
    const PartialSumTreeModel four({4, 16, 2}, t);
    check(four.levels() == 2, "four operands take two levels");
    check(near(four.delay_s(), RippleAdder({16, 1}, t).delay_s(0) + RippleAdder({17, 1}, t).delay_s(0)),
          "each level widens the operands by a bit");
    check(near(four.energy_j(), 2 * (2 * RippleAdder({16, 1}, t).energy_per_add_j() +
                                     RippleAdder({17, 1}, t).energy_per_add_j())),
          "two adders then one, in each tree");
    const PartialSumTreeModel three({3, 16, 1}, t);
    check(three.levels() == 2 && near(three.energy_j(), RippleAdder({16, 1}, t).energy_per_add_j()),
          "an odd operand passes its level unadded");
    check(PartialSumTreeModel({9, 16, 1}, t).delay_s() > PartialSumTreeModel({8, 16, 1}, t).delay_s(),
          "nine operands need a fourth level");
}

AccumulationLayer small_conventional(double pixels) {
    AccumulationLayer l;
    l.output_pixels = pixels;
    l.weight_rows = 128;
    l.output_channels = 128;
    l.cell_cols = 128;
    return l;
}

void test_layer() {
    const TechnologyNode t = tech();
    HardwareConfig hw;
    const DesignContext ctx{hw, t, 8, 5, 200, 0};
    const AccumulationHierarchy h;  // 1024 tiles of 2 x 2 PEs of 512, 9-PE novel tiles
    const double n = 100;
    // One sub-array in one PE of a tile without copies: shift-add in every cycle, then the tile tree
    // joins its two PEs per side for every output.
    const AccumulationCost c = LayerAccumulation(ctx, h, small_conventional(n)).cost(ReadDirection::forward);
    const ShiftAdderModel sa({16, 6 + 1, 8}, t, hw.clock_frequency_hz, hw.read_pulse_width_s);
    const int tile_bits = 6 + 8 + 1 + 1 + 2;  // conversion, input bits, cells, carry, PE stacking
    const PartialSumTreeModel tile_tree({2, tile_bits, 32}, t);
    check(near(c.latency_s, n * 8 * sa.delay_s(8) + n * 8 * tile_tree.delay_s()), "latency: shift-add then tile tree");
    check(near(c.energy_j, n * 8 * sa.energy_j(8) + n * 8 * tile_tree.energy_j()), "energy: shift-add then tile tree");

    const AccumulationCost more = LayerAccumulation(ctx, h, small_conventional(2 * n)).cost(ReadDirection::forward);
    check(near(more.latency_s, 2 * c.latency_s) && near(more.energy_j, 2 * c.energy_j), "costs follow the outputs");

    AccumulationLayer copied = small_conventional(n);
    copied.speedup_rows = copied.speedup_cols = 4;
    const AccumulationCost fast = LayerAccumulation(ctx, h, copied).cost(ReadDirection::forward);
    check(fast.latency_s < c.latency_s, "weight copies share the outputs and shorten the accumulation");

    AccumulationLayer stacked = small_conventional(n);
    stacked.weight_rows = 2048;
    stacked.tiles_along_rows = 2;
    AccumulationHierarchy chip = h;
    chip.chip_trees = 192;
    chip.chip_bits = 20;
    const AccumulationCost two = LayerAccumulation(ctx, chip, stacked).cost(ReadDirection::forward);
    const PartialSumTreeModel chip_tree({2, 20, 192}, t);
    const AccumulationCost one_tile = [&] {
        AccumulationLayer l = stacked;
        l.weight_rows = 1024;
        l.tiles_along_rows = 1;
        return LayerAccumulation(ctx, chip, l).cost(ReadDirection::forward);
    }();
    check(near(two.latency_s, one_tile.latency_s + 128 * std::ceil(n / 192) * chip_tree.delay_s()),
          "tiles stacked on the rows wait for the chip adder, channel by channel");
    check(near(two.energy_j, 2 * one_tile.energy_j + 128 * chip_tree.energy_j()),
          "both tiles accumulate, then the chip adder joins them");

    AccumulationLayer novel = small_conventional(n);
    novel.novel = true;
    novel.weight_rows = 9 * 128;
    const AccumulationCost nov = LayerAccumulation(ctx, h, novel).cost(ReadDirection::forward);
    check(nov.energy_j > 9 * n * 8 * sa.energy_j(8), "each kernel position's PE accumulates, then the tile joins them");
    const AccumulationCost ag = LayerAccumulation(ctx, h, novel).cost(ReadDirection::transposed);
    check(near(ag.energy_j, nov.energy_j), "the transposed read-out mirrors the forward one on a square array");

    HardwareConfig sram = hw;
    sram.memory_cell = MemoryCell::sram;
    const DesignContext sram_ctx{sram, t, 8, 5, 200, 0};
    // Copies in every PE, one sub-array each: only the shift-add remains.
    AccumulationLayer spread = small_conventional(n);
    spread.speedup_rows = spread.speedup_cols = 8;
    const AccumulationCost envm_sa = LayerAccumulation(ctx, h, spread).cost(ReadDirection::forward);
    check(near(envm_sa.latency_s, n * 8 * sa.delay_s(8) / 64), "copies divide the shift-add time");
    const AccumulationCost sram_sa = LayerAccumulation(sram_ctx, h, spread).cost(ReadDirection::forward);
    check(sram_sa.latency_s > envm_sa.latency_s, "one-bit cells add a shift-add over the cells of each weight");
}

}  // namespace

int main() {
    test_stage_delay();
    test_ripple_adder();
    test_flip_flops();
    test_shift_adder();
    test_adder_tree();
    test_layer();
    return finish("all accumulation checks passed");
}
