// Everything a circuit block needs to size itself: hardware parameters, technology, data widths.
#pragma once

#include <memory>

#include "neurosim/hardware_config.hpp"
#include "neurosim/quirks.hpp"
#include "neurosim/technology/technology.hpp"

namespace neurosim {

// The two read directions of the arrays: forward (rows driven, columns read) and transposed (the
// activation gradient: columns driven, rows read).
enum class ReadDirection { forward, transposed };

struct Variants;  // the implementations of the variation points (variants.hpp)
class ReadoutAdc;
class MemoryCellKind;
class ReadoutScheme;
class BufferKind;

struct DesignContext {
    // `variants` null: the implementations named by `hw` (variant_names in variants.hpp).
    DesignContext(const HardwareConfig& hw, const TechnologyNode& tech, int input_bits = 8, int weight_bits = 5,
                  int batch_size = 200, double wire_resistance_ohm_per_m = 0,
                  std::shared_ptr<const Variants> variants = nullptr);
    // `base` with another array organisation (e.g. one row, for a single cell's read).
    DesignContext(const DesignContext& base, const ArrayConfig& array);

    // The hardware file's parameter groups (NEUROSIM_GROUP in hardware_keys.def): a block reads
    // the groups it needs, never the whole file.
    const TechnologyConfig& technology_config;
    const CellConfig& cell_config;
    const ArrayConfig& array_config;
    const BufferConfig& buffer_config;
    const InterconnectConfig& interconnect_config;
    const ChipConfig& chip_config;
    const TrainingConfig& training_config;
    const ReferenceConfig& reference_config;
    const TechnologyNode& tech;
    int input_bits = 8;   // activation precision (input cycles per read)
    int weight_bits = 5;  // synapse precision
    int batch_size = 200;
    double wire_resistance_ohm_per_m = 0;  // array and bus wires of wire_width_nm
    std::shared_ptr<const Variants> variants;

    int cell_bits() const { return stored_cell_bits(cell_config); }
    const ReadoutAdc& adc() const;
    const MemoryCellKind& cell() const;
    const ReadoutScheme& readout() const;
    const BufferKind& global_buffer() const;
    const BufferKind& tile_buffer() const;
    // Whether this estimate counts `q` the calibration reference's way (quirks.hpp).
    bool quirk(Quirk q) const;
    int cols_per_synapse() const { return (weight_bits + cell_bits() - 1) / cell_bits(); }
};

// Area split as the calibration reports it.
struct AreaParts {
    double total_m2 = 0;
    double cim_array_m2 = 0;
    double routing_m2 = 0;
    double adc_m2 = 0;
    double accumulation_m2 = 0;
    double other_m2 = 0;
    double weight_gradient_m2 = 0;

    AreaParts& operator+=(const AreaParts& o);
    AreaParts scaled(double k) const;
};

}  // namespace neurosim
