// Tests of the weight-gradient unit's energy (gradient_read_energy.hpp) and of delivering weight changes
// to the arrays (weight_transfer.hpp).
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "neurosim/chip/chip.hpp"
#include "neurosim/chip/floorplan.hpp"
#include "neurosim/circuits/sense_amp_power.hpp"
#include "neurosim/estimate.hpp"
#include "neurosim/hardware_config.hpp"
#include "neurosim/technology/technology.hpp"
#include "neurosim/training/gradient_read_energy.hpp"
#include "neurosim/training/performance.hpp"
#include "test_support.hpp"
#include "neurosim/training/weight_transfer.hpp"
#include "neurosim/training/weight_update.hpp"

using namespace neurosim;
using namespace neurosim::test;

namespace {

HardwareConfig sram_unit() {
    HardwareConfig hw;
    hw.memory_cell = MemoryCell::sram;
    hw.wg_subarray_rows = 128;
    hw.wg_subarray_cols = 128;
    hw.wg_rows_per_adc = 8;
    hw.wg_adc_levels = 16;
    return hw;
}

void sense_amp_fit() {
    auto fit = [](int node) { return load_circuit_fits(NEUROSIM_DATA_DIR, node, DeviceRoadmap::lstp).sense_power(true); };
    const SenseAmpPowerFit lp32 = fit(32);
    // Closed form at R = 1 kOhm: bias x 15 comparators + coefficient x exp(-exponent x 3).
    const SenseAmpPower lp32_16(lp32, 16);
    const double p = lp32_16.at_resistance_w(1e3);
    check(near(p, 15 * lp32.bias_w_per_comparator + lp32.column_coeff_w * std::exp(-3 * lp32.column_exponent)),
          "sense amplifier power closed form");
    check(lp32_16.at_resistance_w(100) > lp32_16.at_resistance_w(1e4), "lower column resistance draws more");
    check(near(lp32_16.at_resistance_w(INFINITY), 15 * lp32.bias_w_per_comparator),
          "an open column leaves the bias only");
    check(SenseAmpPower(lp32, 32).at_resistance_w(1e3) > lp32_16.at_resistance_w(1e3), "more levels, more comparators");
    const SenseAmpPowerFit lp22 = fit(22);
    check(SenseAmpPower(lp22, 16).at_resistance_w(1e3) < p, "smaller node, less sense power");
    const SenseAmpPowerFit near28 = fit(28);
    check(near(near28.column_coeff_w, lp32.column_coeff_w) || near(near28.column_coeff_w, lp22.column_coeff_w),
          "an unlisted node takes its nearest characterization");
}

void gradient_array() {
    const HardwareConfig hw = sram_unit();
    const TechnologyNode t = tech();
    const DesignContext ctx{hw, t, 8, 8, 200, 1e6};
    const GradientArrayEnergy quiet(ctx, 0.1, 1), busy(ctx, 0.5, 1);
    // Each column is converted once per input bit: 128 columns x 8 bits.
    check(near(quiet.conversions_per_channel(), 128.0 * 8), "one conversion per column and input bit");
    check(busy.column_ohm() < quiet.column_ohm(), "more raised rows, lower column resistance");
    check(busy.sense_energy_j() > quiet.sense_energy_j(), "higher activity, more sense energy");
    check(busy.line_energy_j() > quiet.line_energy_j(), "higher activity, more word lines raised");
    check(busy.write_energy_j() > quiet.write_energy_j(), "higher activity, more cells written");
    check(GradientArrayEnergy(ctx, 0.3, 8).digital_energy_j() > GradientArrayEnergy(ctx, 0.3, 1).digital_energy_j(),
          "an adder tree over the sub-arrays adds energy");
    // More columns per ADC: fewer converters, the same conversions per channel (each column once per bit).
    HardwareConfig wide = hw;
    wide.wg_rows_per_adc = 16;
    const DesignContext wctx{wide, t, 8, 8, 200, 1e6};
    check(near(GradientArrayEnergy(wctx, 0.3, 1).conversions_per_channel(), 128.0 * 8),
          "mux width does not change the conversions");
    check(GradientArrayEnergy(wctx, 0.3, 1).line_energy_j() > GradientArrayEnergy(ctx, 0.3, 1).line_energy_j(),
          "more mux steps, more line cycles");
    // A smaller node costs less.
    const TechnologyNode t22 = tech(22);
    const DesignContext c22{hw, t22, 8, 8, 200, 1e6};
    check(GradientArrayEnergy(c22, 0.3, 1).channel_read_energy_j() < GradientArrayEnergy(ctx, 0.3, 1).channel_read_energy_j(),
          "smaller node, less read energy");
    if (std::getenv("NEUROSIM_VERBOSE")) {
        const GradientArrayEnergy e(ctx, 0.3, 4);
        std::cerr << "R_col " << e.column_ohm() << " sense " << e.sense_energy_j() << " lines " << e.line_energy_j()
                  << " mux " << e.mux_energy_j() << " digital " << e.digital_energy_j() << " write "
                  << e.write_energy_j() << '\n';
    }
}

// A layer of `rows` x `cols` 8-bit weight codes, all at `before`, with `after` at the listed cells.
TraceLayer weights(std::size_t rows, std::size_t cols, int before, const std::vector<std::pair<std::size_t, int>>& at,
                   int after) {
    TraceLayer l;
    l.weight_old.shape = l.weight.shape = {rows, cols};
    l.weight_old.values.assign(rows * cols, static_cast<std::int16_t>(before));
    l.weight.values = l.weight_old.values;
    for (const auto& [r, c] : at) l.weight.values[r * cols + static_cast<std::size_t>(c)] = static_cast<std::int16_t>(after);
    return l;
}

void sram_programming() {
    const HardwareConfig hw = sram_unit();
    const TechnologyNode t = tech();
    const DesignContext ctx{hw, t, 8, 8, 200, 1e6};
    // Code 0 -> 3 turns two bits 0 -> 1; code 0 -> -1 (offset 128 -> 127) turns one bit 1 -> 0 and seven 0 -> 1.
    const ProgrammingWork one_row = estimate_programming(weights(4, 4, 0, {{0, 0}, {0, 1}}, 3), ctx);
    check(near(one_row.row_pulses, 1.0), "a row is one SRAM write cycle");
    check(near(one_row.cells_changed, 4.0), "two weights, two flipped bits each");
    const ProgrammingWork mixed = estimate_programming(weights(4, 4, 0, {{0, 0}}, -1), ctx);
    check(near(mixed.row_pulses, 1.0), "bits turning both ways are written in the same cycle");
    check(near(mixed.cells_changed, 8.0), "0 -> -1 flips all eight bits");
    const ProgrammingWork two_rows = estimate_programming(weights(4, 4, 0, {{0, 0}, {1, 1}}, 3), ctx);
    check(near(two_rows.row_pulses, 2.0), "two changed rows, two cycles");
    check(near(two_rows.select_latency_s, 2 * one_row.select_latency_s), "cycles add up in time");
    check(two_rows.energy_j() > one_row.energy_j(), "more rows written, more energy");
    check(mixed.energy_j() > one_row.energy_j(), "more bits flipped in a row, more energy");
    const ProgrammingWork none = estimate_programming(weights(4, 4, 7, {}, 7), ctx);
    check(none.row_pulses == 0 && none.energy_j() == 0, "nothing changed, nothing written");
}

void weight_change_delivery() {
    HardwareConfig hw;
    hw.memory_cell = MemoryCell::sram;
    hw.subarray_rows = hw.subarray_cols = 64;
    const TechnologyNode t = tech();
    const Network net = {layer_shape(16, 64, 3, 64), layer_shape(8, 64, 3, 128), layer_shape(1, 2048, 1, 256)};
    const Floorplan plan = plan_floorplan(net, floorplan_params(hw, 8));
    const DesignContext ctx{hw, t, 8, 8, 200, 1e6};
    const ChipArea area = estimate_chip_area(ctx, net, plan);
    const WeightChangeDelivery d(ctx, plan, area);
    // One tile: the bits are written into and read out of the input buffer, then cross the tree.
    const TileDeliveryPath& cp = d.path(false);
    const MoveCost one = d.tile_cost(false, 4096);
    check(near(one.energy_j, 4096 * (2 * cp.input_buffer.bit_energy_j + cp.tree.bit_energy_j())),
          "tile delivery energy is bits x (buffer write + read + tree)");
    check(near(d.tile_cost(false, 8192).latency_s, 2 * one.latency_s), "delivery time is linear in the bits");
    // A layer over several tiles: energy counts every bit once, times add up tile after tile.
    for (std::size_t i = 0; i < net.size(); ++i) {
        const LayerShape& l = net[i];
        const double bits = static_cast<double>(l.weight_rows()) * l.ofm_c * 8;
        const MoveCost all = d.layer_cost(l, plan.layers[i]);
        const double per_bit = 2 * d.path(plan.layers[i].novel).input_buffer.bit_energy_j +
                               d.path(plan.layers[i].novel).tree.bit_energy_j();
        check(near(all.energy_j, bits * per_bit, 1e-6), "layer delivery energy counts each weight bit once");
        check(all.latency_s >= d.tile_cost(plan.layers[i].novel, bits / std::max(1, plan.layers[i].tiles())).latency_s *
                                   0.999,
              "tiles are served one after another");
    }
    if (plan.novel_pes_per_tile > 1) {
        check(d.path(true).tree.length_m() > 0 && d.path(true).bus_bits >= d.path(false).bus_bits,
              "a novel tile's tree spans its kernel-position PEs");
    }
}

}  // namespace

int main() {
    sense_amp_fit();
    gradient_array();
    sram_programming();
    weight_change_delivery();
    return finish("update/transfer tests passed");
}
