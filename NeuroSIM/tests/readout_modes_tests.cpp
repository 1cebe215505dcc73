// Unit tests of the read-out design options (readout_modes.hpp): SAR conversion against the
// multilevel sense amplifier, voltage against current sensing, and the sequential (row-by-row)
// read-out: closed-form values, the directions the models give, and estimator runs with every option
// on a synthetic trace (or on the trace directory given as the first argument). Plain checks.
#include <cmath>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "neurosim/array/readout.hpp"
#include "neurosim/array/readout_modes.hpp"
#include "neurosim/array/sub_array.hpp"
#include "neurosim/chip/chip.hpp"
#include "neurosim/chip/floorplan.hpp"
#include "neurosim/circuits/address_decoder.hpp"
#include "neurosim/hardware_config.hpp"
#include "neurosim/io/results.hpp"
#include "neurosim/io/trace.hpp"
#include "neurosim/technology/technology.hpp"
#include "neurosim/training/performance.hpp"
#include "test_support.hpp"

using namespace neurosim;
using namespace neurosim::test;

namespace {

ColumnSample uniform_sample(float g, int columns, int reads) {
    ColumnSample s;
    for (int r = 0; r < reads; ++r) {
        s.columns.push_back(columns);
        for (int j = 0; j < columns; ++j) s.conductance_s.push_back(g);
    }
    return s;
}

void test_sar_sensing() {
    const TechnologyNode t32 = tech(32);
    const SarAdc sar({16, 64}, t32);
    const float g = 1 / 50e3f;
    const ColumnSample sample = uniform_sample(g, 16, 4);
    const SensingCost s = sar_sensing_cost(sar, sample);
    check(near(s.time_s, 7e-9), "a 6-bit SAR converts in 7 steps of 1 ns");
    check(!s.thermometer_encoder, "a SAR needs no thermometer encoder");
    check(near(s.energy_per_column_j, sar.conversion_energy_j(1 / static_cast<double>(g)), 1e-6),
          "SAR energy per column is its power at the column resistance over the conversion");
    ColumnSample open = uniform_sample(0.0f, 16, 2);
    check(near(sar_sensing_cost(sar, open).energy_per_column_j, 1e-6 * 7e-9),
          "an open column costs the converter's idle 1 uW over the conversion");
    const SarAdc sar16({16, 16}, t32);
    check(sar_sensing_cost(sar16, sample).time_s < s.time_s, "fewer SAR bits, shorter conversion");

    // The configured converter: mlsa is the sense amplifier unchanged, sar the converter above.
    HardwareConfig hw;
    hw.subarray_cols = 128;
    hw.columns_per_adc = 8;
    const DesignContext ctx{hw, t32, 8, 5, 200, 1e6};
    const SensingCost mlsa = parallel_sensing_cost(ctx, 64, sample);
    const SensingCost direct = mean_sensing_cost(SenseAmpAdc(ctx, 64), sample);
    check(mlsa.time_s == direct.time_s && mlsa.energy_per_column_j == direct.energy_per_column_j &&
              mlsa.thermometer_encoder,
          "adc_type = mlsa keeps the multilevel sense amplifier's figures");
    HardwareConfig hw_sar = hw;
    hw_sar.adc_type = AdcType::sar;
    const DesignContext ctx_sar{hw_sar, t32, 8, 5, 200, 1e6};
    const SensingCost sar_cost = parallel_sensing_cost(ctx_sar, 64, sample);
    // 64 levels: the SAR walks 7 steps (7 ns) where the sense amplifier resolves within 1-10 ns, but it
    // biases one comparator instead of 63 (3.09 uW each at 32 nm): less energy per conversion.
    check(near(sar_cost.time_s, 7e-9), "adc_type = sar converts in the SAR's time");
    check(sar_cost.energy_per_column_j < mlsa.energy_per_column_j,
          "a 64-level SAR spends less than 63 biased comparators");
    const TechnologyNode t22 = tech(22);
    const DesignContext ctx22{hw, t22, 8, 5, 200, 1e6}, ctx22_sar{hw_sar, t22, 8, 5, 200, 1e6};
    check(parallel_sensing_cost(ctx22_sar, 64, sample).time_s > parallel_sensing_cost(ctx22, 64, sample).time_s,
          "at 22 nm the 1 ns sense amplifier is faster than the 7-step SAR");
}

void test_voltage_sensing() {
    const TechnologyNode t32 = tech(32);
    HardwareConfig current;
    HardwareConfig voltage;
    voltage.sense_current_mode = false;
    const DesignContext ci{current, t32, 8, 5, 200, 1e6}, vo{voltage, t32, 8, 5, 200, 1e6};
    const SenseAmpAdc a_current(ci, 64), a_voltage(vo, 64);
    const double g = 1 / 300e3;
    // Voltage sensing at 32 nm LSTP: 3.692 uW per comparator and 0.079449 R^(-2.297/ln 10).
    check(near(a_voltage.column_power_w(g), 3.692e-6 * 63 + 0.079449 * std::pow(g, 2.297 / std::log(10.0))),
          "voltage-mode power follows its fit");
    check(a_voltage.column_power_w(g) > a_current.column_power_w(g), "voltage comparators draw more bias");
    const std::vector<float> slow{1 / 3e3f, 1 / 5e3f, 1 / 8e3f};
    check(a_voltage.read_time_s(slow.data(), 3) == 1e-9, "voltage sensing is clocked at 1 ns");
    check(a_current.read_time_s(slow.data(), 3) >= 1e-9, "current sensing waits at least 1 ns");
    const SenseAmpAdc::ReadSensing rv = a_voltage.read_sensing(slow.data(), 3);
    double p = 0;
    for (const float gi : slow) p += a_voltage.column_power_w(gi);
    check(near(rv.energy_j, p * 1e-9, 1e-3), "voltage sensing energy is its bias over 1 ns");
}

void test_latch_and_decoder() {
    const TechnologyNode t = tech(32);
    const LatchSenseAmp sa(t, 0.1, 1e9);
    check(near(sa.delay_s(), sa.load_capacitance_f() / sa.transconductance_s() * std::log(t.vdd_v / 0.1) + 1e-9),
          "latch regenerates in (C/gm) ln(Vdd/Vs), then waits its enable clock");
    check(LatchSenseAmp(t, 0.05, 1e9).delay_s() > sa.delay_s(), "a smaller split takes longer to regenerate");
    check(near(sa.energy_j(), sa.load_capacitance_f() * t.vdd_v * t.vdd_v), "latch energy is C Vdd^2");
    check(sa.area_m2() > 0, "latch has an area");

    // The row decoder of a sequential read over 128 lines, driving a 10 fF line of 1 kOhm.
    const AddressDecoder rows128({true, 7, false, false}, t), rows1024({true, 10, false, false}, t);
    constexpr DecoderPath kRow = DecoderPath::sequential_row;
    DecoderLoad a;
    a.lines = 128;
    a.line_f = 10e-15;
    a.line_ohm = 1e3;
    a.swing_v = t.vdd_v;
    DecoderLoad b = a;
    b.line_f = 30e-15;
    check(rows128.delay_s(kRow, b) > rows128.delay_s(kRow, a), "a heavier line is slower to drive");
    check(near(rows128.energy_j(kRow, b) - rows128.energy_j(kRow, a), 20e-15 * t.vdd_v * t.vdd_v, 1e-9),
          "the line's share of the selection energy is C V^2");
    DecoderLoad more = a;
    more.lines = 1024;
    check(rows1024.delay_s(kRow, more) > rows128.delay_s(kRow, a), "more lines, more predecoder fan-out, slower");
}

void test_sequential_cost() {
    const TechnologyNode t = tech(32);
    HardwareConfig hw;  // FeFET, 128 x 128, 8 columns per ADC, 5-bit cells
    const DesignContext ctx{hw, t, 8, 5, 200, 1e6};
    check(sequential_adder_bits(ctx, ReadDirection::forward) == 7 + ctx.cell_bits(),
          "row adder: log2(128 rows) bits over the cell's bits");
    SequentialReadParams p;
    p.active_lines = 40;
    p.converted_lines = 128;
    const SequentialReadCost one = sequential_read_cost(ctx, p);
    p.active_lines = 80;
    const SequentialReadCost two = sequential_read_cost(ctx, p);
    check(near(two.adc_s, 2 * one.adc_s) && near(two.array_s, 2 * one.array_s) &&
              near(two.accumulation_s, 2 * one.accumulation_s),
          "latency grows linearly with the rows read one by one");
    check(near(two.adc_j, 2 * one.adc_j) && near(two.accumulation_j, 2 * one.accumulation_j),
          "energy grows linearly with the rows read");
    check(near(one.adc_s, 40 * hw.columns_per_adc * one.sense_s), "every row senses its column groups in turn");

    // Same design read in parallel: one conversion per column group and input cycle.
    const SenseAmpAdc adc(ctx, hw.adc_levels);
    const SensingCost sensing = mean_sensing_cost(adc, uniform_sample(1 / 50e3f, 16, 4));
    const ReadCycleCost par = read_cycle_cost(ctx, ReadDirection::forward, sensing, 40.0 / 128, 8);
    check(one.adc_s + one.array_s + one.accumulation_s > par.adc_s + par.array_s,
          "reading row by row is slower than all rows at once");

    HardwareConfig sram_hw;
    sram_hw.memory_cell = MemoryCell::sram;
    sram_hw.cell_bits = 1;
    const DesignContext sctx{sram_hw, t, 8, 5, 200, 1e6};
    check(sequential_adder_bits(sctx, ReadDirection::forward) == 8, "SRAM row adder: log2(128) + 1 bits");
    SequentialReadParams q;
    q.active_lines = 10;
    q.converted_lines = 128;
    const SequentialReadCost s = sequential_read_cost(sctx, q);
    const LatchSenseAmp sa(t, sram_hw.sram_min_sense_voltage_v, sram_hw.clock_frequency_hz);
    check(near(s.sense_s, sa.delay_s()), "SRAM senses with the latch");
    check(s.adc_j > 10 * 128 * sa.energy_j(), "SRAM sensing energy covers precharge and every latch");

    // Whether the design's read-out organisation (read_mode) reads `direction` line by line.
    const auto reads_sequentially = [&](const HardwareConfig& h, ReadDirection direction) {
        return DesignContext{h, t}.readout().reads_sequentially(h, direction);
    };
    HardwareConfig seq_bp = hw;
    seq_bp.parallel_backprop = false;
    check(reads_sequentially(seq_bp, ReadDirection::transposed) && !reads_sequentially(seq_bp, ReadDirection::forward),
          "parallel_backprop = false reads only the transposed direction row by row");
    HardwareConfig seq = hw;
    seq.read_mode = ReadMode::sequential;
    check(reads_sequentially(seq, ReadDirection::forward) && reads_sequentially(seq, ReadDirection::transposed),
          "read_mode = sequential reads both directions row by row");
    check(!reads_sequentially(hw, ReadDirection::forward) && !reads_sequentially(hw, ReadDirection::transposed),
          "the default reads in parallel");
}

void test_sequential_layout() {
    const TechnologyNode t = tech(32);
    HardwareConfig par;
    HardwareConfig seq;
    seq.read_mode = ReadMode::sequential;
    const DesignContext cp{par, t, 8, 5, 200, 1e6}, cs{seq, t, 8, 5, 200, 1e6};
    const SynapticSubArray a(cp), b(cs);
    check(near(a.parts().cim_array_m2, b.parts().cim_array_m2), "the array itself does not change");
    // 31 comparators of a 5-bit cell instead of 63 of the 64-level ADC.
    check(b.parts().adc_m2 < a.parts().adc_m2, "single-cell sense amplifiers are smaller than 64-level ADCs");
    check(b.parts().accumulation_m2 > a.parts().accumulation_m2, "row adders and registers add accumulation area");
    check(near(b.used_area_m2(), b.parts().total_m2), "the parts sum to the total");
    HardwareConfig bp = par;
    bp.parallel_backprop = false;
    const DesignContext cb{bp, t, 8, 5, 200, 1e6};
    const SynapticSubArray c(cb);
    check(c.parts().accumulation_m2 > a.parts().accumulation_m2, "a sequential transposed read adds row adders");
}

// ---------------------------------------------------------------- estimator runs

// The two-layer synthetic network with varied codes: weights cycling over -15..15 and inputs over 0..255.
Trace varied_trace() {
    Trace t = synthetic_trace(two_layer_network(), 4, 2, 0);
    for (TraceLayer& layer : t.layers) {
        for (std::size_t i = 0; i < layer.weight.values.size(); ++i) {
            layer.weight.values[i] = static_cast<int>(i % 31) - 15;
        }
        layer.weight_old = layer.weight;
        for (std::size_t i = 0; i < layer.input.values.size(); ++i) {
            layer.input.values[i] = static_cast<int>(i * 7 % 256);
        }
    }
    return t;
}

void test_estimator_options(const std::string& trace_dir) {
    const bool real = is_trace_dir(trace_dir);
    const Trace trace = real ? read_trace(trace_dir) : varied_trace();
    const std::string base = real ? "" : kSmallArraysText;
    const std::filesystem::path out = scratch_dir("neurosim_readout_modes_tests_");
    for (const std::string cell : {"fefet", "rram", "sram"}) {
        const std::string design = base + "memory_cell = " + cell + "\n";
        const Figures par = estimate_figures(design, trace, out / (cell + "_par"));
        const Figures seq = estimate_figures(design + "read_mode = sequential\n", trace, out / (cell + "_seq"));
        const Figures bp = estimate_figures(design + "parallel_backprop = false\n", trace, out / (cell + "_bp"));
        const Figures volt = estimate_figures(design + "sense_current_mode = false\n", trace, out / (cell + "_v"));
        const Figures seq_sar =
            estimate_figures(design + "read_mode = sequential\nadc_type = sar\n", trace, out / (cell + "_seqsar"));
        const std::string c = cell + ": ";
        std::cout << cell << " latency_fw_s parallel " << par.at("latency_fw_s") << " sequential "
                  << seq.at("latency_fw_s") << '\n';
        check(seq.at("latency_fw_s") > par.at("latency_fw_s"), c + "sequential forward read is slower than parallel");
        check(seq.at("latency_ag_s") > par.at("latency_ag_s"), c + "sequential transposed read is slower too");
        std::cout << cell << " parallel_backprop = false: latency_fw_s " << bp.at("latency_fw_s") << " latency_ag_s "
                  << bp.at("latency_ag_s") << " (parallel " << par.at("latency_ag_s") << ")\n";
        // The forward read keeps its circuits; only the layout around it (hence the wires) moves.
        check(near(bp.at("latency_fw_s"), par.at("latency_fw_s"), 0.1) &&
                  bp.at("latency_ag_s") > par.at("latency_ag_s"),
              c + "parallel_backprop = false slows the transposed read");
        check(seq.at("area_adc_m2") != par.at("area_adc_m2"), c + "the sequential periphery has its own area");
        check(seq_sar.at("latency_fw_s") > 0, c + "sequential read with SAR converters runs");
        if (cell != "sram") {
            const Figures sar = estimate_figures(design + "adc_type = sar\n", trace, out / (cell + "_sar"));
            check(sar.at("breakdown_latency_adc_s") > par.at("breakdown_latency_adc_s"),
                  c + "the 7-step SAR converts slower than the sense amplifier");
            check(sar.at("breakdown_energy_adc_j") < par.at("breakdown_energy_adc_j"),
                  c + "one SAR comparator spends less than 63 sense comparators");
            // The weight-gradient unit's 64-level ADCs follow the same choice: smaller, slower.
            check(sar.at("area_weight_gradient_m2") < par.at("area_weight_gradient_m2"),
                  c + "SAR converters shrink the weight-gradient unit");
            check(sar.at("breakdown_latency_weight_gradient_s") > par.at("breakdown_latency_weight_gradient_s"),
                  c + "the gradient unit's reads wait for the SAR's 7 steps");
            check(near(sar.at("breakdown_latency_array_s"), par.at("breakdown_latency_array_s")),
                  c + "the converter leaves the array's timing alone");
            check(volt.at("breakdown_energy_adc_j") > par.at("breakdown_energy_adc_j"),
                  c + "voltage sensing draws more bias energy");
            check(seq_sar.at("breakdown_latency_adc_s") != seq.at("breakdown_latency_adc_s"),
                  c + "SAR and sense amplifier differ in the sequential read too");
        }
        check(volt.at("area_adc_m2") > par.at("area_adc_m2"), c + "voltage sense amplifiers are larger");
    }
    std::filesystem::remove_all(out);
}

}  // namespace

int main(int argc, char** argv) {
    const std::string trace_dir = argc > 1 ? argv[1] : "";
    return finish("readout_modes_tests: all checks passed", [&] {
        test_sar_sensing();
        test_voltage_sensing();
        test_latch_and_decoder();
        test_sequential_cost();
        test_sequential_layout();
        test_estimator_options(trace_dir);
    });
}
