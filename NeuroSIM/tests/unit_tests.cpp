// Unit tests of the estimator's building blocks: scaling laws and parsing. Plain checks, no framework.
#include <cmath>
#include <cstdint>
#include <iostream>
#include <string>
#include <vector>

#include "neurosim/array/sub_array.hpp"
#include "neurosim/chip/chip.hpp"
#include "neurosim/chip/floorplan.hpp"
#include "neurosim/circuits/address_decoder.hpp"
#include "neurosim/circuits/circuits.hpp"
#include "neurosim/estimate.hpp"
#include "neurosim/hardware_config.hpp"
#include "neurosim/technology/gate.hpp"
#include "neurosim/technology/tables.hpp"
#include "neurosim/technology/technology.hpp"
#include "neurosim/training/performance.hpp"
#include "neurosim/training/weight_update.hpp"
#include "test_support.hpp"

using namespace neurosim;
using namespace neurosim::test;

namespace {

void test_gate_scaling() {
    const TechnologyNode t32 = tech(32), t22 = tech(22);
    const auto inv = [](const TechnologyNode& t) {
        return standard_cell(GateKind::inverter, 1, t.min_nmos_width_m(), t.pn_size_ratio * t.min_nmos_width_m(), t);
    };
    const double ratio = inv(t22).area_m2() / inv(t32).area_m2();
    check(std::abs(ratio - (22.0 * 22.0) / (32.0 * 32.0)) < 1e-9, "bulk gate area scales with F^2");
    const Footprint nand2 = standard_cell(GateKind::nand, 2, 2 * t32.min_nmos_width_m(), t32.min_nmos_width_m(), t32);
    const Footprint nand4 = standard_cell(GateKind::nand, 4, 2 * t32.min_nmos_width_m(), t32.min_nmos_width_m(), t32);
    check(nand4.width_m > nand2.width_m, "wider NAND takes more width");
    const Footprint wide = standard_cell(GateKind::inverter, 1, 40 * t32.f(), 60 * t32.f(), t32);
    check(wide.height_m == t32.cell_height_m() && wide.width_m > inv(t32).width_m, "wide devices fold at fixed height");
    check(on_resistance_ohm(2 * t32.f(), true, t32) < on_resistance_ohm(t32.f(), true, t32),
          "wider transistor conducts better");
    const TechnologyNode t7 = tech(7);
    check(t7.finfet() && t7.pn_size_ratio == 1, "7 nm uses whole-fin sizing");
    check(inv(t7).area_m2() > 0, "FinFET gate has an area");
}

void test_block_scaling() {
    const TechnologyNode t = tech();
    const double a128 = FlipFlops({128}, t).layout(Fit::free_layout()).area_m2();
    const double a256 = FlipFlops({256}, t).layout(Fit::free_layout()).area_m2();
    check(std::abs(a256 / a128 - 2) < 1e-12, "flip-flop area is linear in count");
    const double adc64 = MultilevelSenseAdc({16, 64, true}, t).area_m2();
    const double adc32 = MultilevelSenseAdc({16, 32, true}, t).area_m2();
    check(std::abs(adc64 / adc32 - 63.0 / 31.0) < 1e-12, "MLSA area grows with levels-1 comparators");
    const double tree4 = PartialSumTree({4, 10, 16}, t).layout(Fit::to_width(50e-6)).area_m2();
    const double tree8 = PartialSumTree({8, 10, 16}, t).layout(Fit::to_width(50e-6)).area_m2();
    check(tree8 > tree4, "adder tree grows with inputs");
    const double dec3 = AddressDecoder({true, 3, false, false}, t).layout(Fit::free_layout()).area_m2();
    const double dec7 = AddressDecoder({true, 7, false, false}, t).layout(Fit::free_layout()).area_m2();
    check(dec7 > dec3, "decoder grows with address bits");
}

void test_subarray_grows_with_rows() {
    const TechnologyNode t = tech();
    HardwareConfig small;
    HardwareConfig big;
    big.subarray_rows = 256;
    const DesignContext cs{small, t, 8, 5, 200, 1e6};
    const DesignContext cb{big, t, 8, 5, 200, 1e6};
    const SynapticSubArray s(cs), b(cb);
    check(b.parts().cim_array_m2 == 2 * s.parts().cim_array_m2, "array area doubles with rows");
    check(b.used_area_m2() > s.used_area_m2(), "sub-array area grows with rows");
    check(b.height_m() > s.height_m(), "sub-array grows taller with rows");
}

void test_wire_delay_quadratic() {
    // Unrepeated RC wire: distributed delay 0.5 r c L^2 doubles twice when L doubles.
    const TechnologyNode t = tech();
    const double r = wire_resistance_ohm_per_m(load_wire(NEUROSIM_DATA_DIR, 40), 40);
    const double c = t.rules.wire_cap_f_per_m;
    auto delay = [&](double length_m) { return 0.5 * r * length_m * c * length_m; };
    check(std::abs(delay(2e-3) / delay(1e-3) - 4) < 1e-12, "unrepeated wire delay goes with length squared");
    const HTreeBus tree({4, 4, 0.1, 256, r}, t);
    check(tree.repeater_size() > 0 && tree.repeater_spacing_m() > 0, "H-tree repeaters are sized");
    const double area_small = tree.area_m2(1e-4, 1e-4, 4);
    const double area_large = tree.area_m2(2e-4, 2e-4, 4);
    check(std::abs(area_large / area_small - 2) < 1e-9, "H-tree area is linear in span at fixed bus width");
}

void test_hardware_parsing() {
    const HardwareConfig d = parse_hardware_text("", "defaults");
    check(d.memory_cell == MemoryCell::fefet && d.subarray_rows == 128 && d.adc_levels == 64, "defaults");
    const HardwareConfig s = parse_hardware_text("memory_cell = sram  # comment\n", "x");
    check(s.effective_cell_bits() == 1, "SRAM forces one bit per cell");
    check(throws_naming([] { parse_hardware_text("bogus_key = 1\n", "f"); }, "bogus_key"), "unknown key is named");
    check(throws_naming([] { parse_hardware_text("subarray_rows = 3\n", "f"); }, "subarray_rows"),
          "range error is named");
    check(throws_naming([] { parse_hardware_text("subarray_rows = 100\n", "f"); }, "subarray_rows"), "power of two");
    check(throws_naming([] { parse_hardware_text("memory_cell = sram\ncell_bits = 4\n", "f"); }, "cell_bits"),
          "inconsistent combination is named");
    check(throws_naming([] { parse_hardware_text("technology_node_nm = 33\n", "f"); }, "technology_node_nm"),
          "node list");
    for (const auto& key : hardware_keys()) check(!key.description.empty(), "key documented: " + key.key);
}

void test_floorplan_vgg8() {
    const Network net = {layer_shape(32, 3, 3, 128), layer_shape(32, 128, 3, 128), layer_shape(16, 128, 3, 256),
                         layer_shape(16, 256, 3, 256), layer_shape(8, 256, 3, 512), layer_shape(8, 512, 3, 512),
                         layer_shape(1, 8192, 1, 1024), layer_shape(1, 1024, 1, 10)};
    FloorplanParams p;
    const Floorplan plan = plan_floorplan(net, p);
    const std::vector<int> tiles = {1, 1, 1, 1, 1, 1, 8, 1};
    const std::vector<double> speedup = {64, 16, 8, 4, 2, 1, 1, 8};
    for (std::size_t i = 0; i < net.size(); ++i) {
        check(plan.layers[i].tiles() == tiles[i], "tiles of layer " + std::to_string(i + 1));
        check(plan.layers[i].speedup() == speedup[i], "speed-up of layer " + std::to_string(i + 1));
    }
    check(std::abs(plan.chip_utilization - 0.885938) < 1e-6, "chip utilization");
    p.mapping = Mapping::conventional;
    const Floorplan conventional = plan_floorplan(net, p);
    check(conventional.novel_tile_count == 0 && conventional.conventional_tile_count > 0,
          "conventional mapping uses CM tiles");
    const Network small(2, layer_shape(8, 16, 3, 16));
    check(throws_naming([&] { plan_floorplan(small, FloorplanParams{}); }, "subarray_rows"),
          "sub-arrays larger than the network are rejected naming subarray_rows");
}

// The three-layer synthetic trace: every input code `input_code`, weights 3, and `changed` of each
// layer's weights one code lower before the update.
Trace synthetic_trace(int batch, int iterations, std::int16_t input_code, std::size_t changed) {
    return test::synthetic_trace(three_layer_network(), batch, iterations, input_code, changed);
}

ChipPerformance run_performance(const HardwareConfig& hw, const Trace& trace) {
    return estimate_chip(hw, trace, NEUROSIM_DATA_DIR).performance;
}

void test_trace_activity() {
    const HardwareConfig hw;
    const TechnologyNode t = tech();
    const DesignContext ctx{hw, t, 8, 5, 200, 0};
    const Trace quiet = synthetic_trace(1, 1, 0, 0);
    const Trace busy = synthetic_trace(1, 1, -1, 5);
    const LayerActivity a0 = measure_activity(quiet.layers[0], ctx);
    const LayerActivity a1 = measure_activity(busy.layers[0], ctx);
    check(a0.input_bit_activity == 0 && near(a1.input_bit_activity, 1), "input bit activity counts ones");
    // Programming is counted from the same codes (weight_update.hpp).
    const ProgrammingWork w0 = estimate_programming(quiet.layers[0], ctx);
    const ProgrammingWork w1 = estimate_programming(busy.layers[0], ctx);
    check(w0.row_pulses == 0 && w0.cells_changed == 0, "unchanged weights need no pulses");
    check(w1.row_pulses > 0 && w1.cells_changed == 5, "pulses follow the level change");
}

void test_performance_scaling() {
    const HardwareConfig hw = small_arrays();
    const ChipPerformance base = run_performance(hw, synthetic_trace(10, 5, 17, 100));
    const ChipPerformance batch = run_performance(hw, synthetic_trace(20, 5, 17, 100));
    const ChipPerformance epoch = run_performance(hw, synthetic_trace(10, 10, 17, 100));
    check(base.latency_s.fw > 0 && base.energy_j.total() > 0 && base.leakage_power_w > 0, "figures are positive");
    // The batch accumulators of the gradients widen by one bit per doubling of the batch.
    check(near(batch.latency_s.fw, 2 * base.latency_s.fw) && near(batch.energy_j.wg, 2 * base.energy_j.wg, 1e-2) &&
              batch.energy_j.wg > 2 * base.energy_j.wg,
          "forward and gradient phases scale with the batch");
    check(near(batch.energy_j.wu, base.energy_j.wu), "one weight update per batch");
    check(near(epoch.latency_s.wu, 2 * base.latency_s.wu) && near(epoch.energy_j.ag, 2 * base.energy_j.ag),
          "every figure scales with the iterations");
    check(base.layers[0].latency_s.ag == 0 && base.layers[0].energy_j.ag == 0, "no activation gradient for layer 1");
    check(
        near(base.tops, base.operations / base.latency_s.total() * 1e-12) &&
            near(base.fps, 10.0 * 5 / base.latency_s.total()),  // the epoch's 10 x 5 images
        "throughput from operations and latency, fps in images per second");
    check(base.peak_latency_s.fw < base.latency_s.fw && base.peak_energy_j.fw < base.energy_j.fw,
          "peak figures leave out buffers, interconnect and DRAM");

    const ChipPerformance busy = run_performance(hw, synthetic_trace(10, 5, 127, 100));
    check(busy.energy_breakdown_j.array > base.energy_breakdown_j.array &&
              busy.energy_breakdown_j.adc >= base.energy_breakdown_j.adc &&
              busy.peak_energy_j.wg > base.peak_energy_j.wg,
          "more input ones cost more array and gradient energy, never less ADC energy");
    const ChipPerformance still = run_performance(hw, synthetic_trace(10, 5, 17, 0));
    const ChipPerformance moved = run_performance(hw, synthetic_trace(10, 5, 17, 1000));
    check(still.peak_energy_j.wu == 0 && moved.peak_energy_j.wu > base.peak_energy_j.wu,
          "update energy follows the pulses");

    HardwareConfig gddr = hw;
    gddr.dram = DramType::gddr5;
    const ChipPerformance g = run_performance(gddr, synthetic_trace(10, 5, 17, 100));
    check(near(g.energy_breakdown_j.dram / base.energy_breakdown_j.dram, 14.0 / 3.9, 1e-6) &&
              near(g.latency_breakdown_s.dram / base.latency_breakdown_s.dram, 15.2 / 4.288, 1e-6),
          "DRAM traffic priced per bit and bandwidth");

    HardwareConfig pipelined = hw;
    pipelined.pipeline = true;
    const ChipPerformance p = run_performance(pipelined, synthetic_trace(10, 5, 17, 100));
    double slowest = 0;
    for (const auto& l : p.layers) slowest = std::max(slowest, l.latency_s.fw);
    check(near(p.latency_s.fw, slowest), "pipelined forward takes the slowest stage");
}

}  // namespace

