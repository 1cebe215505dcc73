#include "neurosim/quirks.hpp"

#include <sstream>
#include <stdexcept>

namespace neurosim {

const std::vector<QuirkInfo>& quirk_registry() {
    static const std::vector<QuirkInfo> table = {
        {Quirk::htree_latency_double_segments, "htree_latency_double_segments", "H-tree (transfer.cpp)",
         "H-tree latency over segments twice their length (each level starts at the full grid side)"},
        {Quirk::wg_sense_amps_per_column, "wg_sense_amps_per_column", "weight-gradient read (gradient_read_energy.cpp)",
         "gradient-unit sense-amplifier energy summed over every column for each of the rows sharing one"},
        {Quirk::wg_column_through_access_only, "wg_column_through_access_only",
         "weight-gradient read (gradient_read_energy.cpp)",
         "gradient-unit column sensed through the raised cells' access transistors alone"},
        {Quirk::sram_write_half_changes, "sram_write_half_changes", "SRAM weight update (weight_update.cpp)",
         "SRAM writes counted at half the changed rows and the mean of set and reset columns"},
        {Quirk::weight_change_serial_buffer, "weight_change_serial_buffer", "weight transfer (layer_costs_compute.cpp)",
         "weight changes through the tile input buffer without the division by its parallel cores"},
        {Quirk::sram_transposed_mux_energy_as_latency, "sram_transposed_mux_energy_as_latency",
         "SRAM transposed read (readout.cpp)",
         "SRAM transposed read time taken as the mux and decoder energy per read pulse when larger"},
        {Quirk::mapped_row_activity_on_every_row, "mapped_row_activity_on_every_row", "read-out (layer_costs_compute.cpp)",
         "share of 1 bits of the mapped rows charged to every row of a sub-array"},
        {Quirk::encoders_of_unmapped_columns, "encoders_of_unmapped_columns", "read-out (readout.cpp)",
         "every encoder of a sub-array charged at every mux step, mapped columns or not"},
        {Quirk::column_switch_nominal_resistance, "column_switch_nominal_resistance", "transposed read (readout.cpp)",
         "transposed column switch timed at the resistance it is sized for, not the minimum gate laid out"},
        {Quirk::dram_breakdown_activations_six_times, "dram_breakdown_activations_six_times",
         "DRAM breakdown (layer_costs_training.cpp)",
         "the DRAM breakdown counts every activation transfer six times (the phase totals once)"},
        {Quirk::switch_register_leakage_twice, "switch_register_leakage_twice", "leakage (leakage.cpp)",
         "a sub-array's 128-flip-flop switch register leaks twice, in every layer"},
        {Quirk::sequential_settling_once_per_cycle, "sequential_settling_once_per_cycle",
         "sequential read-out (readout_modes.cpp)",
         "sequential read-out's bit-line settling counted once per input cycle, divided by the input bits"},
        {Quirk::layout_at_operating_temperature, "layout_at_operating_temperature", "estimate (estimate.cpp)",
         "pass gates and repeaters sized with the currents at the operating temperature, not at 300 K"},
        {Quirk::output_pixels_without_padding, "output_pixels_without_padding",
         "layer counts (layer_costs_compute.cpp), column sample, weight-gradient unit (chip.cpp)",
         "output pixels counted as (H - k) / stride + 1 per side, as if unpadded, and read activity "
         "sampled over the windows inside the image"},
        {Quirk::transposed_read_fixed_activity, "transposed_read_fixed_activity",
         "transposed read (layer_costs_compute.cpp)",
         "an eNVM sub-array's transposed read drives half of its lines, whatever the layer's bits"},
        {Quirk::fps_epochs_per_second, "fps_epochs_per_second", "performance (performance.cpp)",
         "fps and peak_fps the inverse of the epoch's latency, not the images trained per second"},
        {Quirk::finfet_fins_per_two_f, "finfet_fins_per_two_f", "technology (technology.cpp, gate.cpp)",
         "a FinFET gets one fin per 2F of drawn width (widened by fin pitch / 2F, counted by pitch), and its "
         "gate load and drive follow those fins"},
    };
    return table;
}

std::vector<std::string> quirk_names() {
    std::vector<std::string> names;
    for (const auto& q : quirk_registry()) names.push_back(q.name);
    return names;
}

QuirkSet QuirkSet::parse(const std::string& text) {
    std::string spaced = text;
    for (char& ch : spaced) {
        if (ch == ',') ch = ' ';
    }
    std::istringstream words(spaced);
    std::vector<std::string> names;
    for (std::string word; words >> word;) names.push_back(word);
    QuirkSet set;
    if (names.size() == 1 && names[0] == "none") return set;
    if (names.size() == 1 && names[0] == "all") {
        set.bits_.set();
        return set;
    }
    if (names.empty()) throw std::invalid_argument("no quirk named; use none, all or a list of quirk names");
    for (const auto& name : names) {
        bool found = false;
        for (const auto& q : quirk_registry()) {
            if (name == q.name) {
                set.bits_.set(static_cast<std::size_t>(q.id));
                found = true;
            }
        }
        if (!found) {
            std::string known;
            for (const auto& q : quirk_registry()) known += std::string(known.empty() ? "" : "|") + q.name;
            throw std::invalid_argument("unknown quirk '" + name + "'; use none, all or names among " + known);
        }
    }
    return set;
}

std::string QuirkSet::describe() const {
    if (bits_.none()) return "none";
    if (bits_.all()) return "all";
    std::string out;
    for (const auto& q : quirk_registry()) {
        if (has(q.id)) out += (out.empty() ? "" : " ") + std::string(q.name);
    }
    return out;
}

}  // namespace neurosim
