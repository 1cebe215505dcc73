// Hardware parameters of the training chip, read from a flat `key = value` file.
#pragma once

#include <set>
#include <string>
#include <vector>

namespace neurosim {

enum class MemoryCell { sram, rram, fefet };
enum class AccessType { cmos, crossbar };      // 1T1R (or 1FeFET) cell, or selector-less crossbar
enum class DeviceRoadmap { hp, lstp };         // high performance or low standby power transistors
enum class Mapping { novel, conventional };    // kernel-position-per-PE mapping, or im2col matrix mapping
enum class ReadMode { parallel, sequential };  // all rows at once through ADCs, or row by row
enum class BufferType { register_file, sram };
enum class Activation { relu, sigmoid };
enum class DramType { hbm2, gddr5 };
enum class AdcType { mlsa, sar };              // multilevel sense amplifier, or successive approximation

// Defaults reproduce the design point of the calibration reference, DNN+NeuroSim V2.1 (FeFET,
// 32 nm LSTP, 128x128 sub-arrays, parallel read, 64-level MLSA).
struct HardwareConfig {
    // --- devices and technology
    MemoryCell memory_cell = MemoryCell::fefet;
    AccessType access_type = AccessType::cmos;
    DeviceRoadmap device_roadmap = DeviceRoadmap::lstp;
    int technology_node_nm = 32;    // transistor node of the periphery
    double feature_size_nm = 40.0;  // feature size F that scales the memory cell layout
    int wire_width_nm = 40;         // array wire width; selects resistivity and aspect ratio
    double temperature_k = 300.0;
    double clock_frequency_hz = 1e9;
    int cell_bits = 5;  // bits stored per cell; SRAM cells always hold 1
    // --- memory cell layout, in feature sizes F
    double sram_cell_height_f = 8.0;
    double sram_cell_width_f = 20.0;
    double sram_nmos_width_f = 2.08;    // pull-down transistor width
    double sram_pmos_width_f = 1.23;    // pull-up transistor width
    double sram_access_width_f = 1.31;  // access transistor width
    double sram_min_sense_voltage_v = 0.1;
    double cell_1t1r_height_f = 4.0;  // also the FeFET cell
    double cell_1t1r_width_f = 4.0;
    double crossbar_cell_height_f = 2.0;
    double crossbar_cell_width_f = 2.0;
    // --- analog device electrical parameters
    double resistance_on_ohm = 240e3;
    double resistance_off_ohm = 24e6;
    double fefet_gate_capacitance_f = 2.1717e-18;
    double fefet_polarization_uc_per_cm2 = 20;
    int max_levels_ltp = 60;  // conductance states for potentiation
    int max_levels_ltd = 60;  // conductance states for depression
    double write_voltage_v = 4.0;
    double write_pulse_width_s = 50e-9;
    double read_voltage_v = 0.5;
    double read_pulse_width_s = 10e-9;
    double access_voltage_v = 1.1;        // gate voltage of the 1T1R access transistor
    double access_resistance_ohm = 15e3;  // on-resistance of the access transistor
    // --- array organisation and read-out
    int subarray_rows = 128;
    int subarray_cols = 128;
    ReadMode read_mode = ReadMode::parallel;
    int columns_per_adc = 8;         // columns sharing one ADC through a mux
    // Read-out ADC: multilevel sense amplifier (levels-1 comparators and a thermometer encoder) or
    // successive-approximation converter (log2(levels) bits resolved one per step).
    AdcType adc_type = AdcType::mlsa;
    int adc_levels = 64;             // output levels of the read-out ADC
    bool sense_current_mode = true;  // MLSA senses current (true) or voltage (false)
    bool relax_cell_height = false;  // stretch cells to fit periphery pitch
    bool relax_cell_width = false;
    Mapping mapping = Mapping::novel;
    // --- buffers, interconnect, activation
    BufferType global_buffer_type = BufferType::register_file;
    int global_buffer_core_rows = 128;
    int global_buffer_core_cols = 128;
    BufferType tile_buffer_type = BufferType::register_file;
    int tile_buffer_core_rows = 32;
    int tile_buffer_core_cols = 32;
    BufferType pe_buffer_type = BufferType::register_file;
    bool chip_activation = true;  // activation units at chip level (true) or in each tile
    Activation activation = Activation::relu;
    double global_bus_delay_tolerance = 0.1;  // accepted chip H-tree delay above its optimum
    double local_bus_delay_tolerance = 0.1;   // accepted tile H-tree delay above its optimum
    int tree_folded_ratio = 4;                // chip H-tree folding that saves area
    int max_global_bus_width_bits = 8192;
    // --- execution
    bool pipeline = false;   // layer pipelining instead of layer-by-layer
    int speedup_degree = 1;  // pipeline clock folding; 1 = none
    // --- on-chip training
    bool training_estimation = true;
    bool parallel_backprop = true;       // activation gradient read in parallel on transposed arrays
    int buffer_overhead_constraint = 1;  // weight-gradient buffer at most N x the inference buffer
    int wg_subarray_rows = 128;          // SRAM sub-array of the weight-gradient unit
    int wg_subarray_cols = 128;
    int error_bits = 8;       // precision of back-propagated errors (cycles of the transposed read)
    int ag_rows_per_adc = 8;  // transposed read-out of activation gradient
    int ag_adc_levels = 64;
    int wg_rows_per_adc = 8;
    int wg_adc_levels = 16;
    DramType dram = DramType::hbm2;

    int effective_cell_bits() const { return memory_cell == MemoryCell::sram ? 1 : cell_bits; }
};

struct HardwareKeyInfo {
    std::string key;
    std::string type;  // int, real, bool or choice
    std::string default_value;
    std::string range;  // "[min, max]" or "a|b|c"
    std::string description;
};

// Every key the hardware file accepts, with type, default, range and meaning.
const std::vector<HardwareKeyInfo>& hardware_keys();

// Parses `key = value` text; `origin` names the file in messages. Throws std::runtime_error
// naming the key on unknown keys, bad values, out-of-range values or inconsistent combinations.
HardwareConfig parse_hardware_text(const std::string& text, const std::string& origin);
HardwareConfig read_hardware_file(const std::string& path);

// Checks combinations of keys; `explicit_keys` are the keys set in the file.
void validate_hardware(const HardwareConfig& config, const std::set<std::string>& explicit_keys);

}  // namespace neurosim