// Every fitted table names its source, and the power fits cover every node and roadmap of the
// transistor table, so no design point goes without a characterization.
void test_circuit_fit_tables() {
    const std::string dir = std::string(NEUROSIM_DATA_DIR) + "/circuits/";
    for (const char* name : {"sense_amp_power.csv", "sense_amp_time.csv", "sar_adc_power.csv", "stack_leakage.csv",
                             "sense_amp_limits.csv", "sar_adc_budget.csv"}) {
        const auto records = read_csv_records(dir + name);
        check(!records.empty(), std::string(name) + " has rows");
        for (const auto& r : records) {
            check(r.count("source") && r.at("source").size() > 20, std::string(name) + ": every row names its source");
        }
    }
    const std::string transistors = std::string(NEUROSIM_DATA_DIR) + "/technology/transistors.csv";
    for (const auto& r : read_csv_records(transistors)) {
        const int node = static_cast<int>(number_of(r.at("node_nm"), transistors));
        const DeviceRoadmap roadmap = r.at("roadmap") == "hp" ? DeviceRoadmap::hp : DeviceRoadmap::lstp;
        const CircuitFits fits = load_circuit_fits(NEUROSIM_DATA_DIR, node, roadmap);
        check(fits.sar_power.has_value(), "a SAR power fit at " + std::to_string(node) + " nm " + r.at("roadmap"));
        check(fits.sense_power(true).bias_w_per_comparator > 0 && fits.sense_power(false).column_coeff_w > 0,
              "sense-amplifier power fits at " + std::to_string(node) + " nm " + r.at("roadmap"));
        check(near(fits.sense_power(true).bias_w_per_comparator, fits.sense_power(true).bias_uw_per_comparator * 1e-6),
              "the bias in W is the tabulated uW");
    }
    const CircuitFits fits32 = load_circuit_fits(NEUROSIM_DATA_DIR, 32, DeviceRoadmap::lstp);
    const SenseAmpLimits& limits = fits32.sense_limits;
    check(limits.min_resolve_s > 0 && limits.max_resolve_s > limits.min_resolve_s &&
              limits.far_ratio_below < limits.cubic_ratio_limit && limits.cubic_ratio_limit < limits.far_ratio_above,
          "the sense-amplifier limits bound a window of times and ratios");
    const StackLeakageFit& stack = fits32.stack_leakage;
    check(stack.nand3 < stack.nand2 && stack.nand2 < 1 && stack.nor3 < stack.nor2 && stack.nor2 < 1,
          "taller stacks leak less, and every stack less than one device");
    check(!load_circuit_fits(NEUROSIM_DATA_DIR, 32, DeviceRoadmap::hp).sense_time.has_value() &&
              load_circuit_fits(NEUROSIM_DATA_DIR, 32, DeviceRoadmap::lstp).sense_time.has_value(),
          "the resolution-time fit covers low-standby-power devices only");
}

int main() {
    test_circuit_fit_tables();
    test_gate_scaling();
    test_block_scaling();
    test_subarray_grows_with_rows();
    test_wire_delay_quadratic();
    test_hardware_parsing();
    test_floorplan_vgg8();
    test_trace_activity();
    test_performance_scaling();
    return finish("all unit tests passed");
}
