// The read-out converter, a variation point (hardware key `adc_type`): what the sub-array's read-out
// edges, its sensing and the weight-gradient unit ask of the converter that turns a column into a code.
// Built-in implementations: "mlsa", the multilevel sense amplifier (levels - 1 comparators and a
// thermometer-to-binary encoder, readout.hpp), and "sar", the successive-approximation converter
// (sar_adc.hpp). Register a new one with readout_adc_registry().add(name, description, factory).
#pragma once

#include <vector>

#include "neurosim/array/readout.hpp"
#include "neurosim/circuits/circuits.hpp"
#include "neurosim/registry.hpp"

namespace neurosim {

class ReadoutAdc {
public:
    virtual ~ReadoutAdc() = default;

    // Blocks of `readouts` converters of `levels` levels laid out along `fit`: the converters and
    // whatever turns their output into a binary code.
    virtual std::vector<Footprint> layouts(const DesignContext& ctx, int readouts, int levels,
                                           const Fit& fit) const = 0;
    // The same for converters that sense one cell at a time (the sequential read-out), `levels` being
    // the cell's levels.
    virtual std::vector<Footprint> single_cell_layouts(const DesignContext& ctx, int readouts, int levels,
                                                       const Fit& fit) const = 0;

    // Mean cost of converting a column in a parallel read of `levels` levels, over a sample of reads.
    virtual SensingCost parallel_sensing(const DesignContext& ctx, int levels, const ColumnSample& sample) const = 0;
    // Cost of converting one cell of `levels` levels: the slowest level, the mean energy over the levels
    // of conductance `level_conductance_s`; `readouts` converters work side by side.
    virtual SensingCost single_cell_sensing(const DesignContext& ctx, int readouts, int levels,
                                            const std::vector<float>& level_conductance_s) const = 0;

    // Static power of `readouts` converters at rest (comparators sit behind an enable switch and do not
    // leak; what holds state or encodes does).
    virtual double idle_leakage_w(int readouts, int levels, const TechnologyNode& t) const = 0;

    // Weight-gradient unit (an SRAM array read column by column, training_circuits.hpp): the time of
    // one conversion and its energy at a column of resistance `column_ohm`.
    virtual double gradient_conversion_s(const DesignContext& ctx, int readouts, int levels) const = 0;
    virtual double gradient_conversion_j(const DesignContext& ctx, int readouts, int levels,
                                         double column_ohm) const = 0;
};

// The converters the estimator knows, by the name the hardware file gives (`adc_type`).
Registry<ReadoutAdc>& readout_adc_registry();

}  // namespace neurosim
