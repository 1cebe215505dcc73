#include "neurosim/technology/technology.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "neurosim/technology/circuit_fits.hpp"
#include "neurosim/technology/tables.hpp"

namespace neurosim {
namespace {

std::map<std::string, double> read_key_values(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error(path + ": missing or unreadable technology table");
    std::map<std::string, double> values;
    std::string line;
    while (std::getline(in, line)) {
        const auto hash = line.find('#');
        if (hash != std::string::npos) line.erase(hash);
        const auto eq = line.find('=');
        if (eq == std::string::npos) continue;
        auto trim = [](std::string s) {
            const auto b = s.find_first_not_of(" \t\r");
            const auto e = s.find_last_not_of(" \t\r");
            return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
        };
        values[trim(line.substr(0, eq))] = number_of(trim(line.substr(eq + 1)), path);
    }
    return values;
}

LayoutRules load_rules(const std::string& path) {
    const auto v = read_key_values(path);
    auto get = [&](const char* key) {
        const auto it = v.find(key);
        if (it == v.end()) throw std::runtime_error(path + ": missing '" + key + "'");
        return it->second;
    };
    LayoutRules r;
    r.min_nmos_width_f = get("min_nmos_width_f");
    r.max_transistor_height_f = get("max_transistor_height_f");
    r.gap_p_n_diffusion_f = get("gap_p_n_diffusion_f");
    r.gap_gate_poly_f = get("gap_gate_poly_f");
    r.poly_extension_over_diffusion_f = get("poly_extension_over_diffusion_f");
    r.gap_field_poly_f = get("gap_field_poly_f");
    r.poly_width_f = get("poly_width_f");
    r.finfet_poly_width_f = get("finfet_poly_width_f");
    r.finfet_gap_gate_poly_f = get("finfet_gap_gate_poly_f");
    r.m2_pitch_f = get("m2_pitch_f");
    r.m3_pitch_f = get("m3_pitch_f");
    r.height_width_ratio_limit = get("height_width_ratio_limit");
    r.bottom_junction_cap_f_per_m2 = get("bottom_junction_cap_f_per_m2");
    r.sidewall_junction_cap_f_per_m = get("sidewall_junction_cap_f_per_m");
    r.gate_edge_junction_cap_f_per_m = get("gate_edge_junction_cap_f_per_m");
    r.bottom_junction_grading = get("bottom_junction_grading");
    r.sidewall_junction_grading = get("sidewall_junction_grading");
    r.gate_edge_junction_grading = get("gate_edge_junction_grading");
    r.built_in_potential_v = get("built_in_potential_v");
    r.overlap_cap_ratio = get("overlap_cap_ratio");
    r.wire_cap_f_per_m = get("wire_cap_f_per_m");
    return r;
}

std::string roadmap_name(DeviceRoadmap roadmap) {
    return roadmap == DeviceRoadmap::hp ? "hp" : "lstp";
}

std::string format_number(double v) {
    std::ostringstream out;
    out << v;
    return out.str();
}

// One tabulated temperature of one node and roadmap.
struct CurrentsAtTemperature {
    double temperature_k = 0;
    TransistorCurrents currents;
};

std::string currents_path(const std::string& data_dir) {
    return data_dir + "/technology/transistor_currents.csv";
}

// The rows of transistor_currents.csv for node and roadmap, in rising temperature.
std::vector<CurrentsAtTemperature> currents_table(const std::string& data_dir, int node_nm, DeviceRoadmap roadmap) {
    const std::string path = currents_path(data_dir);
    std::vector<std::string> header;
    const auto rows = read_csv_rows(path, &header);
    auto column = [&](const char* key) {
        for (std::size_t i = 0; i < header.size(); ++i)
            if (header[i] == key) return i;
        throw std::runtime_error(path + ": missing column '" + key + "'");
    };
    const std::size_t node_col = column("node_nm"), roadmap_col = column("roadmap");
    const std::size_t temp_col = column("temperature_k");
    const std::size_t on_n = column("i_on_n"), on_p = column("i_on_p");
    const std::size_t off_n = column("i_off_n"), off_p = column("i_off_p");
    std::vector<CurrentsAtTemperature> table;
    for (const auto& row : rows) {
        if (static_cast<int>(number_of(row[node_col], path)) != node_nm || row[roadmap_col] != roadmap_name(roadmap))
            continue;
        CurrentsAtTemperature entry;
        entry.temperature_k = number_of(row[temp_col], path);
        entry.currents = {number_of(row[on_n], path), number_of(row[on_p], path), number_of(row[off_n], path),
                          number_of(row[off_p], path)};
        table.push_back(entry);
    }
    if (table.empty())
        throw std::runtime_error(path + ": no entry for node " + std::to_string(node_nm) + " nm, roadmap " +
                                 roadmap_name(roadmap));
    std::sort(table.begin(), table.end(),
              [](const auto& a, const auto& b) { return a.temperature_k < b.temperature_k; });
    for (std::size_t i = 1; i < table.size(); ++i) {
        if (table[i].temperature_k == table[i - 1].temperature_k)
            throw std::runtime_error(path + ": temperature " + format_number(table[i].temperature_k) +
                                     " K listed twice for node " + std::to_string(node_nm) + " nm");
    }
    return table;
}

double linear_between(double low, double high, double fraction) {
    return low + (high - low) * fraction;
}

// Geometric interpolation: exact for a quantity that grows exponentially between the two points.
double log_linear_between(double low, double high, double fraction) {
    return low * std::pow(high / low, fraction);
}

}  // namespace

std::pair<double, double> tabulated_temperature_range_k(const std::string& data_dir, int node_nm,
                                                        DeviceRoadmap roadmap) {
    const auto table = currents_table(data_dir, node_nm, roadmap);
    return {table.front().temperature_k, table.back().temperature_k};
}

TransistorCurrents load_transistor_currents(const std::string& data_dir, int node_nm, DeviceRoadmap roadmap,
                                            double temperature_k) {
    const auto table = currents_table(data_dir, node_nm, roadmap);
    const double lowest = table.front().temperature_k, highest = table.back().temperature_k;
    if (!(temperature_k >= lowest && temperature_k <= highest)) {
        throw std::runtime_error("hardware key 'temperature_k': " + format_number(temperature_k) +
                                 " K is outside the range tabulated for node " + std::to_string(node_nm) +
                                 " nm " + roadmap_name(roadmap) + ", [" + format_number(lowest) + ", " +
                                 format_number(highest) + "] K (" + currents_path(data_dir) + ")");
    }
    std::size_t above = 0;
    while (table[above].temperature_k < temperature_k) ++above;
    if (table[above].temperature_k == temperature_k) return table[above].currents;
    const CurrentsAtTemperature& lo = table[above - 1];
    const CurrentsAtTemperature& hi = table[above];
    const double fraction = (temperature_k - lo.temperature_k) / (hi.temperature_k - lo.temperature_k);
    TransistorCurrents c;
    c.i_on_n_a_per_m = linear_between(lo.currents.i_on_n_a_per_m, hi.currents.i_on_n_a_per_m, fraction);
    c.i_on_p_a_per_m = linear_between(lo.currents.i_on_p_a_per_m, hi.currents.i_on_p_a_per_m, fraction);
    c.i_off_n_a_per_m = log_linear_between(lo.currents.i_off_n_a_per_m, hi.currents.i_off_n_a_per_m, fraction);
    c.i_off_p_a_per_m = log_linear_between(lo.currents.i_off_p_a_per_m, hi.currents.i_off_p_a_per_m, fraction);
    return c;
}

namespace {

// The transistor parameters of one transistors.csv row, keyed by column name.
void read_transistor_row(const std::map<std::string, std::string>& field, const std::string& path,
                         TechnologyNode* t) {
    auto num = [&](const char* key) {
        const auto it = field.find(key);
        if (it == field.end()) throw std::runtime_error(path + ": missing column '" + key + "'");
        return number_of(it->second, path);
    };
    t->vdd_v = num("vdd_v");
    t->vth_v = num("vth_v");
    t->gate_length_m = num("gate_length_m");
    t->cap_ideal_gate_f_per_m = num("cap_ideal_gate_f_per_m");
    t->cap_fringe_f_per_m = num("cap_fringe_f_per_m");
    t->effective_resistance_multiplier = num("effective_resistance_multiplier");
    t->gm_n = num("gm_n");
    t->gm_p = num("gm_p");
    t->i_on_n_a_per_m = num("i_on_n");
    t->i_on_p_a_per_m = num("i_on_p");
    t->i_off_n_a_per_m = num("i_off_n");
    t->i_off_p_a_per_m = num("i_off_p");
    t->fin_height_m = num("fin_height_m");
    t->fin_width_m = num("fin_width_m");
    t->fin_pitch_m = num("fin_pitch_m");
}

// Junction and overlap capacitances from the layout rules, at the supply voltage's reverse bias.
void derive_capacitances(TechnologyNode* t) {
    // In FinFET tables the ideal gate capacitance already includes overlap and fringe.
    t->cap_overlap_f_per_m = t->finfet() ? 0.0 : t->cap_ideal_gate_f_per_m * t->rules.overlap_cap_ratio;
    const double bias = 1 + t->vdd_v / t->rules.built_in_potential_v;
    t->cap_junction_f_per_m2 = t->rules.bottom_junction_cap_f_per_m2 / std::pow(bias, t->rules.bottom_junction_grading);
    t->cap_sidewall_f_per_m =
        t->rules.sidewall_junction_cap_f_per_m / std::pow(bias, t->rules.sidewall_junction_grading);
    t->cap_drain_to_channel_f_per_m =
        t->rules.gate_edge_junction_cap_f_per_m / std::pow(bias, t->rules.gate_edge_junction_grading);
}

}  // namespace

int TechnologyNode::fins(double width_m) const {
    if (fins_per_two_f) return static_cast<int>(std::ceil(width_m * fin_pitch_m / (2 * f()) / fin_pitch_m));
    return static_cast<int>(std::ceil(width_m / fin_conducting_width_m()));
}

double TechnologyNode::conducting_width_m(double width_m) const {
    if (!finfet() || width_m <= 0) return width_m;
    return fins(width_m) * fin_conducting_width_m();
}

TechnologyNode load_technology(const std::string& data_dir, int node_nm, DeviceRoadmap roadmap,
                               double temperature_k) {
    const std::string path = data_dir + "/technology/transistors.csv";
    std::vector<std::string> header;
    const auto rows = read_csv_rows(path, &header);
    const std::string roadmap_text = roadmap_name(roadmap);
    for (const auto& row : rows) {
        std::map<std::string, std::string> field;
        for (std::size_t i = 0; i < header.size(); ++i) field[header[i]] = row[i];
        if (static_cast<int>(number_of(field["node_nm"], path)) != node_nm || field["roadmap"] != roadmap_text)
            continue;
        TechnologyNode t;
        t.node_nm = node_nm;
        t.roadmap = roadmap;
        t.feature_size_m = node_nm * 1e-9;
        read_transistor_row(field, path, &t);
        t.rules = load_rules(data_dir + "/technology/layout_rules.txt");
        t.fits = load_circuit_fits(data_dir, node_nm, roadmap);
        // The 300 K currents of this table size the PMOS; FinFET widths come in whole fins, so the
        // ratio is rounded down.
        const double ratio = t.i_on_n_a_per_m / t.i_on_p_a_per_m;
        t.pn_size_ratio = t.finfet() ? std::floor(ratio) : ratio;
        // The operating temperature changes the currents, not the layout.
        const TransistorCurrents operating = load_transistor_currents(data_dir, node_nm, roadmap, temperature_k);
        t.temperature_k = temperature_k;
        t.i_on_n_a_per_m = operating.i_on_n_a_per_m;
        t.i_on_p_a_per_m = operating.i_on_p_a_per_m;
        t.i_off_n_a_per_m = operating.i_off_n_a_per_m;
        t.i_off_p_a_per_m = operating.i_off_p_a_per_m;
        derive_capacitances(&t);
        return t;
    }
    throw std::runtime_error(path + ": no entry for node " + std::to_string(node_nm) + " nm, roadmap " + roadmap_text);
}

WireProperties load_wire(const std::string& data_dir, int wire_width_nm) {
    const std::string path = data_dir + "/technology/wires.csv";
    std::vector<std::string> header;
    for (const auto& row : read_csv_rows(path, &header)) {
        if (static_cast<int>(number_of(row[0], path)) == wire_width_nm) {
            return {number_of(row[1], path), number_of(row[2], path), number_of(row[3], path)};
        }
    }
    throw std::runtime_error(path + ": no entry for wire width " + std::to_string(wire_width_nm) + " nm");
}

double wire_resistance_ohm_per_m(const WireProperties& wire, int wire_width_nm, double temperature_k) {
    const double w = wire_width_nm * 1e-9;
    const double rho = wire.resistivity_ohm_m * (1 + wire.tcr_per_k * std::abs(temperature_k - 300));
    return rho / (w * w * wire.aspect_ratio);
}

}  // namespace neurosim
