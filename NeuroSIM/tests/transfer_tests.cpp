// Tests of the data-movement models: buffer cores, repeated wires, H-trees, and the buffer,
// interconnect and DRAM costs they give a layer. Plain checks, no framework.
#include <cmath>
#include <iostream>
#include <string>
#include <utility>

#include "neurosim/chip/chip.hpp"
#include "neurosim/chip/floorplan.hpp"
#include "neurosim/circuits/address_decoder.hpp"
#include "neurosim/estimate.hpp"
#include "neurosim/technology/gate.hpp"
#include "neurosim/technology/technology.hpp"
#include "neurosim/training/performance.hpp"
#include "test_support.hpp"
#include "neurosim/circuits/transfer.hpp"

using namespace neurosim;
using namespace neurosim::test;

namespace {

double wire_r(int width_nm = 40) {
    return wire_resistance_ohm_per_m(load_wire(NEUROSIM_DATA_DIR, width_nm), width_nm);
}

void test_stage_delays() {
    check(near(half_swing_delay_s(1e3, 1e-15), std::log(2.0) * 1e-12), "step response reaches half swing at ln2*RC");
}

// A buffer-line decoder of `bits` address bits driving `line_f`: {delay, energy}.
std::pair<double, double> buffer_line(int bits, double line_f, const TechnologyNode& t) {
    const AddressDecoder decoder({true, bits, false, false}, t);
    DecoderLoad load;
    load.line_f = line_f;
    return {decoder.delay_s(DecoderPath::buffer_line, load), decoder.energy_j(DecoderPath::buffer_line, load)};
}

void test_decoder() {
    const TechnologyNode t = tech();
    const auto [small_s, small_j] = buffer_line(3, 10e-15, t);
    const auto [wide_s, wide_j] = buffer_line(7, 10e-15, t);
    const auto [loaded_s, loaded_j] = buffer_line(7, 100e-15, t);
    check(wide_s > small_s, "more address bits, longer decode (more NOR fan-out)");
    check(loaded_s > wide_s, "a heavier line is slower to drive");
    check(near(loaded_j, wide_j), "the line itself is not charged by the decoder");
    check(wide_j > small_j, "more address lines switch more gate capacitance");
    // A line far heavier than the gates is charged by the last (PMOS, 3x minimum) driver stage, whose RC
    // then dwarfs its input ramp: extra load adds ln2 * R * C.
    const double r_driver = on_resistance_ohm(3 * t.pn_size_ratio * t.min_nmos_width_m(), false, t);
    const double heavy_s = buffer_line(5, 10e-12, t).first, heavier_s = buffer_line(5, 20e-12, t).first;
    check(near(heavier_s - heavy_s, std::log(2.0) * r_driver * 10e-12, 1e-2),
          "a heavily loaded line adds ln2*R*C of the driver");
    // Same decoder at a smaller node: smaller gates, shorter decode.
    check(buffer_line(5, 10e-15, tech(22)).first < buffer_line(5, 10e-15, t).first, "a smaller node decodes faster");
}

void test_flip_flop_energy() {
    const TechnologyNode t32 = tech(32), t22 = tech(22);
    const double wn = t32.min_nmos_width_m();
    const GateCapacitance inv =
        gate_capacitance(GateKind::inverter, 1, wn, t32.pn_size_ratio * wn, t32.cell_height_m(), t32);
    const double tg_gates = gate_input_capacitance_f(wn, t32) + gate_input_capacitance_f(t32.pn_size_ratio * wn, t32);
    const double clock = (4 * (inv.input_f + inv.output_f) + 2 * tg_gates) * t32.vdd_v * t32.vdd_v;
    check(near(flip_flop_energy(t32).clock_j, clock), "clock energy is C*V^2 of the clocked gates");
    check(flip_flop_energy(t22).clock_j < flip_flop_energy(t32).clock_j, "a smaller node clocks for less energy");
}

BufferTimingParams buffer(double bits, double interface_bits, bool sram, double clock_hz = 1e9) {
    BufferTimingParams p;
    p.layout = BufferParams{bits, interface_bits, sram, 8, 20};
    p.clock_hz = clock_hz;
    p.wire_resistance_ohm_per_m = wire_r();
    return p;
}

void test_buffer_access() {
    const TechnologyNode t = tech();
    const BufferAccess rf(buffer(128 * 128, 128, false), t);
    const double line_m = 128 * FlipFlops({1}, t).unit().width_m;
    const auto [decode_s, decode_j] = buffer_line(7, line_m * t.rules.wire_cap_f_per_m, t);
    check(near(rf.line_latency_s(), decode_s + 0.5e-9),
          "a register line is decoded and clocked in half a cycle");
    const BufferAccess rf_fast(buffer(128 * 128, 128, false, 2e9), t);
    check(near(rf.line_latency_s() - rf_fast.line_latency_s(), 0.25e-9),
          "doubling the clock halves the flip-flop time");
    const FlipFlopEnergy ff = flip_flop_energy(t);
    check(near(rf.bit_energy_j(), ff.clock_j + ff.data_j + decode_j / 128),
          "a register bit costs its flip-flop plus its share of the decode");
    check(near(rf.lines(), 128), "lines = bits / interface");

    const BufferAccess short_sram(buffer(32 * 128, 128, true), t), tall_sram(buffer(512 * 128, 128, true), t);
    check(tall_sram.line_latency_s() > short_sram.line_latency_s(), "longer SRAM bit lines are slower");
    check(tall_sram.bit_energy_j() > short_sram.bit_energy_j(), "longer SRAM bit lines cost more per bit");
}

void test_repeated_wire() {
    const TechnologyNode t = tech();
    const double r = wire_r();
    const RepeatedWire fastest({r, 0.0, RepeaterRelaxing::halve}, t), relaxed({r, 0.1, RepeaterRelaxing::halve}, t);
    check(relaxed.repeater_size() < fastest.repeater_size(), "a delay tolerance buys smaller repeaters");
    check(relaxed.delay_s_per_m() >= fastest.delay_s_per_m(), "smaller repeaters are not faster");
    check(relaxed.charge_energy_j_per_m() < fastest.charge_energy_j_per_m(),
          "smaller repeaters switch less capacitance");
    check(fastest.delay_s_per_m(4 * r) > fastest.delay_s_per_m(r), "a more resistive wire is slower");
    const double d = fastest.spacing_m();
    const double wn = fastest.repeater_size() * t.min_nmos_width_m();
    const GateCapacitance c =
        gate_capacitance(GateKind::inverter, 1, wn, t.pn_size_ratio * wn, t.cell_height_m(), t);
    check(near(fastest.charge_energy_j_per_m(),
               (c.input_f + c.output_f + t.rules.wire_cap_f_per_m * d) * t.vdd_v * t.vdd_v / d),
          "charging a repeated metre is (C_repeater + C_wire) V^2 per spacing");
    const RepeatedWire bus({r, 0.0, RepeaterRelaxing::step_down}, t);
    check(bus.repeater_size() >= 1, "a bus keeps at least minimum repeaters");
}

void test_htree_path() {
    const TechnologyNode t = tech();
    const double r = wire_r();
    const RepeatedWire wire({r, 0.1, RepeaterRelaxing::halve}, t);
    const double a = 1e-3;
    const HTreePath two(HTreePathParams{2, 2, a, a, r}, wire);
    // Centre to a unit centre is a/2 each way, plus the trunk of one unit to the grid edge.
    check(near(two.length_m(), 2 * a), "2x2 tree: half a unit each way and a one-unit trunk");
    check(near(two.bit_energy_j(), two.length_m() * wire.charge_energy_j_per_m() * kDataSwitchingActivity),
          "a bit charges its path with the data activity");
    const double top = wire.delay_s_per_m(r / 16);
    check(near(two.delay_s(), 3 * a * top), "delay runs to the far side of the leaf on top-level (4x) wires");
    const HTreePath four(HTreePathParams{4, 4, a, a, r}, wire);
    check(four.delay_s() > two.delay_s() && four.bit_energy_j() > two.bit_energy_j(), "a larger grid is farther");
    const HTreePath big_units(HTreePathParams{2, 2, 2 * a, 2 * a, r}, wire);
    check(near(big_units.delay_s(), 2 * two.delay_s()), "delay is linear in length on a repeated wire");
}

void test_partial_sum_width() {
    // One bit per cell column of a weight: five 1-bit columns of 6-bit codes over 8 input cycles reach
    // (2^6-1)(2^5-1)(2^8-1), which needs 19 bits; with the sign, 20.
    const int five = subarray_partial_sum_bits(6, 8, 5), one = subarray_partial_sum_bits(6, 8, 1);
    check(five - one == 4, "four more cell columns per weight, four more partial-sum bits");
    check(63.0 * 31 * 255 < std::pow(2.0, five - 1), "the shift-added magnitude fits beside the sign bit");
    check(63.0 * 255 < std::pow(2.0, one - 1), "a single column per weight fits as well");
}

void test_htree_odd_grid() {
    const TechnologyNode t = tech();
    const double r = wire_r();
    const RepeatedWire wire({r, 0.1, RepeaterRelaxing::halve}, t);
    const double a = 1e-3;
    // A 3x3 grid needs the tree of a 4x4 one: a + a, then a/2 + a/2, plus a one-unit trunk.
    const HTreePath three(HTreePathParams{3, 3, a, a, r}, wire);
    const HTreePath two(HTreePathParams{2, 2, a, a, r}, wire);
    check(near(three.length_m(), 4 * a), "3x3 tree: two levels and a one-unit trunk");
    check(near(three.bit_energy_j(), 2 * two.bit_energy_j()), "a bit crosses twice the wire of a 2x2 tree");
}

// The three-layer synthetic network with input code 5 everywhere and unchanged weights.
Trace small_trace() {
    return synthetic_trace(three_layer_network(), 4, 2, 5);
}

// Lays `tr` out on `hw` at 32 nm and returns what `use` makes of the design context, floorplan and area.
template <typename Use>
auto with_layout(const HardwareConfig& hw, const Trace& tr, Use use) {
    static const TechnologyNode t = tech(hw.technology_node_nm);
    const Floorplan plan = plan_floorplan(tr.network, floorplan_params(hw, tr.weight_bits));
    const DesignContext ctx{hw, t, tr.input_bits, tr.weight_bits, tr.batch_size, wire_r(hw.wire_width_nm)};
    const ChipArea area = estimate_chip_area(ctx, tr.network, plan);
    return use(ctx, plan, area);
}

std::vector<LayerCosts> costs(const HardwareConfig& hw, const Trace& tr) {
    return with_layout(hw, tr, [&](const DesignContext& ctx, const Floorplan& plan, const ChipArea& area) {
        return trace_layer_costs(ctx, tr, plan, area);
    });
}

void test_tile_data_paths() {
    const Trace tr = small_trace();
    auto models = [&](MemoryCell cell) {
        HardwareConfig hw = small_arrays();
        hw.memory_cell = cell;
        return with_layout(hw, tr, [](const DesignContext& ctx, const Floorplan& plan, const ChipArea& area) {
            return std::make_pair(plan, data_movement_models(ctx, plan, area));
        });
    };
    const auto envm = models(MemoryCell::fefet);
    const auto sram = models(MemoryCell::sram);
    // SRAM holds a 5-bit weight in five 1-bit cells: its partial sums leave the tile 4 bits wider.
    check(sram.second.tile_conventional.adder_bits - envm.second.tile_conventional.adder_bits == 4,
          "SRAM partial sums carry the growth of shift-adding five cell columns");
    check(sram.second.pe_adder_bits - envm.second.pe_adder_bits == 4, "so do the PE output registers");
    // The novel tile's H-tree spans its own PE grid, one PE row of inputs wide.
    const int side = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(envm.first.novel_pes_per_tile))));
    check(envm.second.tile_novel.pe_grid_side == side, "the novel tile tree covers its square PE grid");
    check(near(envm.second.tile_novel.bus_bits, side * 32.0), "one input per sub-array row of a PE row");
    check(side > 1, "the test network maps its convolutions to novel tiles");
}

