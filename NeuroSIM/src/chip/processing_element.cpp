#include "neurosim/chip/processing_element.hpp"

#include <cmath>

#include "neurosim/circuits/circuits.hpp"

namespace neurosim {

ProcessingElement::ProcessingElement(const DesignContext& ctx, const SynapticSubArray& sa, double pe_size) {
    const ArrayConfig& array_config = ctx.array_config;
    const TechnologyNode& t = ctx.tech;
    const double arrays =
        std::ceil(pe_size / array_config.subarray_rows) * std::ceil(pe_size / array_config.subarray_cols);
    per_side_ = static_cast<int>(std::ceil(std::sqrt(arrays)));
    const int n = per_side_;
    const int readouts = array_config.subarray_cols / array_config.columns_per_adc;
    const int adc_bits = static_cast<int>(std::log2(array_config.adc_levels));
    const PartialSumTree tree({n, adc_bits + ctx.input_bits + 1, std::ceil(static_cast<double>(n) * readouts)}, t);
    const double tree_m2 = tree.layout(Fit::to_width(sa.width_m())).area_m2();
    // Input register holds one input cycle for every row; output register holds the summed outputs.
    const double in_m2 = FlipFlops({static_cast<double>(ctx.input_bits) * array_config.subarray_rows}, t)
                             .layout(Fit::to_height(n * sa.height_m()))
                             .area_m2();
    const double out_bits = static_cast<double>(readouts) * (adc_bits + ctx.input_bits + tree.stages());
    const double out_m2 = FlipFlops({out_bits}, t).layout(Fit::to_width(n * sa.width_m())).area_m2();

    const double count = static_cast<double>(n) * n;
    const AreaParts& s = sa.parts();
    parts_.cim_array_m2 = s.cim_array_m2 * count;
    parts_.adc_m2 = s.adc_m2 * count;
    parts_.accumulation_m2 = s.accumulation_m2 * count + tree_m2;
    parts_.other_m2 = s.other_m2 * count + in_m2 + out_m2;
    parts_.total_m2 = sa.used_area_m2() * count + tree_m2 + in_m2 + out_m2;
    side_m_ = std::sqrt(parts_.total_m2);
}

}  // namespace neurosim
