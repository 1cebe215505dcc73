// Result files of one estimator run; each is written to a temporary name and renamed when complete.
#pragma once

#include <string>

#include "neurosim/chip/chip.hpp"
#include "neurosim/chip/floorplan.hpp"
#include "neurosim/training/performance.hpp"

namespace neurosim {

void write_floorplan_json(const Floorplan& plan, const std::string& path);
// The last column, reference_quirks, names the quirks the estimate counted the reference's way.
void write_chip_csv(const ChipArea& area, const ChipPerformance& perf, const std::string& reference_quirks,
                    const std::string& path);
void write_layers_csv(const Floorplan& plan, const ChipArea& area, const ChipPerformance& perf,
                      const std::string& path);

}  // namespace neurosim
