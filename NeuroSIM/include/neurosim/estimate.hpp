// One estimator run: the floorplan, area and performance of a trace on one hardware configuration.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "neurosim/chip.hpp"
#include "neurosim/floorplan.hpp"
#include "neurosim/hardware_config.hpp"
#include "neurosim/performance.hpp"
#include "neurosim/trace.hpp"

namespace neurosim {

struct Estimate {
    Floorplan plan;
    ChipArea area;
    ChipPerformance performance;
};

// Receives every layer's figures as linear costs before they are evaluated, so a calibration dump is
// written even when a coefficient is still missing.
using CostsSink = std::function<void(const std::vector<LayerCosts>&)>;

// Lays the chip out at kLayoutTemperatureK and runs it at hw.temperature_k: the operating temperature
// changes transistor currents and wire resistance (delays, leakage), not the area. Tables come from
// data_dir; throws on a missing table entry or a temperature outside the tables.
Estimate estimate_chip(const HardwareConfig& hw, const Trace& trace, const std::string& data_dir,
                       const CostsSink& costs_sink = {});

}  // namespace neurosim
