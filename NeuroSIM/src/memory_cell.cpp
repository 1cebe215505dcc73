#include "neurosim/memory_cell.hpp"

#include <algorithm>

#include "neurosim/gate.hpp"

namespace neurosim {

AreaParts& AreaParts::operator+=(const AreaParts& o) {
    total_m2 += o.total_m2;
    cim_array_m2 += o.cim_array_m2;
    routing_m2 += o.routing_m2;
    adc_m2 += o.adc_m2;
    accumulation_m2 += o.accumulation_m2;
    other_m2 += o.other_m2;
    weight_gradient_m2 += o.weight_gradient_m2;
    return *this;
}

AreaParts AreaParts::scaled(double k) const {
    AreaParts a = *this;
    a.total_m2 *= k;
    a.cim_array_m2 *= k;
    a.routing_m2 *= k;
    a.adc_m2 *= k;
    a.accumulation_m2 *= k;
    a.other_m2 *= k;
    a.weight_gradient_m2 *= k;
    return a;
}

MemoryCellModel::MemoryCellModel(const DesignContext& ctx) {
    const HardwareConfig& hw = ctx.hw;
    const TechnologyNode& t = ctx.tech;
    const double f = t.f();
    // Relaxing stretches a cell to the pitch of the periphery that connects to it.
    const double min_height_f = t.rules.max_transistor_height_f;
    const double min_width_f = (t.rules.gap_gate_poly_f + t.rules.poly_width_f) * 2;
    if (hw.memory_cell == MemoryCell::sram) {
        height_m_ = (hw.relax_cell_height ? std::max(hw.sram_cell_height_f, min_height_f) : hw.sram_cell_height_f) * f;
        width_m_ = (hw.relax_cell_width ? std::max(hw.sram_cell_width_f, min_width_f) : hw.sram_cell_width_f) * f;
        sram_access_resistance_ohm_ = neurosim::on_resistance_ohm(hw.sram_access_width_f * f, true, t);
        return;
    }
    if (hw.access_type == AccessType::cmos) {
        height_m_ = (hw.relax_cell_height ? std::max(hw.cell_1t1r_height_f, min_height_f) : hw.cell_1t1r_height_f) * f;
        // Two pass gates per column in the drivers set the relaxed width.
        width_m_ = (hw.relax_cell_width ? std::max(hw.cell_1t1r_width_f, min_width_f * 2) : hw.cell_1t1r_width_f) * f;
        // The access transistor is sized to drop at most a quarter of the on-resistance (IR-drop budget).
        on_resistance_ohm_ = hw.resistance_on_ohm * 1.25;
    } else {
        // Crossbar cells are drawn in the device's own feature size, above the CMOS periphery.
        const double cell_f = hw.feature_size_nm * 1e-9;
        height_m_ = hw.relax_cell_height ? std::max(hw.crossbar_cell_height_f * cell_f, min_height_f * f)
                                         : hw.crossbar_cell_height_f * cell_f;
        width_m_ = hw.relax_cell_width ? std::max(hw.crossbar_cell_width_f * cell_f, min_width_f * 2 * f)
                                       : hw.crossbar_cell_width_f * cell_f;
        on_resistance_ohm_ = hw.resistance_on_ohm;
    }
}

}  // namespace neurosim
