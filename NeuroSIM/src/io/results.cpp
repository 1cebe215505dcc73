#include "neurosim/io/results.hpp"

#include <cstdio>
#include <fstream>
#include <functional>
#include <iomanip>
#include <random>
#include <sstream>
#include <stdexcept>

namespace neurosim {
namespace {

// The name of a field of `text` that prints a NaN or an infinity (`field N of line L`), or "".
std::string first_non_finite_field(const std::string& text) {
    std::istringstream lines(text);
    std::string line;
    for (int line_no = 1; std::getline(lines, line); ++line_no) {
        std::istringstream fields(line);
        std::string field;
        for (int field_no = 1; std::getline(fields, field, ','); ++field_no) {
            const auto start = field.find_first_not_of(" [:\"-");
            if (start == std::string::npos) continue;
            const std::string word = field.substr(start, 3);
            if (word == "nan" || word == "inf") {
                return "field " + std::to_string(field_no) + " of line " + std::to_string(line_no) + " ('" +
                       field + "')";
            }
        }
    }
    return "";
}

// Readers never see a half-written file: content goes to a new, uniquely named sibling created
// exclusively ("wx": never through a file or link planted there), then is renamed over `path`.
void write_atomically(const std::string& path, const std::function<void(std::ostream&)>& body) {
    std::ostringstream content;
    content << std::setprecision(9);
    body(content);
    const std::string text = content.str();
    // A figure a model cannot give for this design is an error, never a number in the results.
    const std::string bad = first_non_finite_field(text);
    if (!bad.empty()) throw std::runtime_error("'" + path + "': " + bad + " is not a finite number");
    std::random_device entropy;
    for (int attempt = 0; attempt < 16; ++attempt) {
        const std::string tmp = path + "." + std::to_string(entropy()) + ".tmp";
        std::FILE* out = std::fopen(tmp.c_str(), "wx");
        if (!out) continue;  // the name exists (or the directory is unwritable: the last try says so)
        const bool written = std::fwrite(text.data(), 1, text.size(), out) == text.size();
        if (std::fclose(out) != 0 || !written) {
            std::remove(tmp.c_str());
            throw std::runtime_error("write failed for '" + tmp + "'");
        }
        if (std::rename(tmp.c_str(), path.c_str()) != 0) {
            std::remove(tmp.c_str());
            throw std::runtime_error("cannot rename '" + tmp + "' to '" + path + "'");
        }
        return;
    }
    throw std::runtime_error("cannot create a temporary file beside '" + path + "'");
}

template <typename F>
void json_list(std::ostream& out, const Floorplan& plan, F value) {
    out << "[";
    for (std::size_t i = 0; i < plan.layers.size(); ++i) out << (i ? ", " : "") << value(plan.layers[i]);
    out << "]";
}

const char* const kPhases[] = {"fw", "ag", "wg", "wu"};
const char* const kParts[] = {"adc",          "accumulation",    "array",         "buffer",
                              "interconnect", "weight_gradient", "weight_update", "dram"};

void phase_header(std::ostream& out, const std::string& prefix, const std::string& unit, bool total) {
    for (const char* p : kPhases) out << ',' << prefix << '_' << p << '_' << unit;
    if (total) out << ',' << prefix << "_total_" << unit;
}

void phase_values(std::ostream& out, const PhaseFigures& f, bool total) {
    out << ',' << f.fw << ',' << f.ag << ',' << f.wg << ',' << f.wu;
    if (total) out << ',' << f.total();
}

void breakdown_header(std::ostream& out) {
    for (const char* p : kParts) out << ",breakdown_latency_" << p << "_s";
    for (const char* p : kParts) out << ",breakdown_energy_" << p << "_j";
}

void breakdown_values(std::ostream& out, const Breakdown& b) {
    out << ',' << b.adc << ',' << b.accumulation << ',' << b.array << ',' << b.buffer << ',' << b.interconnect << ','
        << b.weight_gradient << ',' << b.weight_update << ',' << b.dram;
}

void performance_header(std::ostream& out, bool total) {
    phase_header(out, "latency", "s", total);
    phase_header(out, "energy", "j", total);
    phase_header(out, "peak_latency", "s", total);
    phase_header(out, "peak_energy", "j", total);
}

}  // namespace

void write_floorplan_json(const Floorplan& plan, const std::string& path) {
    write_atomically(path, [&](std::ostream& out) {
        out << "{\n  \"tiles_per_layer\": ";
        json_list(out, plan, [](const LayerPlacement& l) { return static_cast<double>(l.tiles()); });
        out << ",\n  \"speedup_per_layer\": ";
        json_list(out, plan, [](const LayerPlacement& l) { return l.speedup(); });
        out << ",\n  \"utilization_per_layer\": ";
        json_list(out, plan, [](const LayerPlacement& l) { return l.utilization; });
        out << ",\n  \"novel_mapping_per_layer\": ";
        json_list(out, plan, [](const LayerPlacement& l) { return l.novel ? 1 : 0; });
        out << ",\n  \"chip_utilization\": " << plan.chip_utilization;
        out << ",\n  \"conventional_tile_storage\": [" << plan.conventional_tile_size << ", "
            << plan.conventional_tile_size << "]";
        out << ",\n  \"conventional_pe_storage\": [" << plan.conventional_pe_size << ", " << plan.conventional_pe_size
            << "]";
        out << ",\n  \"novel_tile_storage\": [" << plan.novel_pes_per_tile << ", " << plan.novel_pe_size << ", "
            << plan.novel_pe_size << "]";
        out << ",\n  \"tile_grid\": [" << plan.tile_grid_rows << ", " << plan.tile_grid_cols << "]\n}\n";
    });
}

void write_chip_csv(const ChipArea& area, const ChipPerformance& perf, const std::string& reference_quirks,
                    const std::string& path) {
    write_atomically(path, [&](std::ostream& out) {
        out << "area_total_m2,area_cim_array_m2,area_routing_m2,area_adc_m2,area_accumulation_m2,area_other_m2,"
               "area_weight_gradient_m2";
        performance_header(out, true);
        out << ",leakage_power_w,leakage_energy_j,tops_per_w,tops,fps,peak_tops_per_w,peak_tops,peak_fps";
        breakdown_header(out);
        out << ",reference_quirks\n";
        const AreaParts& a = area.chip;
        out << a.total_m2 << ',' << a.cim_array_m2 << ',' << a.routing_m2 << ',' << a.adc_m2 << ',' << a.accumulation_m2
            << ',' << a.other_m2 << ',' << a.weight_gradient_m2;
        phase_values(out, perf.latency_s, true);
        phase_values(out, perf.energy_j, true);
        phase_values(out, perf.peak_latency_s, true);
        phase_values(out, perf.peak_energy_j, true);
        out << ',' << perf.leakage_power_w << ',' << perf.leakage_energy_j << ',' << perf.tops_per_w << ','
            << perf.tops << ',' << perf.fps << ',' << perf.peak_tops_per_w << ',' << perf.peak_tops << ','
            << perf.peak_fps;
        breakdown_values(out, perf.latency_breakdown_s);
        breakdown_values(out, perf.energy_breakdown_j);
        out << ',' << reference_quirks << '\n';
    });
}

void write_layers_csv(const Floorplan& plan, const ChipArea& area, const ChipPerformance& perf,
                      const std::string& path) {
    write_atomically(path, [&](std::ostream& out) {
        out << "layer,novel_mapping,tiles,speedup,utilization,tile_area_m2,layer_tiles_area_m2";
        performance_header(out, false);
        breakdown_header(out);
        out << ",leakage_power_w,leakage_energy_j\n";
        for (std::size_t i = 0; i < plan.layers.size(); ++i) {
            const LayerPlacement& l = plan.layers[i];
            const double tile_area = l.novel ? area.novel_tile.total_m2 : area.conventional_tile.total_m2;
            out << i + 1 << ',' << (l.novel ? 1 : 0) << ',' << l.tiles() << ',' << l.speedup() << ',' << l.utilization
                << ',' << tile_area << ',' << tile_area * l.tiles();
            const LayerPerformance& p = perf.layers[i];
            phase_values(out, p.latency_s, false);
            phase_values(out, p.energy_j, false);
            phase_values(out, p.peak_latency_s, false);
            phase_values(out, p.peak_energy_j, false);
            breakdown_values(out, p.latency_breakdown_s);
            breakdown_values(out, p.energy_breakdown_j);
            out << ',' << p.leakage_power_w << ',' << p.leakage_energy_j << '\n';
        }
    });
}

}  // namespace neurosim
