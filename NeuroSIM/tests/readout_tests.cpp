// Unit tests of the sub-array read-out model (readout.hpp): closed-form delays, the sense amplifier's
// operating window, monotonic trends of latency and energy, and the column conductances sampled from
// a trace. Plain checks, no framework.
#include <cmath>
#include <iostream>
#include <string>
#include <vector>

#include "neurosim/array/readout.hpp"
#include "neurosim/hardware_config.hpp"
#include "neurosim/technology/technology.hpp"
#include "neurosim/training/performance.hpp"
#include "test_support.hpp"

using namespace neurosim;
using namespace neurosim::test;

namespace {

void test_horowitz() {
    const double tau = 1e-9;
    // A step input: the output crosses half swing after tau * ln 2 (single-pole RC).
    check(near(horowitz_delay_s(tau, 1e20), tau * std::log(2.0), 1e-6), "step response is tau ln2");
    double slope = 0;
    const double slow = horowitz_delay_s(tau, 1e8, &slope);
    check(slow > tau * std::log(2.0), "a slow input edge delays the output");
    check(near(slope, 0.5 / slow), "output slope is half swing over the delay");
    check(horowitz_delay_s(0, 1e20) == 0, "no RC, no delay");
}

void test_sense_amplifier() {
    const TechnologyNode t32 = tech(32), t22 = tech(22);
    HardwareConfig hw;
    const DesignContext c32{hw, t32, 8, 5, 200, 1e6};
    const SenseAmpAdc adc(c32, 64);
    check(adc.column_time_s(0) == 0, "an open column needs no resolution");
    check(adc.column_power_w(0) == 1e-6, "an open column only draws the residual bias");
    const double g = 1 / 200e3;
    // Bias of 63 comparators (3.0875 uW each at 32 nm LSTP) plus the column current term.
    const double expected = 3.0875e-6 * 63 + 0.0649 * std::pow(g, 2.297 / std::log(10.0));
    check(near(adc.column_power_w(g), expected, 1e-9), "32 nm sense power follows its fit");
    const SenseAmpAdc adc16(c32, 16);
    check(adc16.column_power_w(g) < adc.column_power_w(g), "fewer levels, fewer comparators, less power");
    const std::vector<float> open(8, 0.0f);
    check(adc.read_time_s(open.data(), 8) == 1e-9, "a read takes at least the 1 ns sensing window");
    const std::vector<float> mixed{1 / 200e3f, 1 / 1e6f, 0.0f};
    const double t = adc.read_time_s(mixed.data(), 3);
    check(t >= 1e-9 && t <= 10e-9, "read time stays within the amplifier's window");
    check(t >= adc.column_time_s(1 / 200e3) - 1e-12, "a read waits for its slowest column");
    const DesignContext c22{hw, t22, 8, 5, 200, 1e6};
    const SenseAmpAdc adc22(c22, 64);
    check(adc22.column_time_s(g) == 1e-9, "22 nm resolves within 1 ns");
    check(adc22.column_power_w(g) < adc.column_power_w(g), "smaller node, less sense power");
}

SensingCost nominal_sensing() {
    SensingCost s;
    s.time_s = 1.1e-9;
    s.energy_per_column_j = 2e-13;
    return s;
}

void test_read_cycle_trends() {
    const TechnologyNode t32 = tech(32), t22 = tech(22);
    for (const MemoryCell cell : {MemoryCell::fefet, MemoryCell::rram, MemoryCell::sram}) {
        HardwareConfig hw;
        hw.memory_cell = cell;
        if (cell == MemoryCell::sram) hw.cell_bits = 1;
        const std::string name = cell == MemoryCell::sram ? "sram" : cell == MemoryCell::rram ? "rram" : "fefet";
        const DesignContext ctx{hw, t32, 8, 5, 200, 1e6};
        const ReadCycleCost base = read_cycle_cost(ctx, ReadDirection::forward, nominal_sensing(), 0.2, 8);
        check(base.adc_s > 0 && base.array_s > 0 && base.adc_j > 0 && base.array_j > 0,
              name + ": every part of a read costs something");
        // Sensing alone: columns per ADC times the resolution time.
        check(base.adc_s >= hw.columns_per_adc * nominal_sensing().time_s, name + ": ADC converts its columns in turn");

        HardwareConfig wide = hw;
        wide.columns_per_adc = 16;
        const DesignContext cw{wide, t32, 8, 5, 200, 1e6};
        const ReadCycleCost more = read_cycle_cost(cw, ReadDirection::forward, nominal_sensing(), 0.2, 8);
        check(more.adc_s > base.adc_s, name + ": more columns per ADC, longer conversion");
        check(more.array_s > base.array_s, name + ": more columns per ADC, longer array cycle");

        const ReadCycleCost busy = read_cycle_cost(ctx, ReadDirection::forward, nominal_sensing(), 0.6, 8);
        check(busy.array_j > base.array_j, name + ": more active rows, more driver energy");
        if (cell != MemoryCell::sram) check(busy.adc_j > base.adc_j, name + ": more active rows, more line energy");

        const DesignContext c22{hw, t22, 8, 5, 200, 1e6};
        const ReadCycleCost small = read_cycle_cost(c22, ReadDirection::forward, nominal_sensing(), 0.2, 8);
        check(small.array_j < base.array_j, name + ": smaller node, less switching energy");

        const ReadCycleCost back = read_cycle_cost(ctx, ReadDirection::transposed, nominal_sensing(), 0.2, 8);
        check(back.adc_s > 0 && back.array_s > 0, name + ": the transposed read has a cost");
    }
}

void test_column_sample() {
    const TechnologyNode t32 = tech(32);
    HardwareConfig hw;  // FeFET, 5-bit cells: one cell per 5-bit weight
    const DesignContext ctx{hw, t32, 8, 5, 200, 0};  // no wire resistance: closed form
    TraceLayer layer;
    layer.weight.shape = {2, 1};
    layer.weight.values = {15, -16};  // offset to 31 (top level) and 0 (bottom level)
    layer.weight_old = layer.weight;
    layer.input.shape = {1, 1, 2};
    layer.input.values = {0b011, 0b001};  // bit 0: both rows, bit 1: row 0, bit 2..7: none
    const ColumnSample s = sample_column_conductance(layer, ctx);
    check(s.columns.size() == 8, "one read per input bit of the single patch");
    const double g_on = 1 / hw.resistance_on_ohm, g_off = 1 / hw.resistance_off_ohm;
    check(near(s.conductance_s.at(0), g_on + g_off, 1e-6), "bit 0 sums both cells");
    check(near(s.conductance_s.at(1), g_on, 1e-6), "bit 1 sees only the top-level cell");
    check(s.conductance_s.at(2) == 0.0f, "no active row, open column");

    HardwareConfig rram = hw;
    rram.memory_cell = MemoryCell::rram;
    const DesignContext cr{rram, t32, 8, 5, 200, 0};
    const ColumnSample sr = sample_column_conductance(layer, cr);
    check(near(sr.conductance_s.at(1), 1 / (rram.resistance_on_ohm + rram.access_resistance_ohm), 1e-6),
          "RRAM cell in series with its access transistor");

    // A 'same'-padded 3x3 convolution on a 4x4 image: every patch is read; with the quirk
    // output_pixels_without_padding only the 2x2 interior patches are.
    LayerShape conv;
    conv.ifm_h = conv.ifm_w = 4;
    conv.ifm_c = 1;
    conv.k_h = conv.k_w = 3;
    conv.ofm_c = 1;
    TraceLayer padded;
    padded.weight.shape = {9, 1};
    padded.weight.values.assign(9, 15);  // every cell at the top level
    padded.weight_old = padded.weight;
    padded.input.shape = {1, 16, 9};
    padded.input.values.assign(16 * 9, 0);
    for (int p : {5, 6, 9, 10}) {
        for (int r = 0; r < 9; ++r) padded.input.values[p * 9 + r] = 1;  // interior patches: bit 0 on
    }
    const ColumnSample every = sample_column_conductance(padded, ctx, {&conv, false});
    check(every.columns.size() == 16 * 8, "one read per input bit of every patch");
    HardwareConfig unpadded = hw;
    unpadded.reference_quirks = "output_pixels_without_padding";
    const DesignContext quirk_ctx{unpadded, t32, 8, 5, 200, 0};
    const ColumnSample interior = sample_column_conductance(padded, quirk_ctx, {&conv, false});
    check(interior.columns.size() == 4 * 8, "with the quirk, one read per input bit of each interior patch");
    bool all_on = true;
    for (std::size_t read = 0; read < interior.columns.size(); read += 8) {
        all_on = all_on && near(interior.conductance_s[read], 9 * g_on + 0.0, 1e-5);
    }
    check(all_on, "with the quirk, padded border patches are left out");

    // Sensing cost: open columns cost only the residual bias.
    const SenseAmpAdc adc(ctx, 64);
    const SensingCost c = mean_sensing_cost(adc, s);
    check(c.time_s >= 1e-9 && c.energy_per_column_j > 0, "sample gives a sensing cost");
    ColumnSample busier = s;
    for (float& g : busier.conductance_s) g = static_cast<float>(g_on);
    check(mean_sensing_cost(adc, busier).energy_per_column_j > c.energy_per_column_j,
          "more conducting columns, more sense energy");
}


// A layer spread over two row blocks and two column blocks of small sub-arrays: every read is the sum,
// over its block's rows whose input bit is 1, of the cell conductances, and every block is read once
// per input bit of the patch.
void test_column_sample_blocks() {
    const TechnologyNode t32 = tech(32);
    HardwareConfig hw;
    hw.subarray_rows = 2;
    hw.subarray_cols = 2;
    const DesignContext ctx{hw, t32, 8, 5, 200, 0};  // FeFET, one cell per weight, no wire resistance
    TraceLayer layer;
    layer.weight.shape = {3, 3};  // rows 0-1 and row 2; columns 0-1 and column 2
    layer.weight.values = {15, -16, 3, -16, 15, 0, 7, 7, -1};
    layer.weight_old = layer.weight;
    layer.input.shape = {1, 1, 3};
    layer.input.values = {0b101, 0b011, 0b111};
    const ColumnSample s = sample_column_conductance(layer, ctx);
    check(s.columns.size() == 2 * 2 * 8, "one read per block and input bit");
    const double g_on = 1 / hw.resistance_on_ohm, g_off = 1 / hw.resistance_off_ohm;
    auto cell = [&](int r, int c) {
        const int level = layer.weight.values[static_cast<std::size_t>(r * 3 + c)] + 16;
        return g_off + (g_on - g_off) * level / 31.0;
    };
    // Expected sums in block order (row block, column block), bit after bit.
    std::vector<double> expected;
    const int row_blocks[2][2] = {{0, 2}, {2, 3}}, col_blocks[2][2] = {{0, 2}, {2, 3}};
    for (const auto& rb : row_blocks) {
        for (const auto& cb : col_blocks) {
            for (int b = 0; b < 8; ++b) {
                for (int c = cb[0]; c < cb[1]; ++c) {
                    double g = 0;
                    for (int r = rb[0]; r < rb[1]; ++r) {
                        if ((layer.input.values[static_cast<std::size_t>(r)] >> b) & 1) g += cell(r, c);
                    }
                    expected.push_back(g);
                }
            }
        }
    }
    bool same = s.conductance_s.size() == expected.size();
    for (std::size_t k = 0; same && k < expected.size(); ++k) {
        same = expected[k] == 0 ? s.conductance_s[k] == 0.0f : near(s.conductance_s[k], expected[k], 1e-6);
    }
    check(same, "block reads sum the active rows' cells of their own block");
}

}  // namespace

int main() {
    test_horowitz();
    test_sense_amplifier();
    test_read_cycle_trends();
    test_column_sample();
    test_column_sample_blocks();
    return finish("readout tests passed", {}, "readout check(s)");
}
