// One estimator run: the floorplan, area and performance of a trace on one hardware configuration.
#pragma once

#include <string>

#include "neurosim/chip/chip.hpp"
#include "neurosim/chip/floorplan.hpp"
#include "neurosim/hardware_config.hpp"
#include "neurosim/io/trace.hpp"
#include "neurosim/training/performance.hpp"
#include "neurosim/variants.hpp"

namespace neurosim {

struct Estimate {
    Floorplan plan;
    ChipArea area;
    ChipPerformance performance;
    std::string reference_quirks = "none";  // the quirks counted the reference's way (QuirkSet::describe)
};

// The floorplan parameters of `hw` for weights of `weight_bits` bits (the trace's precision).
FloorplanParams floorplan_params(const HardwareConfig& hw, int weight_bits);

// Lays the chip out at kLayoutTemperatureK and runs it at hw.temperature_k: the operating temperature
// changes transistor currents and wire resistance (delays, leakage), not the area. Tables come from
// data_dir; throws on a missing table entry or a temperature outside the tables.
Estimate estimate_chip(const HardwareConfig& hw, const Trace& trace, const std::string& data_dir);
// The same with the implementations of the variation points chosen by name (registered names; the
// hardware file's choices are variant_names(hw)).
Estimate estimate_chip(const HardwareConfig& hw, const Trace& trace, const std::string& data_dir,
                       const VariantNames& variants);

}  // namespace neurosim
