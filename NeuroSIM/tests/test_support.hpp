// Helpers shared by the NeuroSIM test executables (tests/*.cpp): plain checks that count failures,
// tolerances, the technology tables, small synthetic traces and end-to-end estimator runs. Header-only;
// every test file is its own executable, so the failure counter is one per test program.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>

#include "neurosim/estimate.hpp"
#include "neurosim/hardware_config.hpp"
#include "neurosim/io/results.hpp"
#include "neurosim/io/trace.hpp"
#include "neurosim/technology/technology.hpp"

namespace neurosim::test {

// Number of failed checks so far in this test program.
inline int failures = 0;

// Records a failed check: counts it and prints `what`.
inline void check(bool ok, const std::string& what) {
    if (!ok) {
        ++failures;
        std::cerr << "FAIL: " << what << '\n';
    }
}

// True when a and b agree to a relative tolerance `rel` of the larger magnitude.
inline bool near(double a, double b, double rel = 1e-9) {
    return std::abs(a - b) <= rel * std::max(std::abs(a), std::abs(b));
}

// True when f throws an Exception whose message contains `needle` (any message when it is empty).
template <typename Exception = std::runtime_error>
bool throws_naming(const std::function<void()>& f, const std::string& needle = "") {
    try {
        f();
    } catch (const Exception& e) {
        return std::string(e.what()).find(needle) != std::string::npos;
    }
    return false;
}

// True when f throws any std::exception.
inline bool throws(const std::function<void()>& f) {
    return throws_naming<std::exception>(f);
}

// The shipped technology tables of a node (32 nm LSTP at 300 K by default).
inline TechnologyNode tech(int node = 32, DeviceRoadmap roadmap = DeviceRoadmap::lstp,
                           double temperature_k = kLayoutTemperatureK) {
    return load_technology(NEUROSIM_DATA_DIR, node, roadmap, temperature_k);
}

// Runs the test functions in `tests` (an exception counts as a failure), prints the outcome and returns
// the exit status: `passed` when every check held, else "N <noun> failed".
inline int finish(const std::string& passed, const std::function<void()>& tests = {},
                  const std::string& noun = "check(s)") {
    try {
        if (tests) tests();
    } catch (const std::exception& e) {
        std::cerr << "FAIL: unexpected error: " << e.what() << '\n';
        ++failures;
    }
    if (failures) {
        std::cerr << failures << ' ' << noun << " failed\n";
        return 1;
    }
    std::cout << passed << '\n';
    return 0;
}

// ---------------------------------------------------------------- networks and synthetic traces

// An h x h x c input map convolved by k x k kernels into o channels (pool: 2x2 max pooling after).
inline LayerShape layer_shape(int h, int c, int k, int o, bool pool = false) {
    LayerShape l;
    l.ifm_h = l.ifm_w = h;
    l.ifm_c = c;
    l.k_h = l.k_w = k;
    l.ofm_c = o;
    l.pool = pool;
    return l;
}

// A convolution and a classifier; fits 32x32 sub-arrays.
inline Network two_layer_network() {
    return {layer_shape(8, 32, 3, 64), layer_shape(1, 1024, 1, 10)};
}

// Two convolutions (the second pooled) and a classifier; fits 32x32 sub-arrays.
inline Network three_layer_network() {
    return {layer_shape(8, 32, 3, 64), layer_shape(8, 64, 3, 64, true), layer_shape(1, 1024, 1, 10)};
}

// A trace of `network` with 5-bit weights and 8-bit inputs: one sample of `input_code` in every input,
// every weight code 3, and the first `changed` weights of each layer at code 2 before the update.
inline Trace synthetic_trace(const Network& network, int batch, int iterations, std::int16_t input_code,
                             std::size_t changed = 0) {
    Trace t;
    t.weight_bits = 5;
    t.input_bits = 8;
    t.batch_size = batch;
    t.iterations = iterations;
    t.network = network;
    for (const LayerShape& l : network) {
        TraceLayer layer;
        const std::size_t rows = static_cast<std::size_t>(l.weight_rows());
        const std::size_t cols = static_cast<std::size_t>(l.ofm_c);
        layer.weight.shape = {rows, cols};
        layer.weight.values.assign(rows * cols, 3);
        layer.weight_old = layer.weight;
        for (std::size_t i = 0; i < changed && i < layer.weight_old.values.size(); ++i) layer.weight_old.values[i] = 2;
        const std::size_t patches = static_cast<std::size_t>(l.ifm_h) * l.ifm_h;
        layer.input.shape = {1, patches, rows};
        layer.input.values.assign(patches * rows, input_code);
        t.layers.push_back(layer);
    }
    return t;
}

// ---------------------------------------------------------------- end-to-end estimator runs

// Hardware text of 32x32 synaptic and weight-gradient sub-arrays (the synthetic networks are small).
inline const std::string kSmallArraysText =
    "subarray_rows = 32\nsubarray_cols = 32\nwg_subarray_rows = 32\nwg_subarray_cols = 32\n";

// The default hardware with 32x32 synaptic and weight-gradient sub-arrays.
inline HardwareConfig small_arrays() {
    return parse_hardware_text(kSmallArraysText, "small arrays");
}

// True when `dir` names an existing trace directory to run on instead of a synthetic trace.
inline bool is_trace_dir(const std::string& dir) {
    return !dir.empty() && std::filesystem::is_directory(dir);
}

// A fresh path in the temporary directory, named `prefix` plus a time stamp (not created).
inline std::filesystem::path scratch_dir(const std::string& prefix) {
    const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
    return std::filesystem::temp_directory_path() / (prefix + std::to_string(stamp));
}

// The figures of one neurosim.csv, by column name.
using Figures = std::map<std::string, double>;

// Writes neurosim.csv of `run` under `out` as the command line does and returns the figures read back.
inline Figures written_figures(const Estimate& run, const std::filesystem::path& out) {
    std::filesystem::create_directories(out);
    const std::string csv = (out / "neurosim.csv").string();
    write_chip_csv(run.area, run.performance, run.reference_quirks, csv);
    std::ifstream in(csv);
    std::string header, values, name, number;
    std::getline(in, header);
    std::getline(in, values);
    std::istringstream names(header), numbers(values);
    Figures f;
    while (std::getline(names, name, ',') && std::getline(numbers, number, ',')) {
        if (name != "reference_quirks") f[name] = std::stod(number);  // the one text column
    }
    return f;
}

// Runs the estimator on the hardware text as the command line does and returns its figures.
inline Figures estimate_figures(const std::string& hardware_text, const Trace& trace,
                                const std::filesystem::path& out) {
    const HardwareConfig hw = parse_hardware_text(hardware_text, "test");
    return written_figures(estimate_chip(hw, trace, NEUROSIM_DATA_DIR), out);
}

}  // namespace neurosim::test
