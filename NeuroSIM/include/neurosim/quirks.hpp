// Behaviours of the calibration reference (DNN+NeuroSim V2.1) in which the estimator counts the
// hardware differently on purpose. Each is one named quirk: the hardware key `reference_quirks`
// (none, all, or a list of names) switches it on, and the block it concerns asks for it once
// (`ctx.quirk(Quirk::...)`) and then counts the reference's way. `all` reproduces the reference.
#pragma once

#include <bitset>
#include <string>
#include <vector>

namespace neurosim {

enum class Quirk {
    htree_latency_double_segments,
    wg_sense_amps_per_column,
    wg_column_through_access_only,
    sram_write_half_changes,
    weight_change_serial_buffer,
    sram_transposed_mux_energy_as_latency,
    mapped_row_activity_on_every_row,
    encoders_of_unmapped_columns,
    column_switch_nominal_resistance,
    dram_breakdown_activations_six_times,
    switch_register_leakage_twice,
    sequential_settling_once_per_cycle,
    layout_at_operating_temperature,
    output_pixels_without_padding,
    transposed_read_fixed_activity,
    fps_epochs_per_second,
    finfet_fins_per_two_f,
    count  // not a quirk: the number of quirks
};

struct QuirkInfo {
    Quirk id;
    const char* name;     // as the hardware file writes it
    const char* block;    // where it is applied
    const char* meaning;  // one line: what the reference does
};

// Every quirk, in declaration order (the registry).
const std::vector<QuirkInfo>& quirk_registry();
// The names of the registered quirks, for the hardware file's parser.
std::vector<std::string> quirk_names();

// The quirks one estimate counts the reference's way.
class QuirkSet {
public:
    QuirkSet() = default;
    // `text`: none, all, or names separated by commas and/or spaces. Throws std::invalid_argument
    // naming the unknown name and the registered ones.
    static QuirkSet parse(const std::string& text);
    bool has(Quirk q) const { return bits_.test(static_cast<std::size_t>(q)); }
    bool empty() const { return bits_.none(); }
    // `none`, `all`, or the names in registry order joined by spaces.
    std::string describe() const;

private:
    std::bitset<static_cast<std::size_t>(Quirk::count)> bits_;
};

}  // namespace neurosim
