#include "neurosim/array/memory_cell.hpp"

#include "neurosim/array/memory_cell_kind.hpp"

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
    const CellGeometry g = ctx.cell().geometry(ctx);
    height_m_ = g.height_m;
    width_m_ = g.width_m;
    on_resistance_ohm_ = g.on_resistance_ohm;
    sram_access_resistance_ohm_ = g.sram_access_resistance_ohm;
}

}  // namespace neurosim
