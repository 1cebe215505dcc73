// Sampling the column conductances a layer's forward reads present to the sense amplifiers.
#include "neurosim/array/readout.hpp"

#include <algorithm>
#include <cmath>

#include "neurosim/array/memory_cell.hpp"
#include "neurosim/array/memory_cell_kind.hpp"
#include "neurosim/technology/gate.hpp"

namespace neurosim {

namespace {

// The patches read: all of them, or under the quirk output_pixels_without_padding those whose window
// lies inside the image.
std::vector<std::size_t> counted_patches(std::size_t patches, const LayerShape* shape, const DesignContext& ctx) {
    std::vector<std::size_t> counted;
    const bool padded = ctx.quirk(Quirk::output_pixels_without_padding) && shape && shape->stride == 1 &&
                        shape->kernel_positions() > 1 &&
                        patches == static_cast<std::size_t>(shape->ifm_h) * shape->ifm_w;
    for (std::size_t p = 0; p < patches; ++p) {
        if (padded) {
            const int y = static_cast<int>(p) / shape->ifm_w, x = static_cast<int>(p) % shape->ifm_w;
            const int top_pad = (shape->k_h - 1) / 2, left_pad = (shape->k_w - 1) / 2;
            if (y < top_pad || y >= shape->ifm_h - shape->k_h / 2) continue;
            if (x < left_pad || x >= shape->ifm_w - shape->k_w / 2) continue;
        }
        counted.push_back(p);
    }
    return counted;
}

// Row groups of the sub-arrays: rows (c*K + p) for one kernel position p (of `k`) and a block of channels.
std::vector<std::vector<std::size_t>> row_groups(std::size_t k, std::size_t channels, std::size_t block_rows) {
    std::vector<std::vector<std::size_t>> groups;
    for (std::size_t p = 0; p < k; ++p) {
        for (std::size_t c0 = 0; c0 < channels; c0 += block_rows) {
            std::vector<std::size_t> g;
            for (std::size_t c = c0; c < std::min(channels, c0 + block_rows); ++c) g.push_back(c * k + p);
            groups.push_back(std::move(g));
        }
    }
    return groups;
}

// Stored level of every cell of the weight matrix (cell columns, least significant digit first).
std::vector<std::uint8_t> stored_levels(const TraceLayer& layer, const DesignContext& ctx) {
    const std::size_t rows = layer.weight.shape[0], ofm = layer.weight.shape[1];
    const int cps = ctx.cols_per_synapse();
    const int cell_bits = ctx.cell_bits();
    const int top = (1 << cell_bits) - 1;
    const int offset = 1 << (ctx.weight_bits - 1);
    const std::size_t cols = ofm * static_cast<std::size_t>(cps);
    std::vector<std::uint8_t> level(rows * cols);
    for (std::size_t r = 0; r < rows; ++r) {
        for (std::size_t o = 0; o < ofm; ++o) {
            int code = layer.weight.values[r * ofm + o] + offset;
            for (int d = 0; d < cps; ++d, code >>= cell_bits) {
                level[r * cols + o * static_cast<std::size_t>(cps) + static_cast<std::size_t>(d)] =
                    static_cast<std::uint8_t>(code & top);
            }
        }
    }
    return level;
}

// Conductance of a cell by its place in the sub-array (the wires run to the array's edges) and level:
// index ((wire_rows - 1) x block_cols + column) x levels + level.
class PlacedConductance {
public:
    explicit PlacedConductance(const DesignContext& ctx) {
        const CellConfig& cell_config = ctx.cell_config;
        const ArrayConfig& array_config = ctx.array_config;
        block_cols_ = static_cast<std::size_t>(array_config.subarray_cols);
        const std::size_t block_rows = static_cast<std::size_t>(array_config.subarray_rows);
        const int top = (1 << ctx.cell_bits()) - 1;
        levels_ = static_cast<std::size_t>(top) + 1;
        const MemoryCellModel cell(ctx);
        const bool sram = ctx.cell().static_cell();
        const double g_on = 1 / cell_config.resistance_on_ohm, g_off = 1 / cell_config.resistance_off_ohm;
        const double series = ctx.cell().series_resistance_ohm(cell_config);
        const double wire_row = ctx.wire_resistance_ohm_per_m * cell.width_m();
        const double wire_col = ctx.wire_resistance_ohm_per_m * cell.height_m();
        const double sram_path = cell.sram_access_resistance_ohm();  // 0 for an eNVM cell
        g_.resize(block_rows * block_cols_ * levels_);
        for (std::size_t wr = 1; wr <= block_rows; ++wr) {
            for (std::size_t j = 0; j < block_cols_; ++j) {
                const double wire = (j + 1) * wire_row + wr * wire_col;
                for (std::size_t lv = 0; lv < levels_; ++lv) {
                    const double g = sram ? 1 / (sram_path + wire_col)
                                          : 1 / (1 / (g_off + (g_on - g_off) * lv / top) + series + wire);
                    g_[index(wr, j, lv)] = static_cast<float>(g);
                }
            }
        }
    }
    std::size_t levels() const { return levels_; }
    // Conductances of a cell `wire_rows` rows from the edge, column 0, level 0 (columns follow).
    const float* row(std::size_t wire_rows) const { return g_.data() + index(wire_rows, 0, 0); }

private:
    std::size_t index(std::size_t wire_rows, std::size_t j, std::size_t lv) const {
        return ((wire_rows - 1) * block_cols_ + j) * levels_ + lv;
    }
    std::size_t block_cols_ = 0, levels_ = 0;
    std::vector<float> g_;
};

// Inputs of `taken` patches evenly spaced over the counted ones of every sample, centred.
std::vector<const std::int16_t*> sampled_inputs(const TraceLayer& layer, const std::vector<std::size_t>& counted,
                                                std::size_t taken) {
    const std::size_t samples = layer.input.shape[0], patches = layer.input.shape[1];
    const std::size_t rows = layer.weight.shape[0];
    const std::size_t total_patches = samples * counted.size();
    std::vector<const std::int16_t*> inputs(taken);
    for (std::size_t s = 0; s < taken; ++s) {
        const std::size_t pick = (2 * s + 1) * total_patches / (2 * taken);
        const std::size_t patch = (pick / counted.size()) * patches + counted[pick % counted.size()];
        inputs[s] = layer.input.values.data() + patch * rows;
    }
    return inputs;
}

// The sampled reads of one sub-array: its `rows` cell conductances laid out densely (`nc` columns), then
// each input bit sums the rows whose bit is 1, over contiguous memory.
void read_subarray(const std::vector<std::size_t>& rows, const std::vector<const std::int16_t*>& inputs,
                   const float* cells, std::size_t nc, int bits, std::vector<double>* acc, ColumnSample* out) {
    const unsigned mask = (1u << bits) - 1u;
    for (const std::int16_t* in : inputs) {
        for (int b = 0; b < bits; ++b) {
            std::fill(acc->begin(), acc->begin() + nc, 0.0);
            for (std::size_t i = 0; i < rows.size(); ++i) {
                const unsigned code = static_cast<std::uint16_t>(in[rows[i]]) & mask;
                if (!((code >> b) & 1u)) continue;
                const float* row = cells + i * nc;
                for (std::size_t j = 0; j < nc; ++j) (*acc)[j] += row[j];
            }
            for (std::size_t j = 0; j < nc; ++j) out->conductance_s.push_back(static_cast<float>((*acc)[j]));
            out->columns.push_back(static_cast<int>(nc));
        }
    }
}

}  // namespace

ColumnSample sample_column_conductance(const TraceLayer& layer, const DesignContext& ctx,
                                       const ReadPlacement& placement, int max_reads) {
    ColumnSample out;
    const ArrayConfig& array_config = ctx.array_config;
    if (layer.input.shape.size() < 3 || layer.weight.shape.size() < 2) return out;
    const std::size_t samples = layer.input.shape[0], patches = layer.input.shape[1];
    const std::size_t rows = layer.weight.shape[0], ofm = layer.weight.shape[1];
    const int bits = ctx.input_bits;
    const std::size_t cols = ofm * static_cast<std::size_t>(ctx.cols_per_synapse());
    const std::size_t block_rows = static_cast<std::size_t>(array_config.subarray_rows);
    const std::size_t block_cols = static_cast<std::size_t>(array_config.subarray_cols);
    const LayerShape* shape = placement.shape;
    const std::size_t k = placement.novel && shape ? static_cast<std::size_t>(shape->kernel_positions()) : 1;

    const std::vector<std::size_t> counted = counted_patches(patches, shape, ctx);
    const std::vector<std::vector<std::size_t>> groups = row_groups(k, rows / k, block_rows);
    const std::size_t col_blocks = (cols + block_cols - 1) / block_cols;
    const std::vector<std::uint8_t> level = stored_levels(layer, ctx);
    const PlacedConductance place_g(ctx);
    const std::size_t levels = place_g.levels();

    const std::size_t reads_per_patch = static_cast<std::size_t>(bits) * groups.size() * col_blocks;
    const std::size_t wanted =
        std::max<std::size_t>(1, static_cast<std::size_t>(max_reads) / std::max<std::size_t>(1, reads_per_patch));
    const std::size_t taken = std::min(samples * counted.size(), wanted);
    const std::vector<const std::int16_t*> inputs = sampled_inputs(layer, counted, taken);
    out.conductance_s.reserve(taken * reads_per_patch * block_cols);
    out.columns.reserve(taken * reads_per_patch);
    std::vector<double> acc(block_cols);
    std::vector<float> cells(block_rows * block_cols);  // conductance of one sub-array's cells, row by row
    for (const auto& g : groups) {
        for (std::size_t cb = 0; cb < col_blocks; ++cb) {
            const std::size_t c0 = cb * block_cols, nc = std::min(block_cols, cols - c0);
            for (std::size_t i = 0; i < g.size(); ++i) {
                const std::uint8_t* row_levels = level.data() + g[i] * cols + c0;
                const float* row_g = place_g.row(g.size() - i);
                float* dst = cells.data() + i * nc;
                for (std::size_t j = 0; j < nc; ++j) dst[j] = row_g[j * levels + row_levels[j]];
            }
            read_subarray(g, inputs, cells.data(), nc, bits, &acc, &out);
        }
    }
    return out;
}

}  // namespace neurosim
