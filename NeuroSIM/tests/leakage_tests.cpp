// Tests of the leakage model: closed-form gate off-currents, block sums, and the directions physics
// demands (hotter and high-performance transistors leak more; bigger blocks leak more; gated parts
// stop leaking). Plain checks, no framework.
#include <cmath>
#include <iostream>
#include <string>

#include "neurosim/circuits/address_decoder.hpp"
#include "neurosim/hardware_config.hpp"
#include "neurosim/technology/technology.hpp"
#include "neurosim/training/leakage.hpp"
#include "test_support.hpp"

using namespace neurosim;
using namespace neurosim::test;

namespace {

void gate_closed_forms() {
    const TechnologyNode t = tech(32, DeviceRoadmap::lstp);
    const double wn = 2 * t.f(), wp = 3 * t.f();
    const double n_off = wn * t.i_off_n_a_per_m, p_off = wp * t.i_off_p_a_per_m;
    // An inverter leaks through whichever device is off; the worse state is taken.
    check(near(gate_leakage_current_a(GateKind::inverter, 1, wn, wp, t), std::max(n_off, p_off)), "inverter");
    // A lone NMOS (no PMOS) leaks only through itself.
    check(near(gate_leakage_current_a(GateKind::inverter, 1, wn, 0, t), n_off), "single device");
    // NAND: parallel pull-ups, stacking-averaged; NOR: parallel pull-downs.
    check(near(gate_leakage_current_a(GateKind::nand, 2, wn, wp, t), 0.48 * 2 * p_off), "nand2");
    check(near(gate_leakage_current_a(GateKind::nand, 3, wn, wp, t), 0.31 * 3 * p_off), "nand3");
    check(near(gate_leakage_current_a(GateKind::nor, 2, wn, wp, t), 0.95 * 2 * n_off), "nor2");
    // A wider device leaks in proportion.
    check(near(gate_leakage_current_a(GateKind::inverter, 1, 2 * wn, 0, t), 2 * n_off), "width scaling");
}

void finfet_widths() {
    const TechnologyNode t = tech(7, DeviceRoadmap::lstp);
    if (!t.finfet()) return;
    // A device narrower than one fin still conducts over a whole fin.
    const double fin = 2 * t.fin_height_m + t.fin_width_m;
    check(near(gate_leakage_current_a(GateKind::inverter, 1, 0.3 * fin, 0, t), fin * t.i_off_n_a_per_m),
          "one whole fin");
    check(near(gate_leakage_current_a(GateKind::inverter, 1, 1.5 * fin, 0, t), 2 * fin * t.i_off_n_a_per_m),
          "rounded up to two fins");
}

void block_sums() {
    const TechnologyNode t = tech(32, DeviceRoadmap::lstp);
    // Flip-flops and adders are linear in their count and size.
    check(near(flip_flop_leakage_w(10, t), 10 * flip_flop_leakage_w(1, t)), "flip-flops linear");
    check(near(RippleAdder({8, 4}, t).leakage_w(), 32 * RippleAdder({1, 1}, t).leakage_w()), "adder bits x count");
    // A one-input tree has no stage; two inputs need one adder of the operand width.
    check(adder_tree_leakage_w(1, 8, 16, t) == 0, "one-input tree");
    check(near(adder_tree_leakage_w(2, 8, 16, t), RippleAdder({8, 16}, t).leakage_w()), "two-input tree");
    // Four inputs: two adders of 8 bits, then one of 9 bits.
    check(near(adder_tree_leakage_w(4, 8, 1, t), RippleAdder({16 + 9, 1}, t).leakage_w()), "four-input tree");
    check(shift_adder_leakage_w(16, 8, 8, t) > shift_adder_leakage_w(16, 8, 2, t), "longer shift register");
    check(AddressDecoder({true, 0, false, false}, t).leakage_w() == 0, "no address, no decoder");
    auto decoder_w = [&t](int bits) { return AddressDecoder({true, bits, false, false}, t).leakage_w(); };
    check(decoder_w(7) > decoder_w(3), "more address bits");
    check(encoder_leakage_w(64, 16, t) > encoder_leakage_w(16, 16, t), "more levels");
    // Everything is proportional to Vdd x off-current: doubling both off-currents doubles it.
    TechnologyNode leaky = t;
    leaky.i_off_n_a_per_m *= 2;
    leaky.i_off_p_a_per_m *= 2;
    check(near(encoder_leakage_w(64, 16, leaky), 2 * encoder_leakage_w(64, 16, t)), "off-current scaling");
}

void hierarchy() {
    HardwareConfig hw;
    hw.memory_cell = MemoryCell::fefet;
    const TechnologyNode t = tech(32, DeviceRoadmap::lstp);
    const DesignContext ctx{hw, t, 8, 5, 200, 0};
    const double sub = sub_array_leakage_w(ctx);
    check(sub > 0, "sub-array leaks");
    check(sub_array_leakage_w(ctx, false) < sub, "gated transposed read-out leaks less");
    // Without transposed read, the source-line switch register is gated with the transposed read-out:
    // the saving is at least that register (one flip-flop per column).
    check(sub - sub_array_leakage_w(ctx, false) > flip_flop_leakage_w(hw.subarray_cols, t),
          "gating the transposed side removes the source-line switch register");
    // A PE of 4x4 sub-arrays leaks at least its sub-arrays; gating its tree lowers it.
    const double pe = processing_element_leakage_w(ctx, 512);
    check(pe > 16 * sub, "PE holds its sub-arrays");
    check(processing_element_leakage_w(ctx, 512, 1) < pe, "idle tree stages gated");
    check(near(processing_element_leakage_w(ctx, 512, 4), pe), "all tree inputs = whole tree");
    const TileLeakageParams four{4, 512, 2, 2, 1, 1};
    TileLeakageParams nine = four;
    nine.pes = 9;
    check(tile_leakage_w(ctx, nine) > tile_leakage_w(ctx, four), "more PEs leak more");
    // SRAM cells are volatile and leak; the non-volatile cells do not.
    HardwareConfig sram_hw = hw;
    sram_hw.memory_cell = MemoryCell::sram;
    const DesignContext sram{sram_hw, t, 8, 5, 200, 0};
    check(sub_array_leakage_w(sram) > sub, "SRAM sub-array leaks more");
}

void technology_directions() {
    HardwareConfig hw;
    const TileLeakageParams p{9, 512, 9, 3, 1, 1};
    auto tile_at = [&](int node, DeviceRoadmap roadmap, double k) {
        const TechnologyNode t = tech(node, roadmap, k);
        const DesignContext ctx{hw, t, 8, 5, 200, 0};
        return tile_leakage_w(ctx, p);
    };
    const double cold = tile_at(32, DeviceRoadmap::lstp, 300);
    const double hot = tile_at(32, DeviceRoadmap::lstp, 350);
    check(hot > cold, "leakage rises with temperature");
    check(tile_at(32, DeviceRoadmap::hp, 300) > 10 * cold, "HP transistors leak far more than LSTP");
}

void htree() {
    const TechnologyNode t = tech(32, DeviceRoadmap::lstp);
    const RepeatedWire wire({1e6, 0.1, RepeaterRelaxing::halve}, t);
    const double one = htree_leakage_w(2, 2, 1e-3, 1e-3, 256, wire);
    check(one > 0, "H-tree repeaters leak");
    check(near(htree_leakage_w(2, 2, 1e-3, 1e-3, 512, wire), 2 * one), "twice the bits, twice the repeaters");
    // Two units apart along each side: 2 mm of wire per bit, one repeater per spacing.
    const double wn = wire.repeater_size() * t.min_nmos_width_m();
    const double rep = gate_leakage_current_a(GateKind::inverter, 1, wn, t.pn_size_ratio * wn, t) * t.vdd_v;
    check(near(one, 2e-3 / wire.spacing_m() * 256 * rep, 1e-6), "repeater count from the wire length");
}

}  // namespace

int main() {
    gate_closed_forms();
    finfet_widths();
    block_sums();
    hierarchy();
    technology_directions();
    htree();
    return finish("leakage tests passed", {}, "leakage check(s)");
}
