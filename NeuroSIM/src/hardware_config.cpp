#include "neurosim/hardware_config.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "neurosim/npy.hpp"

namespace neurosim {
namespace {

using Setter = std::function<void(HardwareConfig&, const std::string&)>;

struct KeySpec {
    HardwareKeyInfo info;
    Setter set;
};

std::string trim(const std::string& s) {
    const auto begin = s.find_first_not_of(" \t\r\n");
    if (begin == std::string::npos) return "";
    const auto end = s.find_last_not_of(" \t\r\n");
    return s.substr(begin, end - begin + 1);
}

std::string format_number(double v) {
    std::ostringstream out;
    out << v;
    return out.str();
}

[[noreturn]] void bad_value(const std::string& key, const std::string& value, const std::string& expected) {
    throw std::runtime_error("hardware key '" + key + "': value '" + value + "' is invalid; expected " + expected);
}

double parse_real(const std::string& key, const std::string& value) {
    errno = 0;
    char* end = nullptr;
    const double v = std::strtod(value.c_str(), &end);
    if (value.empty() || end != value.c_str() + value.size() || errno != 0 || !std::isfinite(v)) {
        bad_value(key, value, "a finite number");
    }
    return v;
}

template <typename T>
KeySpec int_key(const std::string& key, T HardwareConfig::* member, long lo, long hi, const std::string& description) {
    HardwareConfig defaults;
    return {{key, "int", std::to_string(defaults.*member), "[" + std::to_string(lo) + ", " + std::to_string(hi) + "]",
             description},
            [=](HardwareConfig& c, const std::string& value) {
                errno = 0;
                char* end = nullptr;
                const long v = std::strtol(value.c_str(), &end, 10);
                if (value.empty() || end != value.c_str() + value.size() || errno != 0)
                    bad_value(key, value, "an integer");
                if (v < lo || v > hi) {
                    bad_value(key, value, "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
                }
                c.*member = static_cast<T>(v);
            }};
}

KeySpec real_key(const std::string& key, double HardwareConfig::* member, double lo, double hi, bool lo_open,
                 const std::string& description) {
    HardwareConfig defaults;
    const std::string range = std::string(lo_open ? "(" : "[") + format_number(lo) + ", " + format_number(hi) + "]";
    return {{key, "real", format_number(defaults.*member), range, description},
            [=](HardwareConfig& c, const std::string& value) {
                const double v = parse_real(key, value);
                if (v < lo || v > hi || (lo_open && v == lo)) bad_value(key, value, "a number in " + range);
                c.*member = v;
            }};
}

KeySpec bool_key(const std::string& key, bool HardwareConfig::* member, const std::string& description) {
    HardwareConfig defaults;
    return {{key, "bool", defaults.*member ? "true" : "false", "true|false", description},
            [=](HardwareConfig& c, const std::string& value) {
                if (value == "true") {
                    c.*member = true;
                } else if (value == "false") {
                    c.*member = false;
                } else {
                    bad_value(key, value, "true or false");
                }
            }};
}

template <typename E>
KeySpec choice_key(const std::string& key, E HardwareConfig::* member,
                   const std::vector<std::pair<std::string, E>>& choices, const std::string& description) {
    HardwareConfig defaults;
    std::string names;
    std::string default_name;
    for (const auto& [name, v] : choices) {
        names += (names.empty() ? "" : "|") + name;
        if (v == defaults.*member) default_name = name;
    }
    return {{key, "choice", default_name, names, description}, [=](HardwareConfig& c, const std::string& value) {
                for (const auto& [name, v] : choices) {
                    if (name == value) {
                        c.*member = v;
                        return;
                    }
                }
                bad_value(key, value, "one of " + names);
            }};
}

const std::vector<KeySpec>& key_specs() {
    using C = HardwareConfig;
    static const std::vector<KeySpec> specs = {
        choice_key<MemoryCell>("memory_cell", &C::memory_cell,
                               {{"fefet", MemoryCell::fefet}, {"rram", MemoryCell::rram}, {"sram", MemoryCell::sram}},
                               "synaptic memory cell of the forward/backward arrays"),
        choice_key<AccessType>("access_type", &C::access_type,
                               {{"cmos", AccessType::cmos}, {"crossbar", AccessType::crossbar}},
                               "cell access: one transistor per cell (1T1R) or selector-less crossbar (RRAM only)"),
        choice_key<DeviceRoadmap>("device_roadmap", &C::device_roadmap,
                                  {{"lstp", DeviceRoadmap::lstp}, {"hp", DeviceRoadmap::hp}},
                                  "transistor flavour: low standby power or high performance"),
        int_key("technology_node_nm", &C::technology_node_nm, 7, 130,
                "CMOS node of the periphery; one of 130, 90, 65, 45, 32, 22, 14, 10, 7"),
        real_key("feature_size_nm", &C::feature_size_nm, 1.0, 200.0, false, "feature size F of the memory cell layout"),
        int_key("wire_width_nm", &C::wire_width_nm, 14, 200, "array wire width; one of 200, 100, 50, 40, 32, 22, 14"),
        real_key("temperature_k", &C::temperature_k, 300.0, 400.0, false,
                 "operating temperature; transistor currents are tabulated from 300 to 400 K in 10 K steps "
                 "and interpolated between; it changes currents and wire resistance, not the layout"),
        real_key("clock_frequency_hz", &C::clock_frequency_hz, 1e6, 1e10, false, "chip clock frequency"),
        int_key("cell_bits", &C::cell_bits, 1, 8, "bits per memory cell (SRAM: must be 1)"),
        real_key("sram_cell_height_f", &C::sram_cell_height_f, 1.0, 100.0, false, "SRAM cell height in F"),
        real_key("sram_cell_width_f", &C::sram_cell_width_f, 1.0, 100.0, false, "SRAM cell width in F"),
        real_key("sram_nmos_width_f", &C::sram_nmos_width_f, 0.1, 20.0, false, "SRAM pull-down width in F"),
        real_key("sram_pmos_width_f", &C::sram_pmos_width_f, 0.1, 20.0, false, "SRAM pull-up width in F"),
        real_key("sram_access_width_f", &C::sram_access_width_f, 0.1, 20.0, false, "SRAM access transistor width in F"),
        real_key("sram_min_sense_voltage_v", &C::sram_min_sense_voltage_v, 0.0, 1.0, true,
                 "bit-line swing the SRAM sense amplifier needs"),
        real_key("cell_1t1r_height_f", &C::cell_1t1r_height_f, 1.0, 100.0, false, "1T1R / FeFET cell height in F"),
        real_key("cell_1t1r_width_f", &C::cell_1t1r_width_f, 1.0, 100.0, false, "1T1R / FeFET cell width in F"),
        real_key("crossbar_cell_height_f", &C::crossbar_cell_height_f, 1.0, 100.0, false, "crossbar cell height in F"),
        real_key("crossbar_cell_width_f", &C::crossbar_cell_width_f, 1.0, 100.0, false, "crossbar cell width in F"),
        real_key("resistance_on_ohm", &C::resistance_on_ohm, 1.0, 1e12, false,
                 "on-state resistance at the read voltage"),
        real_key("resistance_off_ohm", &C::resistance_off_ohm, 1.0, 1e12, false,
                 "off-state resistance at the read voltage"),
        real_key("fefet_gate_capacitance_f", &C::fefet_gate_capacitance_f, 0.0, 1e-12, true, "FeFET gate capacitance"),
        real_key("fefet_polarization_uc_per_cm2", &C::fefet_polarization_uc_per_cm2, 0.0, 200.0, true,
                 "remanent polarization of the FeFET"),
        int_key("max_levels_ltp", &C::max_levels_ltp, 2, 4096, "conductance states reachable by potentiation"),
        int_key("max_levels_ltd", &C::max_levels_ltd, 2, 4096, "conductance states reachable by depression"),
        real_key("write_voltage_v", &C::write_voltage_v, 0.0, 20.0, true, "programming pulse amplitude"),
        real_key("write_pulse_width_s", &C::write_pulse_width_s, 0.0, 1e-3, true, "programming pulse width"),
        real_key("read_voltage_v", &C::read_voltage_v, 0.0, 5.0, true, "read voltage on the cells"),
        real_key("read_pulse_width_s", &C::read_pulse_width_s, 0.0, 1e-3, true, "read pulse width"),
        real_key("access_voltage_v", &C::access_voltage_v, 0.0, 5.0, true, "gate voltage of the access transistor"),
        real_key("access_resistance_ohm", &C::access_resistance_ohm, 0.0, 1e9, false,
                 "on-resistance of the access transistor"),
        int_key("subarray_rows", &C::subarray_rows, 8, 4096, "rows of one synaptic sub-array (power of two)"),
        int_key("subarray_cols", &C::subarray_cols, 8, 4096, "columns of one synaptic sub-array (power of two)"),
        choice_key<ReadMode>("read_mode", &C::read_mode,
                             {{"parallel", ReadMode::parallel}, {"sequential", ReadMode::sequential}},
                             "read all rows at once through ADCs (parallel), or one row at a time through "
                             "single-cell sense amplifiers and row adders (sequential; both read directions)"),
        int_key("columns_per_adc", &C::columns_per_adc, 1, 4096,
                "columns sharing one ADC (power of two, <= subarray_cols)"),
        choice_key<AdcType>("adc_type", &C::adc_type, {{"mlsa", AdcType::mlsa}, {"sar", AdcType::sar}},
                            "read-out ADC: multilevel sense amplifier (mlsa) or successive approximation (sar); "
                            "sets area, latency and energy"),
        int_key("adc_levels", &C::adc_levels, 2, 1024, "output levels of the read-out ADC (power of two)"),
        bool_key("sense_current_mode", &C::sense_current_mode,
                 "multilevel sense amplifier senses current (resolution time from the column) or voltage "
                 "(clocked at 1 ns)"),
        bool_key("relax_cell_height", &C::relax_cell_height, "stretch cells vertically to the periphery pitch"),
        bool_key("relax_cell_width", &C::relax_cell_width, "stretch cells horizontally to the periphery pitch"),
        choice_key<Mapping>("mapping", &C::mapping,
                            {{"novel", Mapping::novel}, {"conventional", Mapping::conventional}},
                            "weight mapping: one PE per kernel position (novel) or im2col matrix (conventional)"),
        choice_key<BufferType>("global_buffer_type", &C::global_buffer_type,
                               {{"register_file", BufferType::register_file}, {"sram", BufferType::sram}},
                               "storage of the chip buffer"),
        int_key("global_buffer_core_rows", &C::global_buffer_core_rows, 8, 4096, "rows of one chip buffer core"),
        int_key("global_buffer_core_cols", &C::global_buffer_core_cols, 8, 4096, "columns of one chip buffer core"),
        choice_key<BufferType>("tile_buffer_type", &C::tile_buffer_type,
                               {{"register_file", BufferType::register_file}, {"sram", BufferType::sram}},
                               "storage of the tile buffers"),
        int_key("tile_buffer_core_rows", &C::tile_buffer_core_rows, 8, 4096, "rows of one tile buffer core"),
        int_key("tile_buffer_core_cols", &C::tile_buffer_core_cols, 8, 4096, "columns of one tile buffer core"),
        choice_key<BufferType>("pe_buffer_type", &C::pe_buffer_type,
                               {{"register_file", BufferType::register_file}, {"sram", BufferType::sram}},
                               "storage of the PE buffers (only register files are modelled)"),
        bool_key("chip_activation", &C::chip_activation, "activation units at chip level (else inside every tile)"),
        choice_key<Activation>("activation", &C::activation,
                               {{"relu", Activation::relu}, {"sigmoid", Activation::sigmoid}}, "activation function"),
        real_key("global_bus_delay_tolerance", &C::global_bus_delay_tolerance, 0.0, 10.0, false,
                 "chip H-tree delay accepted above its optimum, as a fraction"),
        real_key("local_bus_delay_tolerance", &C::local_bus_delay_tolerance, 0.0, 10.0, false,
                 "tile H-tree delay accepted above its optimum, as a fraction"),
        int_key("tree_folded_ratio", &C::tree_folded_ratio, 1, 64, "folding of the chip H-tree layout"),
        int_key("max_global_bus_width_bits", &C::max_global_bus_width_bits, 8, 1 << 20,
                "upper bound of the chip bus width"),
        bool_key("pipeline", &C::pipeline, "pipeline the layers (else layer by layer)"),
        int_key("speedup_degree", &C::speedup_degree, 1, 1024, "pipeline clock folding; 1 = none"),
        bool_key("training_estimation", &C::training_estimation, "estimate the training chip (else inference only)"),
        bool_key("parallel_backprop", &C::parallel_backprop,
                 "activation gradient read in parallel (else row by row; read_mode = sequential reads both "
                 "directions row by row whatever this key)"),
        int_key("buffer_overhead_constraint", &C::buffer_overhead_constraint, 0, 64,
                "weight-gradient buffer at most N times the inference buffer"),
        int_key("wg_subarray_rows", &C::wg_subarray_rows, 8, 4096, "rows of a weight-gradient SRAM sub-array"),
        int_key("wg_subarray_cols", &C::wg_subarray_cols, 8, 4096, "columns of a weight-gradient SRAM sub-array"),
        int_key("error_bits", &C::error_bits, 1, 16, "precision of back-propagated errors"),
        int_key("ag_rows_per_adc", &C::ag_rows_per_adc, 1, 4096, "rows sharing one ADC in the transposed read"),
        int_key("ag_adc_levels", &C::ag_adc_levels, 2, 1024, "ADC levels of the transposed read"),
        int_key("wg_rows_per_adc", &C::wg_rows_per_adc, 1, 4096, "rows sharing one ADC in the weight-gradient unit"),
        int_key("wg_adc_levels", &C::wg_adc_levels, 2, 1024, "ADC levels of the weight-gradient unit"),
        choice_key<DramType>("dram", &C::dram, {{"hbm2", DramType::hbm2}, {"gddr5", DramType::gddr5}},
                             "off-chip memory"),
    };
    return specs;
}

bool is_power_of_two(long v) {
    return v > 0 && (v & (v - 1)) == 0;
}

[[noreturn]] void inconsistent(const std::string& key, const std::string& why) {
    throw std::runtime_error("hardware key '" + key + "': " + why);
}

}  // namespace

const std::vector<HardwareKeyInfo>& hardware_keys() {
    static const std::vector<HardwareKeyInfo> keys = [] {
        std::vector<HardwareKeyInfo> out;
        for (const auto& spec : key_specs()) out.push_back(spec.info);
        return out;
    }();
    return keys;
}

void validate_hardware(const HardwareConfig& c, const std::set<std::string>& explicit_keys) {
    static const std::vector<int> nodes = {130, 90, 65, 45, 32, 22, 14, 10, 7};
    if (std::find(nodes.begin(), nodes.end(), c.technology_node_nm) == nodes.end()) {
        inconsistent("technology_node_nm", "must be one of 130, 90, 65, 45, 32, 22, 14, 10, 7");
    }
    static const std::vector<int> wires = {200, 100, 50, 40, 32, 22, 14};
    if (std::find(wires.begin(), wires.end(), c.wire_width_nm) == wires.end()) {
        inconsistent("wire_width_nm", "must be one of 200, 100, 50, 40, 32, 22, 14");
    }
    const std::vector<std::pair<std::string, int>> powers = {
        {"subarray_rows", c.subarray_rows},       {"subarray_cols", c.subarray_cols},
        {"columns_per_adc", c.columns_per_adc},   {"adc_levels", c.adc_levels},
        {"wg_subarray_rows", c.wg_subarray_rows}, {"wg_subarray_cols", c.wg_subarray_cols},
        {"ag_adc_levels", c.ag_adc_levels},       {"wg_adc_levels", c.wg_adc_levels}};
    for (const auto& [key, v] : powers) {
        if (!is_power_of_two(v)) inconsistent(key, "must be a power of two, got " + std::to_string(v));
    }
    if (c.columns_per_adc > c.subarray_cols) inconsistent("columns_per_adc", "exceeds subarray_cols");
    if (c.ag_rows_per_adc > c.subarray_rows) inconsistent("ag_rows_per_adc", "exceeds subarray_rows");
    if (c.wg_rows_per_adc > c.wg_subarray_rows) inconsistent("wg_rows_per_adc", "exceeds wg_subarray_rows");
    if (c.memory_cell == MemoryCell::sram && explicit_keys.count("cell_bits") && c.cell_bits != 1) {
        inconsistent("cell_bits", "an SRAM cell holds 1 bit; remove the key or set it to 1");
    }
    if (c.access_type == AccessType::crossbar && c.memory_cell != MemoryCell::rram) {
        inconsistent("access_type", "crossbar access needs memory_cell = rram");
    }
    if (c.resistance_off_ohm <= c.resistance_on_ohm) {
        inconsistent("resistance_off_ohm", "must exceed resistance_on_ohm");
    }
    if (c.activation == Activation::sigmoid) {
        inconsistent("activation", "only relu is modelled; use activation = relu");
    }
    if (c.pe_buffer_type == BufferType::sram) {
        inconsistent("pe_buffer_type", "PE buffers are modelled as register files only; use register_file");
    }
    if (!c.pipeline && explicit_keys.count("speedup_degree") && c.speedup_degree != 1) {
        inconsistent("speedup_degree", "only applies with pipeline = true");
    }
    if (c.tree_folded_ratio > 1 && !is_power_of_two(c.tree_folded_ratio)) {
        inconsistent("tree_folded_ratio", "must be a power of two");
    }
}

HardwareConfig parse_hardware_text(const std::string& text, const std::string& origin) {
    HardwareConfig config;
    std::set<std::string> seen;
    std::istringstream lines(text);
    std::string line;
    int line_number = 0;
    while (std::getline(lines, line)) {
        ++line_number;
        const auto hash = line.find('#');
        if (hash != std::string::npos) line.erase(hash);
        line = trim(line);
        if (line.empty()) continue;
        const auto eq = line.find('=');
        const std::string where = origin + ":" + std::to_string(line_number);
        if (eq == std::string::npos) throw std::runtime_error(where + ": expected 'key = value', got '" + line + "'");
        const std::string key = trim(line.substr(0, eq));
        const std::string value = trim(line.substr(eq + 1));
        const auto& specs = key_specs();
        const auto it = std::find_if(specs.begin(), specs.end(), [&](const KeySpec& s) { return s.info.key == key; });
        if (it == specs.end()) throw std::runtime_error(where + ": unknown hardware key '" + key + "'");
        if (!seen.insert(key).second) throw std::runtime_error(where + ": hardware key '" + key + "' given twice");
        try {
            it->set(config, value);
        } catch (const std::runtime_error& e) {
            throw std::runtime_error(where + ": " + e.what());
        }
    }
    try {
        validate_hardware(config, seen);
    } catch (const std::runtime_error& e) {
        throw std::runtime_error(origin + ": " + e.what());
    }
    return config;
}

HardwareConfig read_hardware_file(const std::string& path) {
    // A directory or device is not a hardware file (an empty read would mean all defaults).
    return parse_hardware_text(read_file_bytes(path), path);
}

}  // namespace neurosim
