#include "neurosim/estimate.hpp"

#include "neurosim/design.hpp"
#include "neurosim/technology/technology.hpp"

namespace neurosim {

FloorplanParams floorplan_params(const HardwareConfig& hw, int weight_bits) {
    FloorplanParams fp;
    fp.weight_bits = weight_bits;
    fp.cell_bits = hw.effective_cell_bits();
    fp.subarray_rows = hw.subarray_rows;
    fp.subarray_cols = hw.subarray_cols;
    fp.mapping = hw.mapping;
    fp.pipeline = hw.pipeline;
    fp.speedup_degree = hw.speedup_degree;
    return fp;
}

Estimate estimate_chip(const HardwareConfig& hw, const Trace& trace, const std::string& data_dir) {
    return estimate_chip(hw, trace, data_dir, variant_names(hw));
}

Estimate estimate_chip(const HardwareConfig& hw, const Trace& trace, const std::string& data_dir,
                       const VariantNames& variant_choice) {
    const std::shared_ptr<const Variants> variants = make_variants(variant_choice);
    // Quirk layout_at_operating_temperature: pass gates and repeaters sized with the operating currents.
    const double layout_temperature_k =
        variants->quirks.has(Quirk::layout_at_operating_temperature) ? hw.temperature_k : kLayoutTemperatureK;
    TechnologyNode layout_tech =
        load_technology(data_dir, hw.technology_node_nm, hw.device_roadmap, layout_temperature_k);
    TechnologyNode operating_tech =
        load_technology(data_dir, hw.technology_node_nm, hw.device_roadmap, hw.temperature_k);
    // Quirk finfet_fins_per_two_f: the reference's fin count, in the layout and in operation.
    layout_tech.fins_per_two_f = operating_tech.fins_per_two_f = variants->quirks.has(Quirk::finfet_fins_per_two_f);
    const WireProperties wire = load_wire(data_dir, hw.wire_width_nm);
    auto context = [&](const TechnologyNode& tech, double temperature_k) {
        return DesignContext{hw,
                             tech,
                             trace.input_bits,
                             trace.weight_bits,
                             trace.batch_size,
                             wire_resistance_ohm_per_m(wire, hw.wire_width_nm, temperature_k),
                             variants};
    };

    Estimate out;
    out.reference_quirks = variants->quirks.describe();
    out.plan = plan_floorplan(trace.network, floorplan_params(hw, trace.weight_bits));
    const DesignContext layout = context(layout_tech, layout_temperature_k);
    const DesignContext operating = context(operating_tech, hw.temperature_k);
    out.area = estimate_chip_area(layout, trace.network, out.plan);
    out.performance = estimate_performance(operating, trace, out.plan, out.area);
    return out;
}

}  // namespace neurosim
