// The sub-array read-out organisation, a variation point (hardware key `read_mode`): which read
// directions sense one driven line at a time, and the periphery the sub-array is laid out with.
// Built-in implementations: "parallel" (all rows at once through column ADCs; with parallel_backprop =
// false the transposed read alone goes line by line) and "sequential" (both directions line by line,
// readout_modes.hpp). Register a new one with readout_scheme_registry().add(name, description, factory).
#pragma once

#include "neurosim/design.hpp"
#include "neurosim/registry.hpp"

namespace neurosim {

// A sub-array's bounding box and the areas of its parts.
struct SubArrayLayout {
    double height_m = 0, width_m = 0;
    AreaParts parts;
};

class ReadoutScheme {
public:
    virtual ~ReadoutScheme() = default;
    // Whether reads in `direction` sense one driven line at a time.
    virtual bool reads_sequentially(const TrainingConfig& training, ReadDirection direction) const = 0;
    // The sub-array with the periphery this organisation needs, both read directions included.
    virtual SubArrayLayout layout(const DesignContext& ctx) const = 0;
};

// The organisations the estimator knows, by the name the hardware file gives (`read_mode`).
Registry<ReadoutScheme>& readout_scheme_registry();

}  // namespace neurosim
