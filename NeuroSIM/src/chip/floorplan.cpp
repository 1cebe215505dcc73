#include "neurosim/chip/floorplan.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

namespace neurosim {
namespace {

double ceil_div(double a, double b) {
    return std::ceil(a / b);
}

// Copies of a matrix of `rows` x `cols` that fit in `slots_rows` x `slots_cols` units of `unit_rows` x `unit_cols`;
// at least one copy even when it needs several units.
std::pair<int, int> duplication(double rows, double cols, double container, double unit_rows, double unit_cols) {
    const double units_per_matrix_rows = ceil_div(rows, unit_rows);
    const double units_per_matrix_cols = ceil_div(cols, unit_cols);
    const double slots_rows = ceil_div(container, unit_rows);
    const double slots_cols = ceil_div(container, unit_cols);
    // The calibration reference divides integers here, so the quotient is truncated before the floor.
    const int dup_rows = static_cast<int>(static_cast<long>(slots_rows) / static_cast<long>(units_per_matrix_rows));
    const int dup_cols = static_cast<int>(static_cast<long>(slots_cols) / static_cast<long>(units_per_matrix_cols));
    return {std::max(dup_rows, 1), std::max(dup_cols, 1)};
}

struct MatrixView {
    double rows;       // rows mapped on one tile (novel: channels only)
    double full_rows;  // rows of the whole weight matrix
    double cols;
};

MatrixView matrix_of(const LayerShape& layer, const FloorplanParams& p, bool novel) {
    const double full_rows = static_cast<double>(layer.weight_rows());
    const double cols = static_cast<double>(layer.ofm_c) * p.cols_per_synapse();
    return {novel ? static_cast<double>(layer.ifm_c) : full_rows, full_rows, cols};
}

// Number of tiles and utilization when conventional layers use square tiles of `size`.
std::pair<double, double> conventional_tiling(const Network& net, const std::vector<bool>& novel,
                                              const FloorplanParams& p, double size) {
    double tiles = 0, weights = 0;
    for (std::size_t i = 0; i < net.size(); ++i) {
        if (novel[i]) continue;
        const MatrixView m = matrix_of(net[i], p, false);
        tiles += ceil_div(m.full_rows, size) * ceil_div(m.cols, size);
        weights += m.full_rows * m.cols;
    }
    return {tiles, weights / (tiles * size * size)};
}

// Number of tiles and utilization when novel layers use `pes` PEs of `pe_size` per tile.
std::pair<double, double> novel_tiling(const Network& net, const std::vector<bool>& novel, const FloorplanParams& p,
                                       double pe_size, double pes) {
    double tiles = 0, weights = 0;
    for (std::size_t i = 0; i < net.size(); ++i) {
        if (!novel[i]) continue;
        const MatrixView m = matrix_of(net[i], p, true);
        tiles += ceil_div(m.rows, pe_size) * ceil_div(m.cols, pe_size);
        weights += m.full_rows * m.cols;
    }
    return {tiles, weights / (tiles * pe_size * pe_size * pes)};
}

bool fits_somewhere(const MatrixView& m, double size) {
    return m.rows <= size || m.cols <= size;
}

// Utilization of conventional tiles when each layer is copied over the tile's PEs of `pe_size`.
double pe_duplicated_utilization(const Network& net, const std::vector<bool>& novel, const FloorplanParams& p,
                                 double pe_size, double tile_size, double tile_count) {
    double weights = 0;
    for (std::size_t i = 0; i < net.size(); ++i) {
        if (novel[i]) continue;
        const MatrixView m = matrix_of(net[i], p, false);
        int copies = 1;
        if (fits_somewhere(m, tile_size)) {
            const auto [r, c] = duplication(m.rows, m.cols, tile_size, pe_size, pe_size);
            copies = r * c;
        }
        weights += copies * m.rows * m.cols;
    }
    return weights / (tile_count * tile_size * tile_size);
}

// Kernel size shared by most layers (earliest layer wins ties): novel tiles have one PE per position.
int most_common_kernel(const Network& net) {
    std::map<long, int> count;
    for (const auto& layer : net) ++count[layer.kernel_positions()];
    long best = 0;
    int best_count = 0;
    for (const auto& layer : net) {
        const int c = count[layer.kernel_positions()];
        if (c > best_count) {
            best_count = c;
            best = layer.kernel_positions();
        }
    }
    return static_cast<int>(best);
}

double next_power_of_two(double v) {
    return std::pow(2.0, std::ceil(std::log2(v)));
}

// Which layers take novel mapping, and the smallest square that holds each layer's columns.
struct LayerKinds {
    std::vector<bool> novel;
    double max_novel_pe = 0, max_conventional_tile = 0;
    std::size_t widest_novel = 0, widest_conventional = 0;  // 1-based layer of each maximum, for messages
};

LayerKinds classify_layers(const Network& net, const FloorplanParams& p, int novel_pes_per_tile) {
    const bool novel_mapping = p.mapping == Mapping::novel;
    LayerKinds k;
    k.novel.assign(net.size(), false);
    for (std::size_t i = 0; i < net.size(); ++i) {
        const double min_square = next_power_of_two(static_cast<double>(net[i].ofm_c) * p.cols_per_synapse());
        k.novel[i] = novel_mapping && net[i].kernel_positions() == novel_pes_per_tile &&
                     static_cast<double>(net[i].weight_rows()) >= p.subarray_rows;
        if (k.novel[i] && min_square > k.max_novel_pe) {
            k.max_novel_pe = min_square;
            k.widest_novel = i + 1;
        } else if (!k.novel[i] && min_square > k.max_conventional_tile) {
            k.max_conventional_tile = min_square;
            k.widest_conventional = i + 1;
        }
    }
    return k;
}

// Tiles hold at least 2x2 PEs and PEs at least 2x2 sub-arrays, so sub-arrays must fit the layers.
void check_subarrays_fit(const LayerKinds& k, const FloorplanParams& p, int novel_pes_per_tile) {
    const bool novel_mapping = p.mapping == Mapping::novel;
    const double rows_sub = p.subarray_rows;
    if (novel_mapping && k.max_novel_pe == 0) {
        throw std::runtime_error("hardware key 'mapping': no layer suits the novel mapping (kernel of " +
                                 std::to_string(novel_pes_per_tile) + " positions and at least subarray_rows = " +
                                 std::to_string(p.subarray_rows) + " weight rows); use mapping = conventional");
    }
    if (novel_mapping && k.max_novel_pe < 2 * rows_sub) {
        throw std::runtime_error(
            "hardware key 'subarray_rows': " + std::to_string(p.subarray_rows) +
            "-row sub-arrays are too large for this network; its widest novel-mapped layer (layer " +
            std::to_string(k.widest_novel) + ") fills " + std::to_string(static_cast<long>(k.max_novel_pe)) +
            " columns, so use subarray_rows <= " + std::to_string(static_cast<long>(k.max_novel_pe / 2)));
    }
    if (!novel_mapping && k.max_conventional_tile < 4 * rows_sub) {
        throw std::runtime_error(
            "hardware key 'subarray_rows': " + std::to_string(p.subarray_rows) +
            "-row sub-arrays are too large for this network; its widest conventionally mapped layer (layer " +
            std::to_string(k.widest_conventional) + ") fills " +
            std::to_string(static_cast<long>(k.max_conventional_tile)) + " columns, so use subarray_rows <= " +
            std::to_string(static_cast<long>(k.max_conventional_tile / 4)));
    }
}

// Novel tiles: halve the PE from its largest size while utilization improves.
void size_novel_tiles(const Network& net, const LayerKinds& k, const FloorplanParams& p, Floorplan* plan) {
    const double rows_sub = p.subarray_rows;
    double best = 0;
    plan->novel_pe_size = std::max(k.max_novel_pe, 2 * rows_sub);
    plan->novel_tile_count = novel_tiling(net, k.novel, p, plan->novel_pe_size, plan->novel_pes_per_tile).first;
    for (double size = plan->novel_pe_size; size > 2 * rows_sub; size /= 2) {
        const auto [tiles, utilization] = novel_tiling(net, k.novel, p, size, plan->novel_pes_per_tile);
        if (utilization > best) {
            best = utilization;
            plan->novel_pe_size = size;
            plan->novel_tile_count = tiles;
        }
    }
}

// Conventional tiles, then their PEs; the PE search starts from the best tile utilization on purpose
// (a smaller PE must beat the tile's own utilization), as in the calibration reference.
void size_conventional_tiles(const Network& net, const LayerKinds& k, const FloorplanParams& p, Floorplan* plan) {
    const double rows_sub = p.subarray_rows;
    double best = 0;
    plan->conventional_tile_size = std::max(k.max_conventional_tile, 4 * rows_sub);
    plan->conventional_tile_count = conventional_tiling(net, k.novel, p, plan->conventional_tile_size).first;
    for (double size = plan->conventional_tile_size; size > 4 * rows_sub; size /= 2) {
        const auto [tiles, utilization] = conventional_tiling(net, k.novel, p, size);
        if (utilization > best) {
            best = utilization;
            plan->conventional_tile_size = size;
            plan->conventional_tile_count = tiles;
        }
    }
    plan->conventional_pe_size = plan->conventional_tile_size / 2;
    for (double size = plan->conventional_tile_size / 2; size > 2 * rows_sub; size /= 2) {
        const double utilization = pe_duplicated_utilization(net, k.novel, p, size, plan->conventional_tile_size,
                                                             plan->conventional_tile_count);
        if (utilization > best) {
            best = utilization;
            plan->conventional_pe_size = size;
        }
    }
}

// Pipelined execution replicates layers with large feature maps so all layers keep pace.
std::vector<double> pipeline_speedups(const Network& net, const FloorplanParams& p) {
    std::vector<double> speedup(net.size(), 1.0);
    if (!p.pipeline) return speedup;
    const double max_ifm = net.front().ifm_h;
    double min_ifm = max_ifm;
    for (const auto& layer : net) {
        if (layer.k_h != 1) min_ifm = std::min(min_ifm, static_cast<double>(layer.ifm_h));
    }
    const int degree = std::min(p.speedup_degree, static_cast<int>(max_ifm / min_ifm));
    const double bound = std::ceil(max_ifm / degree);
    for (std::size_t i = 0; i < net.size(); ++i) speedup[i] = std::ceil(std::pow(net[i].ifm_h / bound, 2));
    return speedup;
}

// Weight copies of a layer across the PEs of a tile and the sub-arrays of a PE.
void set_copies(const MatrixView& m, bool novel, const Floorplan& plan, const FloorplanParams& p,
                LayerPlacement* place) {
    const double rows_sub = p.subarray_rows;
    const double cols_sub = p.subarray_cols;
    if (novel) {
        if (fits_somewhere(m, plan.novel_pe_size)) {
            const auto [r, c] = duplication(m.rows, m.cols, plan.novel_pe_size, rows_sub, cols_sub);
            place->array_dup_rows = r;
            place->array_dup_cols = c;
        }
        return;
    }
    if (fits_somewhere(m, plan.conventional_tile_size)) {
        const auto [r, c] = duplication(m.rows, m.cols, plan.conventional_tile_size, plan.conventional_pe_size,
                                        plan.conventional_pe_size);
        place->pe_dup_rows = r;
        place->pe_dup_cols = c;
    }
    if (fits_somewhere(m, plan.conventional_pe_size)) {
        const auto [r, c] = duplication(m.rows, m.cols, plan.conventional_pe_size, rows_sub, cols_sub);
        place->array_dup_rows = r;
        place->array_dup_cols = c;
    }
}

// One layer on the sized tiles: its copies, tiles, utilization and speed-up.
LayerPlacement place_layer(const LayerShape& layer, bool novel, double pipeline_speedup, const Floorplan& plan,
                           const FloorplanParams& p) {
    LayerPlacement place;
    place.novel = novel;
    const MatrixView m = matrix_of(layer, p, novel);
    set_copies(m, novel, plan, p, &place);
    const double copies =
        static_cast<double>(place.pe_dup_rows) * place.pe_dup_cols * place.array_dup_rows * place.array_dup_cols;
    const double unit = novel ? plan.novel_pe_size : plan.conventional_tile_size;
    const double pipeline_factor = p.pipeline ? std::ceil(pipeline_speedup / copies) : 1.0;
    place.tiles_along_rows = static_cast<int>(ceil_div(m.rows, unit) * pipeline_factor);
    place.tiles_along_cols = static_cast<int>(ceil_div(m.cols, unit));
    const double used_copies = p.pipeline ? std::max(pipeline_speedup, copies) : copies;
    const double tile_memory = novel ? unit * unit * plan.novel_pes_per_tile : unit * unit;
    place.utilization = used_copies * m.full_rows * m.cols / (place.tiles() * tile_memory);
    place.speedup_rows = place.pe_dup_rows * place.array_dup_rows * pipeline_factor;
    place.speedup_cols = place.pe_dup_cols * place.array_dup_cols;
    return place;
}

// Tile counts (pipelined: the placed tiles) and the square-ish chip grid that holds them.
void size_chip_grid(bool pipeline, Floorplan* plan) {
    if (pipeline) {
        plan->novel_tile_count = 0;
        plan->conventional_tile_count = 0;
        for (const auto& place : plan->layers) {
            (place.novel ? plan->novel_tile_count : plan->conventional_tile_count) += place.tiles();
        }
    }
    const double chip_tiles = plan->novel_tile_count + plan->conventional_tile_count;
    plan->tile_grid_rows = static_cast<int>(std::ceil(std::sqrt(chip_tiles)));
    plan->tile_grid_cols = static_cast<int>(std::ceil(chip_tiles / plan->tile_grid_rows));
}

}  // namespace

int Floorplan::conventional_pes_per_side() const {
    return static_cast<int>(std::ceil(conventional_tile_size / conventional_pe_size));
}

Floorplan plan_floorplan(const Network& net, const FloorplanParams& p) {
    Floorplan plan;
    const bool novel_mapping = p.mapping == Mapping::novel;
    if (novel_mapping) plan.novel_pes_per_tile = most_common_kernel(net);
    const LayerKinds kinds = classify_layers(net, p, plan.novel_pes_per_tile);
    check_subarrays_fit(kinds, p, plan.novel_pes_per_tile);
    if (novel_mapping) size_novel_tiles(net, kinds, p, &plan);
    size_conventional_tiles(net, kinds, p, &plan);

    const std::vector<double> speedup = pipeline_speedups(net, p);
    double tiles_total = 0, mapped = 0;
    for (std::size_t i = 0; i < net.size(); ++i) {
        const LayerPlacement place = place_layer(net[i], kinds.novel[i], speedup[i], plan, p);
        tiles_total += place.tiles();
        mapped += place.tiles() * place.utilization;
        plan.layers.push_back(place);
    }
    plan.chip_utilization = mapped / tiles_total;
    size_chip_grid(p.pipeline, &plan);
    return plan;
}

}  // namespace neurosim
