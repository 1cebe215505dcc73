#include "neurosim/array/sub_array.hpp"

#include <algorithm>
#include <cmath>

#include "neurosim/array/memory_cell.hpp"
#include "neurosim/array/memory_cell_kind.hpp"
#include "neurosim/circuits/address_decoder.hpp"
#include "neurosim/array/readout_modes.hpp"
#include "neurosim/circuits/circuits.hpp"
#include "neurosim/circuits/readout_adc.hpp"

namespace neurosim {
namespace {

int log2_int(int v) {
    return static_cast<int>(std::log2(static_cast<double>(v)));
}

// Column mux and its decoder: the mux is stretched to the decoder's pitch along the array edge.
struct MuxedEdge {
    double mux_area_m2 = 0, decoder_area_m2 = 0;
    double depth_m = 0;           // extent away from the array
    double decoder_extent_m = 0;  // decoder extent along the other side
};

MuxedEdge muxed_edge(const MuxParams& mux, double edge_m, bool along_columns, const TechnologyNode& t) {
    MuxedEdge e;
    if (mux.selection <= 1) return e;
    const ColumnMux m(mux, t);
    const int address_bits = static_cast<int>(std::ceil(std::log2(mux.selection)));
    const Footprint dec = AddressDecoder({true, address_bits, true, false}, t).layout(Fit::free_layout());
    if (along_columns) {
        const Footprint fit = m.layout(Fit::to_width(edge_m));
        e.depth_m = std::max(dec.height_m, fit.height_m);
        e.decoder_extent_m = dec.width_m;
    } else {
        const Footprint fit = m.layout(Fit::free_layout());
        e.depth_m = std::max(dec.width_m, fit.width_m);
        e.decoder_extent_m = dec.height_m;
    }
    e.mux_area_m2 = e.depth_m * edge_m;
    e.decoder_area_m2 = dec.area_m2();
    return e;
}

// ADC, encoder and shift-adders of one read-out edge.
struct ReadoutEdge {
    double adc_area_m2 = 0, accumulation_area_m2 = 0, depth_m = 0;
};

ReadoutEdge readout_edge(const DesignContext& ctx, int readouts, int levels, int input_cycles, int cols_per_synapse,
                         const Fit& fit) {
    const TechnologyNode& t = ctx.tech;
    ReadoutEdge e;
    const bool vertical = fit.side == Fit::Side::width;
    for (const Footprint& block : ctx.adc().layouts(ctx, readouts, levels, fit)) {
        e.adc_area_m2 += block.area_m2();
        e.depth_m += vertical ? block.height_m : block.width_m;
    }
    const int adc_bits = log2_int(levels);
    if (input_cycles > 1) {
        const Footprint s = ShiftAdders({readouts, adc_bits + cols_per_synapse, input_cycles}, t).layout(fit);
        e.accumulation_area_m2 += s.area_m2();
        e.depth_m += vertical ? s.height_m : s.width_m;
    }
    if (cols_per_synapse > 1) {
        const Footprint s = ShiftAdders({readouts, adc_bits, cols_per_synapse}, t).layout(fit);
        e.accumulation_area_m2 += s.area_m2();
        e.depth_m += vertical ? s.height_m : s.width_m;
    }
    return e;
}

// The transposed read-out of an eNVM sub-array (training): row by row, or in parallel along the rows.
void add_envm_transposed(const DesignContext& ctx, double array_h, SubArrayLayout* layout) {
    const ArrayConfig& array_config = ctx.array_config;
    const TrainingConfig& training_config = ctx.training_config;
    const TechnologyNode& t = ctx.tech;
    const MemoryCellModel cell(ctx);
    const int rows = array_config.subarray_rows, cols = array_config.subarray_cols;
    const int cps = ctx.cols_per_synapse();
    SubArrayLayout& l = *layout;
    if (!training_config.parallel_backprop) {
        // Transposed read row by row (readout_modes.hpp).
        const SequentialEdgeArea backward = sequential_read_edge(ctx, ReadDirection::transposed, array_h);
        l.width_m += backward.depth_m;
        l.parts.adc_m2 += backward.adc_m2;
        l.parts.accumulation_m2 += backward.accumulation_m2;
        l.parts.other_m2 += backward.other_m2;
    } else {
        // Transposed read-out along the rows for the activation gradient.
        const MuxedEdge mux_t = muxed_edge({static_cast<double>(rows / training_config.ag_rows_per_adc),
                                            training_config.ag_rows_per_adc, false, cell.on_resistance_ohm() / cols},
                                           array_h, false, t);
        const ReadoutEdge backward =
            readout_edge(ctx, rows / training_config.ag_rows_per_adc, training_config.ag_adc_levels,
                         training_config.error_bits, cps, Fit::to_height(array_h));
        l.width_m += mux_t.depth_m + backward.depth_m;
        l.parts.adc_m2 += backward.adc_area_m2;
        l.parts.accumulation_m2 += backward.accumulation_area_m2;
        l.parts.other_m2 += mux_t.mux_area_m2 + mux_t.decoder_area_m2;
    }
}

// The transposed read-out of an SRAM sub-array (training): its own precharge, write drivers and word
// lines, then a parallel read-out along the rows or a row-by-row read.
void add_sram_transposed(const DesignContext& ctx, double array_h, SubArrayLayout* layout) {
    const ArrayConfig& array_config = ctx.array_config;
    const TrainingConfig& training_config = ctx.training_config;
    const TechnologyNode& t = ctx.tech;
    const MemoryCellModel cell(ctx);
    const int rows = array_config.subarray_rows, cols = array_config.subarray_cols;
    const int cps = ctx.cols_per_synapse();
    const double access_r = cell.sram_access_resistance_ohm();
    SubArrayLayout& l = *layout;
    const Footprint precharge_t = BitlinePrecharger({rows}, t).layout(Fit::free_layout());
    const Footprint write_t = BitlineWriteDriver({rows}, t).layout(Fit::free_layout());
    const Footprint word_lines_t =
        PassGateMatrix({true, cols, array_h * ctx.wire_resistance_ohm_per_m}, t).layout(Fit::free_layout());
    MuxedEdge mux_t;
    ReadoutEdge backward;
    if (training_config.parallel_backprop) {
        mux_t = muxed_edge({static_cast<double>(rows / training_config.ag_rows_per_adc),
                            training_config.ag_rows_per_adc, false, access_r / cols / 2},
                           array_h, false, t);
        backward = readout_edge(ctx, rows / training_config.ag_rows_per_adc, training_config.ag_adc_levels,
                                training_config.error_bits, cps, Fit::to_height(array_h));
    } else {
        // Transposed read row by row: latch sense amplifiers and row adders (readout_modes.hpp).
        const SequentialEdgeArea e = sequential_read_edge(ctx, ReadDirection::transposed, array_h);
        backward.adc_area_m2 = e.adc_m2;
        backward.accumulation_area_m2 = e.accumulation_m2;
        backward.depth_m = e.depth_m;
    }
    l.height_m += word_lines_t.height_m;
    l.width_m += mux_t.depth_m + backward.depth_m + precharge_t.width_m + write_t.width_m;
    l.parts.adc_m2 += backward.adc_area_m2 + precharge_t.area_m2();
    l.parts.accumulation_m2 += backward.accumulation_area_m2;
    l.parts.other_m2 += mux_t.mux_area_m2 + mux_t.decoder_area_m2 + word_lines_t.area_m2() + write_t.area_m2();
}

SubArrayLayout envm_layout(const DesignContext& ctx) {
    SubArrayLayout l;
    const CellConfig& cell_config = ctx.cell_config;
    const ArrayConfig& array_config = ctx.array_config;
    const TrainingConfig& training_config = ctx.training_config;
    const TechnologyNode& t = ctx.tech;
    const MemoryCellModel cell(ctx);
    const int rows = array_config.subarray_rows, cols = array_config.subarray_cols;
    const double array_h = rows * cell.height_m();
    const double array_w = cols * cell.width_m();
    const double line_resistance = cell.on_resistance_ohm() / rows;
    const int cps = ctx.cols_per_synapse();

    // Row drivers: 1T1R rows drive access gates; crossbar rows carry the read current.
    Footprint row_drive;
    if (cell_config.access_type == AccessType::cmos) {
        row_drive = RowDriverMatrix({rows}, t).layout(Fit::to_height(array_h));
    } else {
        row_drive = PassGateMatrix({true, rows, line_resistance * rows / cols}, t).layout(Fit::to_height(array_h));
    }
    const Footprint source_lines =
        PassGateMatrix({false, cols, line_resistance * rows}, t).layout(Fit::to_width(array_w));
    const MuxedEdge mux = muxed_edge({static_cast<double>(cols / array_config.columns_per_adc),
                                      array_config.columns_per_adc, false, line_resistance},
                                     array_w, true, t);
    const ReadoutEdge forward = readout_edge(ctx, cols / array_config.columns_per_adc, array_config.adc_levels,
                                             ctx.input_bits, cps, Fit::to_width(array_w));
    l.height_m = source_lines.height_m + array_h + mux.depth_m + forward.depth_m;
    l.width_m = std::max(row_drive.width_m, mux.decoder_extent_m) + array_w;
    l.parts.cim_array_m2 = array_h * array_w;
    l.parts.adc_m2 = forward.adc_area_m2;
    l.parts.accumulation_m2 = forward.accumulation_area_m2;
    l.parts.other_m2 = row_drive.area_m2() + source_lines.area_m2() + mux.mux_area_m2 + mux.decoder_area_m2;

    if (training_config.training_estimation) add_envm_transposed(ctx, array_h, &l);
    l.parts.total_m2 = l.parts.cim_array_m2 + l.parts.adc_m2 + l.parts.accumulation_m2 + l.parts.other_m2;
    return l;
}

SubArrayLayout sram_layout(const DesignContext& ctx) {
    SubArrayLayout l;
    const ArrayConfig& array_config = ctx.array_config;
    const TrainingConfig& training_config = ctx.training_config;
    const TechnologyNode& t = ctx.tech;
    const MemoryCellModel cell(ctx);
    const int rows = array_config.subarray_rows, cols = array_config.subarray_cols;
    const double array_h = rows * cell.height_m();
    const double array_w = cols * cell.width_m();
    const int cps = ctx.cols_per_synapse();
    const double access_r = cell.sram_access_resistance_ohm();

    const Footprint precharge = BitlinePrecharger({cols}, t).layout(Fit::to_width(array_w));
    const Footprint write = BitlineWriteDriver({cols}, t).layout(Fit::to_width(array_w));
    // Word-line pass gates are sized for the word-line wire resistance.
    const Footprint word_lines =
        PassGateMatrix({true, rows, array_w * ctx.wire_resistance_ohm_per_m}, t).layout(Fit::to_height(array_h));
    const MuxedEdge mux = muxed_edge({static_cast<double>(cols / array_config.columns_per_adc),
                                      array_config.columns_per_adc, false, access_r / rows / 2},
                                     array_w, true, t);
    const ReadoutEdge forward = readout_edge(ctx, cols / array_config.columns_per_adc, array_config.adc_levels,
                                             ctx.input_bits, cps, Fit::to_width(array_w));
    l.height_m = precharge.height_m + write.height_m + array_h + mux.depth_m + forward.depth_m;
    l.width_m = std::max(word_lines.width_m, mux.decoder_extent_m) + array_w;
    l.parts.cim_array_m2 = array_h * array_w;
    l.parts.adc_m2 = forward.adc_area_m2 + precharge.area_m2();
    l.parts.accumulation_m2 = forward.accumulation_area_m2;
    l.parts.other_m2 = word_lines.area_m2() + write.area_m2() + mux.mux_area_m2 + mux.decoder_area_m2;

    if (training_config.training_estimation) add_sram_transposed(ctx, array_h, &l);
    l.parts.total_m2 = l.parts.cim_array_m2 + l.parts.adc_m2 + l.parts.accumulation_m2 + l.parts.other_m2;
    return l;
}

}  // namespace

SubArrayLayout parallel_subarray_layout(const DesignContext& ctx) {
    return ctx.cell().static_cell() ? sram_layout(ctx) : envm_layout(ctx);
}

SynapticSubArray::SynapticSubArray(const DesignContext& ctx) {
    const SubArrayLayout l = ctx.readout().layout(ctx);
    height_m_ = l.height_m;
    width_m_ = l.width_m;
    parts_ = l.parts;
}

}  // namespace neurosim