void test_layer_costs() {
    const HardwareConfig hw = small_arrays();
    const Trace tr = small_trace();
    const std::vector<LayerCosts> base = costs(hw, tr);
    for (const LayerCosts& c : base) {
        const Breakdown& s = c.figures.latency_breakdown_s;
        const Breakdown& j = c.figures.energy_breakdown_j;
        check(s.buffer > 0 && s.interconnect > 0 && s.dram > 0, "buffer, interconnect and DRAM take time");
        check(j.buffer > 0 && j.interconnect > 0 && j.dram > 0, "buffer, interconnect and DRAM take energy");
    }
    HardwareConfig slow = hw;
    slow.clock_frequency_hz = hw.clock_frequency_hz / 2;
    const std::vector<LayerCosts> slower = costs(slow, tr);
    check(slower[1].figures.latency_breakdown_s.buffer > base[1].figures.latency_breakdown_s.buffer,
          "a slower clock slows the register buffers");
    check(near(slower[1].figures.energy_breakdown_j.buffer, base[1].figures.energy_breakdown_j.buffer),
          "the clock rate does not change the energy of a buffered bit");
    HardwareConfig gddr = hw;
    gddr.dram = DramType::gddr5;
    check(costs(gddr, tr)[1].figures.energy_breakdown_j.dram > base[1].figures.energy_breakdown_j.dram,
          "GDDR5 costs more per bit than HBM2");
}

}  // namespace

int main() {
    test_stage_delays();
    test_decoder();
    test_flip_flop_energy();
    test_buffer_access();
    test_repeated_wire();
    test_htree_path();
    test_partial_sum_width();
    test_htree_odd_grid();
    test_tile_data_paths();
    test_layer_costs();
    return finish("all transfer tests passed");
}
