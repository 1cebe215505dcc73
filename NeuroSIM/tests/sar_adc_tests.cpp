// Tests of the SAR ADC block and of the adc_type hardware key. Plain checks, no framework.
// Usage: neurosim_sar_adc_tests [TRACE_DIR [HARDWARE_FILE]]
//   With a trace directory the end-to-end check runs the estimator on it (hardware file plus
//   adc_type); without one it runs on a small synthetic trace.
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "neurosim/array/sub_array.hpp"
#include "neurosim/chip/chip.hpp"
#include "neurosim/chip/floorplan.hpp"
#include "neurosim/circuits/circuits.hpp"
#include "neurosim/circuits/sar_adc.hpp"
#include "neurosim/hardware_config.hpp"
#include "neurosim/io/results.hpp"
#include "neurosim/io/trace.hpp"
#include "neurosim/technology/technology.hpp"
#include "neurosim/training/performance.hpp"
#include "test_support.hpp"

using namespace neurosim;
using namespace neurosim::test;

namespace {

// A column of the reference design point: 128 FeFET cells of 240 kOhm in parallel.
constexpr double kColumnOhm = 240e3 / 128;

void test_latency_linear_in_bits() {
    const TechnologyNode t = tech();
    double previous = 0;
    for (int bits = 1; bits <= 10; ++bits) {
        const SarAdc adc({16, 1 << bits}, t);
        check(adc.bits() == bits, "levels 2^b give b bits");
        check(adc.steps_per_conversion() == bits + 1, "one sampling step plus one step per bit");
        check(near(adc.conversion_latency_s(), (bits + 1) * 1e-9), "conversion takes (bits + 1) steps of 1 ns");
        if (bits > 1) check(near(adc.conversion_latency_s() - previous, 1e-9), "each extra bit adds one step");
        previous = adc.conversion_latency_s();
    }
    check(near(SarAdc({16, 64, 2e-9}, t).conversion_latency_s(), 14e-9), "latency scales with the step time");
    check(SarAdc({16, 48}, t).bits() == 6, "levels between powers of two need the next whole bit");
    check(near(SarAdc({1, 64}, t).conversion_latency_s(), SarAdc({64, 64}, t).conversion_latency_s()),
          "converters run in parallel: latency does not depend on their number");
}

void test_energy() {
    const TechnologyNode t = tech();
    double previous = 0;
    for (int levels = 2; levels <= 1024; levels *= 2) {
        const double e = SarAdc({16, levels}, t).conversion_energy_j(kColumnOhm);
        check(e > previous, "conversion energy grows with levels (" + std::to_string(levels) + ")");
        previous = e;
    }
    const SarAdc adc({16, 64}, t);
    check(near(adc.conversion_energy_j(kColumnOhm), adc.conversion_power_w(kColumnOhm) * adc.conversion_latency_s()),
          "energy is power over the conversion time");
    check(adc.conversion_energy_j(1e3) > adc.conversion_energy_j(1e5), "a lower column resistance draws more current");
    // The column term is close to k / R: a tenfold resistance takes ~10x less from it.
    const double static_w = adc.conversion_power_w(1e30);
    const double drop = (adc.conversion_power_w(1e3) - static_w) / (adc.conversion_power_w(1e4) - static_w);
    check(drop > 9.5 && drop < 10.5, "column power falls about as 1/R");
    // Closed form at 32 nm LSTP, 6 bits, 1 kOhm: (1.1294 * 6 + 8.8998) uW + 0.079449 exp(-2.297 * 3).
    const double p = (1.1294 * 6 + 8.8998) * 1e-6 + 0.079449 * std::exp(-2.297 * 3);
    check(near(adc.conversion_power_w(1e3), p), "power at 1 kOhm matches the published fit");
    const double open = std::numeric_limits<double>::infinity();
    check(near(adc.conversion_energy_j(open), 1e-6 * 7e-9), "an open column idles at 1 uW for the conversion");
    check(throws([&] { adc.conversion_energy_j(0); }), "zero column resistance is rejected");
    check(throws([&] { adc.conversion_energy_j(-5); }), "negative column resistance is rejected");
}

void test_area() {
    const TechnologyNode t = tech();
    const SarAdc sar64({16, 64}, t);
    check(near(sar64.area_m2(), 16 * sar64.unit_area_m2()), "area is one converter per read-out");
    check(near(SarAdc({32, 64}, t).area_m2(), 2 * sar64.area_m2()), "area is linear in read-outs");
    // Every extra bit adds the same transistors.
    const double step1 = SarAdc({1, 8}, t).unit_area_m2() - SarAdc({1, 4}, t).unit_area_m2();
    const double step2 = SarAdc({1, 128}, t).unit_area_m2() - SarAdc({1, 64}, t).unit_area_m2();
    check(step1 > 0 && near(step1, step2), "converter area is linear in bits");
    // A multilevel sense amplifier needs levels-1 comparators, a SAR converter one comparator and
    // log2(levels) register bits: SAR is smaller at many levels, larger at very few.
    for (bool current_mode : {true, false}) {
        const double mlsa64 = MultilevelSenseAdc({16, 64, current_mode}, t).area_m2();
        const double mlsa4 = MultilevelSenseAdc({16, 4, current_mode}, t).area_m2();
        check(sar64.area_m2() < mlsa64, "64-level SAR is smaller than the 64-level MLSA");
        check(SarAdc({16, 4}, t).area_m2() > mlsa4, "4-level SAR is larger than the 4-level MLSA");
    }
    const Footprint fitted = sar64.layout(Fit::to_width(50e-6));
    check(near(fitted.width_m, 50e-6) && near(fitted.area_m2(), sar64.area_m2()), "width fit keeps the area");
    const Footprint tall = sar64.layout(Fit::to_height(20e-6));
    check(near(tall.height_m, 20e-6) && near(tall.area_m2(), sar64.area_m2()), "height fit keeps the area");
    check(near(sar64.layout(Fit::free_layout()).area_m2(), sar64.area_m2()), "free layout keeps the area");
    check(throws([&] { SarAdc({0, 64}, t); }), "no read-outs is rejected");
    check(throws([&] { SarAdc({16, 1}, t); }), "a single level is rejected");
    check(throws([&] { SarAdc({16, 64, 0}, t); }), "a zero step time is rejected");
}

void test_node_scaling() {
    for (DeviceRoadmap roadmap : {DeviceRoadmap::lstp, DeviceRoadmap::hp}) {
        const TechnologyNode t45 = tech(45, roadmap), t32 = tech(32, roadmap), t22 = tech(22, roadmap);
        const SarAdc a45({16, 64}, t45), a32({16, 64}, t32), a22({16, 64}, t22);
        check(a22.area_m2() < a32.area_m2() && a32.area_m2() < a45.area_m2(), "smaller node, smaller SAR area");
        check(near(a22.area_m2() / a32.area_m2(), (22.0 * 22.0) / (32.0 * 32.0)), "bulk SAR area scales with F^2");
        check(a22.conversion_energy_j(kColumnOhm) < a32.conversion_energy_j(kColumnOhm) &&
                  a32.conversion_energy_j(kColumnOhm) < a45.conversion_energy_j(kColumnOhm),
              "smaller node, less conversion energy");
    }
    const TechnologyNode t32 = tech(32);
    const TechnologyNode hp32 = tech(32, DeviceRoadmap::hp);
    check(SarAdc({16, 64}, t32).conversion_energy_j(kColumnOhm) !=
              SarAdc({16, 64}, hp32).conversion_energy_j(kColumnOhm),
          "the transistor flavour selects its own power fit");
    for (int node : {130, 90, 65, 14, 10, 7}) {
        check(SarAdc({16, 64}, tech(node)).conversion_energy_j(kColumnOhm) > 0,
              "every tabulated node has a power model (" + std::to_string(node) + " nm)");
    }
}

void test_hardware_key() {
    check(HardwareConfig{}.adc_type == AdcType::mlsa, "the multilevel sense amplifier is the default ADC");
    check(parse_hardware_text("adc_type = sar\n", "test").adc_type == AdcType::sar, "adc_type = sar is read");
    check(parse_hardware_text("adc_type = mlsa\n", "test").adc_type == AdcType::mlsa, "adc_type = mlsa is read");
    check(throws_naming([] { parse_hardware_text("adc_type = flash\n", "test"); }, "adc_type"),
          "a bad adc_type is rejected naming the key");
    bool listed = false;
    for (const auto& k : hardware_keys()) {
        if (k.key == "adc_type") listed = k.type == "choice" && k.default_value == "mlsa" && k.range == "mlsa|sar";
    }
    check(listed, "adc_type is listed as a choice mlsa|sar defaulting to mlsa");
}

void test_subarray_uses_sar() {
    const TechnologyNode t = tech();
    for (MemoryCell cell : {MemoryCell::fefet, MemoryCell::sram}) {
        HardwareConfig mlsa;
        mlsa.memory_cell = cell;
        HardwareConfig sar = mlsa;
        sar.adc_type = AdcType::sar;
        const SynapticSubArray a(DesignContext{mlsa, t}), b(DesignContext{sar, t});
        check(b.parts().adc_m2 < a.parts().adc_m2, "the 64-level SAR read-out takes less sub-array area");
        check(near(a.parts().cim_array_m2, b.parts().cim_array_m2) &&
                  near(a.parts().accumulation_m2, b.parts().accumulation_m2),
              "the ADC choice leaves the array and the accumulation alone");
        check(b.height_m() < a.height_m(), "a smaller read-out makes a shorter sub-array");
    }
}

std::string read_text(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

void test_estimator_end_to_end(const std::string& trace_dir, const std::string& hardware_file) {
    const bool real = is_trace_dir(trace_dir);
    // The synthetic network is small: it needs small sub-arrays.
    std::string base = real ? "" : kSmallArraysText;
    if (!hardware_file.empty()) base = read_text(hardware_file) + "\n";
    const Trace trace = real ? read_trace(trace_dir) : synthetic_trace(two_layer_network(), 4, 2, 17);
    const std::filesystem::path out = scratch_dir("neurosim_sar_adc_tests_");
    const double a_mlsa = estimate_figures(base + "adc_type = mlsa\n", trace, out / "mlsa").at("area_adc_m2");
    const double a_sar = estimate_figures(base + "adc_type = sar\n", trace, out / "sar").at("area_adc_m2");
    std::filesystem::remove_all(out);
    std::cout << "end-to-end on " << (real ? trace_dir : std::string("a synthetic trace"))
              << ": area_adc_m2 mlsa = " << a_mlsa << ", sar = " << a_sar << '\n';
    check(a_mlsa > 0 && a_sar > 0, "both estimator runs report an ADC area");
    check(a_sar < a_mlsa, "the estimator reports a smaller ADC area with the 64-level SAR");
}

}  // namespace

int main(int argc, char** argv) {
    const std::string trace_dir = argc > 1 ? argv[1] : "";
    const std::string hardware_file = argc > 2 ? argv[2] : "";
    return finish("all SAR ADC tests passed", [&] {
        test_latency_linear_in_bits();
        test_energy();
        test_area();
        test_node_scaling();
        test_hardware_key();
        test_subarray_uses_sar();
        test_estimator_end_to_end(trace_dir, hardware_file);
    });
}
