// Tests of the variation-point registries: a read-out converter defined and registered here, in test
// code alone, is chosen by name and carried through a whole estimate. Plain checks, no framework.
// Usage: neurosim_registry_tests [TRACE_DIR]   (a small synthetic trace without one)
#include <cmath>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "neurosim/array/readout_modes.hpp"
#include "neurosim/circuits/readout_adc.hpp"
#include "neurosim/circuits/sar_adc.hpp"
#include "neurosim/estimate.hpp"
#include "neurosim/training/leakage.hpp"
#include "neurosim/variants.hpp"
#include "test_support.hpp"

using namespace neurosim;
using namespace neurosim::test;

namespace {

constexpr double kHalfStepS = 0.5e-9;

// A SAR converter clocked twice as fast as the built-in one: each approximation step takes 0.5 ns.
class HalfStepSarAdc final : public ReadoutAdc {
public:
    std::vector<Footprint> layouts(const DesignContext& ctx, int readouts, int levels, const Fit& fit) const override {
        return {sar(ctx, readouts, levels).layout(fit)};
    }
    std::vector<Footprint> single_cell_layouts(const DesignContext& ctx, int readouts, int levels,
                                               const Fit& fit) const override {
        return layouts(ctx, readouts, levels, fit);
    }
    SensingCost parallel_sensing(const DesignContext& ctx, int levels, const ColumnSample& sample) const override {
        return sar_sensing_cost(sar(ctx, ctx.array_config.subarray_cols / ctx.array_config.columns_per_adc, levels),
                                sample);
    }
    SensingCost single_cell_sensing(const DesignContext& ctx, int readouts, int levels,
                                    const std::vector<float>& g) const override {
        return sar_sensing_cost(sar(ctx, readouts, levels), ColumnSample{g, {}});
    }
    double idle_leakage_w(int readouts, int levels, const TechnologyNode& t) const override {
        return flip_flop_leakage_w(std::log2(static_cast<double>(levels)) * readouts, t);
    }
    double gradient_conversion_s(const DesignContext& ctx, int readouts, int levels) const override {
        return sar(ctx, readouts, levels).conversion_latency_s();
    }
    double gradient_conversion_j(const DesignContext& ctx, int readouts, int levels, double column_ohm) const override {
        return sar(ctx, readouts, levels).conversion_energy_j(column_ohm);
    }

private:
    static SarAdc sar(const DesignContext& ctx, int readouts, int levels) {
        return SarAdc({readouts, levels, kHalfStepS}, ctx.tech);
    }
};

void register_half_step_sar() {
    readout_adc_registry().add("sar_half_step", "SAR converter with 0.5 ns approximation steps",
                               [] { return std::make_unique<HalfStepSarAdc>(); });
}

void test_registry_rules() {
    check(readout_adc_registry().contains("mlsa") && readout_adc_registry().contains("sar"),
          "the built-in converters are registered under the hardware file's names");
    check(throws([] { register_half_step_sar(); }), "a name is registered once only");
    bool named = false;
    try {
        readout_adc_registry().make("flash");
    } catch (const std::invalid_argument& e) {
        const std::string what = e.what();
        named = what.find("adc_type") != std::string::npos && what.find("flash") != std::string::npos &&
                what.find("sar_half_step") != std::string::npos;
    }
    check(named, "an unknown converter is refused naming the key, the value and the registered names");
    HardwareConfig hw;
    check(variant_names(hw).adc == "mlsa", "the default hardware names the multilevel sense amplifier");
    hw.adc_type = AdcType::sar;
    check(variant_names(hw).adc == "sar", "adc_type = sar names the SAR converter");
}

// Splits a choice range "a|b|c".
std::vector<std::string> choices(const std::string& range) {
    std::vector<std::string> out;
    std::string::size_type start = 0, bar;
    while ((bar = range.find('|', start)) != std::string::npos) {
        out.push_back(range.substr(start, bar - start));
        start = bar + 1;
    }
    out.push_back(range.substr(start));
    return out;
}

// Every value the hardware file accepts for a variation point is the name of a registered
// implementation, and the file's value is the name the estimate builds.
void test_hardware_values_are_registered_names() {
    struct Point {
        std::string key;
        std::function<bool(const std::string&)> registered;
        std::function<std::string(const VariantNames&)> chosen;
    };
    const std::vector<Point> points = {
        {"adc_type", [](const std::string& n) { return readout_adc_registry().contains(n); },
         [](const VariantNames& v) { return v.adc; }},
        {"memory_cell", [](const std::string& n) { return memory_cell_registry().contains(n); },
         [](const VariantNames& v) { return v.memory_cell; }},
        {"read_mode", [](const std::string& n) { return readout_scheme_registry().contains(n); },
         [](const VariantNames& v) { return v.read_mode; }},
        {"global_buffer_type", [](const std::string& n) { return buffer_kind_registry().contains(n); },
         [](const VariantNames& v) { return v.global_buffer; }},
        {"tile_buffer_type", [](const std::string& n) { return buffer_kind_registry().contains(n); },
         [](const VariantNames& v) { return v.tile_buffer; }},
    };
    for (const Point& point : points) {
        int values = 0;
        for (const HardwareKeyInfo& key : hardware_keys()) {
            if (key.key != point.key) continue;
            for (const std::string& value : choices(key.range)) {
                ++values;
                check(point.registered(value), point.key + " = " + value + " is a registered implementation");
                const HardwareConfig hw = parse_hardware_text(point.key + " = " + value + "\n", "test");
                check(point.chosen(variant_names(hw)) == value, point.key + " = " + value + " builds " + value);
            }
        }
        check(values >= 2, point.key + " offers at least two implementations");
    }
}

void test_sensing_through_registry() {
    const TechnologyNode t = tech();
    HardwareConfig hw;
    VariantNames names = variant_names(hw);
    names.adc = "sar_half_step";
    const DesignContext ctx{hw, t, 8, 5, 200, 1e6, make_variants(names)};
    ColumnSample sample;
    sample.conductance_s.assign(16, 1.0f / 240e3f);
    const SensingCost s = parallel_sensing_cost(ctx, 64, sample);
    check(near(s.time_s, 7 * kHalfStepS), "a 64-level conversion takes 6 bits + 1 steps of 0.5 ns");
    check(!s.thermometer_encoder, "the registered SAR delivers binary codes itself");
}

void test_estimate_with_registered_adc(const std::string& trace_dir) {
    const bool real = is_trace_dir(trace_dir);
    const HardwareConfig hw = parse_hardware_text(real ? "adc_type = sar\n" : kSmallArraysText + "adc_type = sar\n",
                                                  "test");
    const Trace trace = real ? read_trace(trace_dir) : synthetic_trace(two_layer_network(), 4, 2, 17);
    VariantNames half = variant_names(hw);
    half.adc = "sar_half_step";
    const std::filesystem::path out = scratch_dir("neurosim_registry_tests_");
    const Figures by_file = written_figures(estimate_chip(hw, trace, NEUROSIM_DATA_DIR), out / "file");
    const Figures sar = written_figures(estimate_chip(hw, trace, NEUROSIM_DATA_DIR, variant_names(hw)), out / "sar");
    const Figures fast = written_figures(estimate_chip(hw, trace, NEUROSIM_DATA_DIR, half), out / "half");
    std::filesystem::remove_all(out);
    check(by_file == sar, "choosing the hardware file's converter by name gives the file's estimate");
    check(fast.at("area_total_m2") == sar.at("area_total_m2") && fast.at("area_adc_m2") == sar.at("area_adc_m2"),
          "the faster SAR has the built-in SAR's layout");
    check(fast.at("leakage_power_w") == sar.at("leakage_power_w"), "and its leakage");
    check(fast.at("breakdown_latency_adc_s") < sar.at("breakdown_latency_adc_s"),
          "half-length steps shorten the ADC latency of the estimate");
    check(near(fast.at("breakdown_latency_adc_s"), sar.at("breakdown_latency_adc_s") / 2, 1e-6),
          "an eNVM read-out's ADC latency is its conversions alone: half-length steps halve it");
    check(fast.at("latency_fw_s") < sar.at("latency_fw_s"), "and the forward pass");
    check(fast.at("breakdown_energy_adc_j") < sar.at("breakdown_energy_adc_j"),
          "the converter's power acts for half the time: less ADC energy");
    check(fast.at("breakdown_latency_dram_s") == sar.at("breakdown_latency_dram_s"),
          "the converter leaves the DRAM traffic alone");
    std::cout << "breakdown_latency_adc_s: sar = " << sar.at("breakdown_latency_adc_s")
              << ", sar_half_step = " << fast.at("breakdown_latency_adc_s") << '\n';
}

}  // namespace

int main(int argc, char** argv) {
    const std::string trace_dir = argc > 1 ? argv[1] : "";
    register_half_step_sar();
    return finish("all registry tests passed", [&] {
        test_registry_rules();
        test_hardware_values_are_registered_names();
        test_sensing_through_registry();
        test_estimate_with_registered_adc(trace_dir);
    });
}
