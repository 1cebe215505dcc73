#include "neurosim/variants.hpp"

namespace neurosim {

VariantNames variant_names(const HardwareConfig& hw) {
    VariantNames n;
    n.adc = hw.adc_type == AdcType::sar ? "sar" : "mlsa";
    auto buffer = [](BufferType type) { return type == BufferType::sram ? "sram" : "register_file"; };
    n.global_buffer = buffer(hw.global_buffer_type);
    n.tile_buffer = buffer(hw.tile_buffer_type);
    n.read_mode = hw.read_mode == ReadMode::sequential ? "sequential" : "parallel";
    n.reference_quirks = hw.reference_quirks;
    switch (hw.memory_cell) {
        case MemoryCell::sram: n.memory_cell = "sram"; break;
        case MemoryCell::rram: n.memory_cell = "rram"; break;
        case MemoryCell::fefet: n.memory_cell = "fefet"; break;
    }
    return n;
}

std::shared_ptr<const Variants> make_variants(const VariantNames& names) {
    auto v = std::make_shared<Variants>();
    v->adc = readout_adc_registry().make(names.adc);
    v->cell = memory_cell_registry().make(names.memory_cell);
    v->readout = readout_scheme_registry().make(names.read_mode);
    v->global_buffer = buffer_kind_registry().make(names.global_buffer);
    v->tile_buffer = buffer_kind_registry().make(names.tile_buffer);
    try {
        v->quirks = QuirkSet::parse(names.reference_quirks);
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument("reference_quirks = " + names.reference_quirks + ": " + e.what());
    }
    return v;
}

DesignContext::DesignContext(const HardwareConfig& hw_, const TechnologyNode& tech_, int input_bits_, int weight_bits_,
                             int batch_size_, double wire_resistance_ohm_per_m_,
                             std::shared_ptr<const Variants> variants_)
    : technology_config(hw_),
      cell_config(hw_),
      array_config(hw_),
      buffer_config(hw_),
      interconnect_config(hw_),
      chip_config(hw_),
      training_config(hw_),
      reference_config(hw_),
      tech(tech_),
      input_bits(input_bits_),
      weight_bits(weight_bits_),
      batch_size(batch_size_),
      wire_resistance_ohm_per_m(wire_resistance_ohm_per_m_),
      variants(variants_ ? std::move(variants_) : make_variants(variant_names(hw_))) {}

DesignContext::DesignContext(const DesignContext& base, const ArrayConfig& array)
    : technology_config(base.technology_config),
      cell_config(base.cell_config),
      array_config(array),
      buffer_config(base.buffer_config),
      interconnect_config(base.interconnect_config),
      chip_config(base.chip_config),
      training_config(base.training_config),
      reference_config(base.reference_config),
      tech(base.tech),
      input_bits(base.input_bits),
      weight_bits(base.weight_bits),
      batch_size(base.batch_size),
      wire_resistance_ohm_per_m(base.wire_resistance_ohm_per_m),
      variants(base.variants) {}

const ReadoutAdc& DesignContext::adc() const {
    return *variants->adc;
}

const MemoryCellKind& DesignContext::cell() const {
    return *variants->cell;
}

const ReadoutScheme& DesignContext::readout() const {
    return *variants->readout;
}

const BufferKind& DesignContext::global_buffer() const {
    return *variants->global_buffer;
}

bool DesignContext::quirk(Quirk q) const {
    return variants->quirks.has(q);
}

const BufferKind& DesignContext::tile_buffer() const {
    return *variants->tile_buffer;
}

}  // namespace neurosim
