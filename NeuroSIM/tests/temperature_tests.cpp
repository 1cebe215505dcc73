// Tests of the operating temperature: the transistor-current table, its interpolation and range, and what
// temperature does to the estimate (leakage rises, the layout stays). Plain checks, no framework.
#include <cmath>
#include <fstream>
#include <iostream>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "neurosim/estimate.hpp"
#include "neurosim/hardware_config.hpp"
#include "neurosim/technology/technology.hpp"
#include "test_support.hpp"

using namespace neurosim;
using namespace neurosim::test;

namespace {

const std::vector<int> kNodes = {130, 90, 65, 45, 32, 22, 14, 10, 7};
const std::vector<DeviceRoadmap> kRoadmaps = {DeviceRoadmap::hp, DeviceRoadmap::lstp};

std::string label(int node, DeviceRoadmap roadmap) {
    return std::to_string(node) + " nm " + (roadmap == DeviceRoadmap::hp ? "hp" : "lstp");
}

TransistorCurrents currents(int node, DeviceRoadmap roadmap, double temperature_k) {
    return load_transistor_currents(NEUROSIM_DATA_DIR, node, roadmap, temperature_k);
}

// The 300 K currents of transistors.csv, read here independently of the estimator's loader.
struct RoomTemperatureRow {
    int node = 0;
    std::string roadmap;
    TransistorCurrents c;
};

std::vector<RoomTemperatureRow> read_transistors_csv() {
    std::ifstream in(std::string(NEUROSIM_DATA_DIR) + "/technology/transistors.csv");
    std::vector<RoomTemperatureRow> rows;
    std::vector<std::string> header;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::vector<std::string> cells;
        std::istringstream stream(line);
        std::string cell;
        while (std::getline(stream, cell, ',')) cells.push_back(cell);
        if (header.empty()) {
            header = cells;
            continue;
        }
        auto at = [&](const std::string& key) {
            for (std::size_t i = 0; i < header.size(); ++i)
                if (header[i] == key) return cells.at(i);
            throw std::runtime_error("transistors.csv lacks " + key);
        };
        RoomTemperatureRow r;
        r.node = std::stoi(at("node_nm"));
        r.roadmap = at("roadmap");
        r.c = {std::stod(at("i_on_n")), std::stod(at("i_on_p")), std::stod(at("i_off_n")), std::stod(at("i_off_p"))};
        rows.push_back(r);
    }
    return rows;
}

void test_300k_agrees_with_transistors_csv() {
    const auto rows = read_transistors_csv();
    check(rows.size() == kNodes.size() * kRoadmaps.size(), "transistors.csv has every node and roadmap");
    for (const auto& r : rows) {
        const DeviceRoadmap roadmap = r.roadmap == "hp" ? DeviceRoadmap::hp : DeviceRoadmap::lstp;
        const TransistorCurrents c = currents(r.node, roadmap, 300);
        check(c.i_on_n_a_per_m == r.c.i_on_n_a_per_m && c.i_on_p_a_per_m == r.c.i_on_p_a_per_m &&
                  c.i_off_n_a_per_m == r.c.i_off_n_a_per_m && c.i_off_p_a_per_m == r.c.i_off_p_a_per_m,
              "300 K currents equal transistors.csv at " + label(r.node, roadmap));
        const TechnologyNode t = load_technology(NEUROSIM_DATA_DIR, r.node, roadmap);
        check(t.temperature_k == 300 && t.i_off_n_a_per_m == r.c.i_off_n_a_per_m,
              "load_technology defaults to 300 K at " + label(r.node, roadmap));
    }
}

void test_currents_follow_temperature() {
    for (int node : kNodes) {
        for (DeviceRoadmap roadmap : kRoadmaps) {
            const auto range = tabulated_temperature_range_k(NEUROSIM_DATA_DIR, node, roadmap);
            check(range.first == 300 && range.second == 400, "300-400 K tabulated at " + label(node, roadmap));
            bool off_rises = true, on_falls = true;
            TransistorCurrents previous = currents(node, roadmap, 300);
            for (int k = 310; k <= 400; k += 10) {
                const TransistorCurrents c = currents(node, roadmap, k);
                // Sub-threshold leakage grows as carriers gain thermal energy.
                off_rises = off_rises && c.i_off_n_a_per_m > previous.i_off_n_a_per_m &&
                            c.i_off_p_a_per_m > previous.i_off_p_a_per_m;
                // Phonon scattering lowers mobility faster than the threshold voltage drops.
                on_falls = on_falls && c.i_on_n_a_per_m < previous.i_on_n_a_per_m &&
                           c.i_on_p_a_per_m < previous.i_on_p_a_per_m;
                previous = c;
            }
            check(off_rises, "off-current rises with temperature at " + label(node, roadmap));
            check(on_falls, "on-current falls with temperature at " + label(node, roadmap));
            const TransistorCurrents cold = currents(node, roadmap, 300), hot = currents(node, roadmap, 400);
            check(hot.i_off_n_a_per_m > 2 * cold.i_off_n_a_per_m,
                  "100 K more at least doubles the NMOS leakage at " + label(node, roadmap));
        }
    }
}

bool between(double x, double a, double b) {
    return x > std::min(a, b) && x < std::max(a, b);
}

