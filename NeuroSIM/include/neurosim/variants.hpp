// The variation points of the design and the implementation chosen for each, by name, once per
// estimate. The names are the values the hardware file gives the keys.
#pragma once

#include <memory>
#include <string>

#include "neurosim/array/memory_cell_kind.hpp"
#include "neurosim/array/readout_scheme.hpp"
#include "neurosim/circuits/buffer_kind.hpp"
#include "neurosim/circuits/readout_adc.hpp"
#include "neurosim/hardware_config.hpp"
#include "neurosim/quirks.hpp"

namespace neurosim {

struct VariantNames {
    std::string adc;          // adc_type: readout_adc_registry()
    std::string memory_cell;  // memory_cell: memory_cell_registry()
    std::string read_mode;    // read_mode: readout_scheme_registry()
    std::string global_buffer;  // global_buffer_type: buffer_kind_registry()
    std::string tile_buffer;    // tile_buffer_type: buffer_kind_registry()
    std::string reference_quirks = "none";  // reference_quirks: quirk_registry()
};

// The one place where the hardware file's values become implementation names.
VariantNames variant_names(const HardwareConfig& hw);

struct Variants {
    std::shared_ptr<const ReadoutAdc> adc;
    std::shared_ptr<const MemoryCellKind> cell;
    std::shared_ptr<const ReadoutScheme> readout;
    std::shared_ptr<const BufferKind> global_buffer, tile_buffer;
    QuirkSet quirks;  // the reference's behaviours this estimate counts its way
};

// Builds each implementation by name; throws std::invalid_argument naming the key, the value and the
// registered names when a name is not registered.
std::shared_ptr<const Variants> make_variants(const VariantNames& names);

}  // namespace neurosim
