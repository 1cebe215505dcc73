#include "neurosim/training/weight_gradient.hpp"

#include <algorithm>
#include <cmath>

#include "neurosim/array/readout_modes.hpp"
#include "neurosim/circuits/address_decoder.hpp"
#include "neurosim/circuits/circuits.hpp"
#include "neurosim/circuits/readout_adc.hpp"
#include "neurosim/technology/gate.hpp"

namespace neurosim {

WeightGradientEngine::WeightGradientEngine(const DesignContext& ctx, const WeightGradientEngineParams& p) {
    const CellConfig& cell_config = ctx.cell_config;
    const TrainingConfig& training_config = ctx.training_config;
    const TechnologyNode& t = ctx.tech;
    const int rows = training_config.wg_subarray_rows, cols = training_config.wg_subarray_cols;
    const double arrays_along_rows = std::floor(static_cast<double>(p.memory_rows) / rows);
    const double arrays_along_cols = std::floor(static_cast<double>(p.memory_cols) / cols);
    arrays_in_row_ = static_cast<int>(arrays_along_rows);
    arrays_in_col_ = static_cast<int>(arrays_along_cols);
    const double row_m = cols * cell_config.sram_cell_width_f * t.f();
    const double col_m = rows * cell_config.sram_cell_height_f * t.f();
    const double access_r = on_resistance_ohm(cell_config.sram_access_width_f * t.f(), true, t);
    const int readouts = cols / training_config.wg_rows_per_adc;
    const int adc_bits = static_cast<int>(std::log2(training_config.wg_adc_levels));

    const double word_lines = PassGateMatrix({true, rows, access_r}, t).layout(Fit::to_height(col_m)).area_m2();
    const ColumnMux mux({static_cast<double>(readouts), training_config.wg_rows_per_adc, false, access_r}, t);
    const Footprint decoder =
        AddressDecoder({true, static_cast<int>(std::ceil(std::log2(training_config.wg_rows_per_adc))), true, false}, t)
            .layout(Fit::free_layout());
    const double mux_m2 = std::max(decoder.height_m, mux.layout(Fit::to_width(row_m)).height_m) * row_m;
    // The unit's ADCs are of the configured type (with an encoder after a multilevel sense amplifier).
    double adc = 0;
    for (const Footprint& b : ctx.adc().layouts(ctx, readouts, training_config.wg_adc_levels, Fit::to_width(row_m)))
        adc += b.area_m2();
    double shift = 0;
    if (ctx.input_bits > 1) {
        shift = ShiftAdders({readouts, adc_bits + ctx.input_bits + 1, ctx.input_bits}, t)
                    .layout(Fit::to_width(row_m))
                    .area_m2();
    }
    const double precharge = BitlinePrecharger({cols}, t).layout(Fit::to_width(row_m)).area_m2();
    const double write = BitlineWriteDriver({cols}, t).layout(Fit::to_width(row_m)).area_m2();
    const double sub_array_m2 =
        row_m * col_m + word_lines + precharge + write + adc + shift + mux_m2 + decoder.area_m2();

    const int tree_inputs = static_cast<int>(arrays_along_rows);
    const PartialSumTree tree({tree_inputs, adc_bits + ctx.input_bits + 1, std::ceil(arrays_along_cols * readouts)}, t);
    const double tree_m2 = tree_inputs > 1 ? tree.layout(Fit::to_width(std::sqrt(sub_array_m2))).area_m2() : 0.0;
    output_bits_ = adc_bits + ctx.input_bits + (tree_inputs > 1 ? tree.stages() : 0);
    area_m2_ = sub_array_m2 * arrays_along_rows * arrays_along_cols + tree_m2;
}

double gradient_accumulator_area_m2(const DesignContext& ctx, int bits, double count, double height_m) {
    return RippleAdder({bits, count}, ctx.tech).layout(Fit::to_height(height_m)).area_m2();
}

}  // namespace neurosim