void test_interpolation() {
    for (int node : {130, 32, 22, 7}) {
        for (DeviceRoadmap roadmap : kRoadmaps) {
            const TransistorCurrents lo = currents(node, roadmap, 340), hi = currents(node, roadmap, 350);
            const TransistorCurrents mid = currents(node, roadmap, 345);
            const std::string where = " at 345 K, " + label(node, roadmap);
            check(between(mid.i_on_n_a_per_m, lo.i_on_n_a_per_m, hi.i_on_n_a_per_m) &&
                      between(mid.i_on_p_a_per_m, lo.i_on_p_a_per_m, hi.i_on_p_a_per_m) &&
                      between(mid.i_off_n_a_per_m, lo.i_off_n_a_per_m, hi.i_off_n_a_per_m) &&
                      between(mid.i_off_p_a_per_m, lo.i_off_p_a_per_m, hi.i_off_p_a_per_m),
                  "currents lie between their neighbours" + where);
            const double tol = 1e-12;
            check(std::abs(mid.i_on_n_a_per_m - (lo.i_on_n_a_per_m + hi.i_on_n_a_per_m) / 2) <
                      tol * lo.i_on_n_a_per_m,
                  "on-current interpolates linearly" + where);
            // Exponential in temperature: the mid-point is the geometric mean, below the arithmetic one.
            check(std::abs(mid.i_off_n_a_per_m - std::sqrt(lo.i_off_n_a_per_m * hi.i_off_n_a_per_m)) <
                      tol * lo.i_off_n_a_per_m,
                  "off-current interpolates log-linearly" + where);
            check(mid.i_off_p_a_per_m < (lo.i_off_p_a_per_m + hi.i_off_p_a_per_m) / 2,
                  "interpolated leakage stays below the chord" + where);
        }
    }
    // A quarter of the way: a * (b/a)^0.25.
    const TransistorCurrents a = currents(32, DeviceRoadmap::lstp, 350), b = currents(32, DeviceRoadmap::lstp, 360);
    const TransistorCurrents q = currents(32, DeviceRoadmap::lstp, 352.5);
    check(std::abs(q.i_off_p_a_per_m / (a.i_off_p_a_per_m * std::pow(b.i_off_p_a_per_m / a.i_off_p_a_per_m, 0.25)) -
                   1) < 1e-12,
          "off-current at a quarter step");
    check(std::abs(q.i_on_p_a_per_m - (0.75 * a.i_on_p_a_per_m + 0.25 * b.i_on_p_a_per_m)) < 1e-9,
          "on-current at a quarter step");
}

void test_outside_the_table() {
    for (double k : {401.0, 299.0, 1000.0, std::numeric_limits<double>::quiet_NaN()}) {
        const std::string what = std::to_string(k) + " K";
        check(throws_naming([&] { currents(32, DeviceRoadmap::lstp, k); }, "temperature_k"),
              "currents at " + what + " throw naming temperature_k");
        check(throws_naming([&] { load_technology(NEUROSIM_DATA_DIR, 32, DeviceRoadmap::lstp, k); }, "temperature_k"),
              "technology at " + what + " throws naming temperature_k");
    }
    check(throws_naming([] { currents(22, DeviceRoadmap::hp, 401); }, "[300, 400]"), "the message gives the range");
    check(throws_naming([] { currents(22, DeviceRoadmap::hp, 401); }, "401"), "the message gives the value");
    check(throws_naming([] { parse_hardware_text("temperature_k = 401\n", "f"); }, "temperature_k"),
          "hardware file rejects 401 K naming the key");
    check(parse_hardware_text("temperature_k = 350\n", "f").temperature_k == 350, "hardware file accepts 350 K");
    bool declared = false;
    for (const auto& key : hardware_keys()) {
        if (key.key == "temperature_k") declared = key.range == "[300, 400]" && key.default_value == "300";
    }
    check(declared, "the hardware key declares the tabulated range");
}

bool same_area(const ChipArea& a, const ChipArea& b) {
    const AreaParts& x = a.chip;
    const AreaParts& y = b.chip;
    return x.total_m2 == y.total_m2 && x.cim_array_m2 == y.cim_array_m2 && x.routing_m2 == y.routing_m2 &&
           x.adc_m2 == y.adc_m2 && x.accumulation_m2 == y.accumulation_m2 && x.other_m2 == y.other_m2 &&
           x.weight_gradient_m2 == y.weight_gradient_m2;
}

void test_estimate_across_temperature() {
    const Trace trace = synthetic_trace(two_layer_network(), 10, 5, 17, 50);
    for (const char* cell : {"fefet", "rram", "sram"}) {
        HardwareConfig hw = parse_hardware_text(std::string("memory_cell = ") + cell + "\n" + kSmallArraysText, "test");
        const Estimate cold = estimate_chip(hw, trace, NEUROSIM_DATA_DIR);
        hw.temperature_k = 350;
        const Estimate warm = estimate_chip(hw, trace, NEUROSIM_DATA_DIR);
        hw.temperature_k = 400;
        const Estimate hot = estimate_chip(hw, trace, NEUROSIM_DATA_DIR);
        const std::string where = std::string(" (") + cell + ")";
        check(same_area(cold.area, warm.area) && same_area(cold.area, hot.area),
              "the layout does not change with the operating temperature" + where);
        check(warm.performance.leakage_power_w > cold.performance.leakage_power_w &&
                  hot.performance.leakage_power_w > warm.performance.leakage_power_w,
              "leakage power rises with temperature" + where);
        check(warm.performance.leakage_energy_j > cold.performance.leakage_energy_j,
              "leakage energy rises with temperature" + where);
    }
}

}  // namespace

int main() {
    test_300k_agrees_with_transistors_csv();
    test_currents_follow_temperature();
    test_interpolation();
    test_outside_the_table();
    test_estimate_across_temperature();
    return finish("all temperature tests passed");
}
