// CMOS technology and layout rules, loaded from the data directory.
#pragma once

#include <string>
#include <utility>

#include "neurosim/hardware_config.hpp"
#include "neurosim/technology/circuit_fits.hpp"

namespace neurosim {

// Standard-cell layout rules, in units of the feature size F.
struct LayoutRules {
    double min_nmos_width_f = 2;
    double max_transistor_height_f = 28;  // standard-cell height
    double gap_p_n_diffusion_f = 3.5;
    double gap_gate_poly_f = 2.8;
    double poly_extension_over_diffusion_f = 1.0;
    double gap_field_poly_f = 1.6;
    double poly_width_f = 1.0;
    double finfet_poly_width_f = 1.4;     // FinFET nodes (< 22 nm): gate poly width
    double finfet_gap_gate_poly_f = 3.9;  // FinFET nodes: gap between gate polys (the drain strip)
    double m2_pitch_f = 3.2;
    double m3_pitch_f = 2.8;
    double height_width_ratio_limit = 5;  // sense amplifiers are kept at most this elongated
    double bottom_junction_cap_f_per_m2 = 1e-3;
    double sidewall_junction_cap_f_per_m = 2.5e-10;
    double gate_edge_junction_cap_f_per_m = 0.5e-10;
    double bottom_junction_grading = 0.5;
    double sidewall_junction_grading = 0.33;
    double gate_edge_junction_grading = 0.33;
    double built_in_potential_v = 0.9;
    double overlap_cap_ratio = 0.2;   // gate overlap capacitance relative to the ideal gate (bulk only)
    double wire_cap_f_per_m = 2e-10;  // 0.2 fF/um
};

struct TechnologyNode {
    int node_nm = 32;
    DeviceRoadmap roadmap = DeviceRoadmap::lstp;
    double feature_size_m = 32e-9;
    double vdd_v = 0;
    double vth_v = 0;
    double gate_length_m = 0;
    double cap_ideal_gate_f_per_m = 0;
    double cap_fringe_f_per_m = 0;
    double cap_overlap_f_per_m = 0;
    double effective_resistance_multiplier = 0;
    double gm_n = 0, gm_p = 0;  // drain current per width at the transconductance bias, A/m (see transconductance_s)
    double temperature_k = 300;  // operating temperature the on/off currents below are for
    double i_on_n_a_per_m = 0, i_on_p_a_per_m = 0;
    double i_off_n_a_per_m = 0, i_off_p_a_per_m = 0;
    double fin_height_m = 0, fin_width_m = 0, fin_pitch_m = 0;  // zero for bulk nodes
    // PMOS/NMOS width ratio for equal drive, from the 300 K currents: a sizing choice of the layout,
    // which does not change with the operating temperature.
    double pn_size_ratio = 1;
    double cap_junction_f_per_m2 = 0;
    double cap_sidewall_f_per_m = 0;
    double cap_drain_to_channel_f_per_m = 0;
    LayoutRules rules;
    CircuitFits fits;  // fitted circuit characterizations of this node (data/circuits/)
    // Quirk finfet_fins_per_two_f (set by the estimate): a FinFET of drawn width w gets one fin per
    // 2F of it, as the reference widens it by fin pitch / 2F and counts fins by their pitch, and its
    // gate load and drive follow those fins. Otherwise a FinFET gets one fin per 2 x height + width
    // (the width one fin conducts over) and its load and drive follow the drawn width.
    bool fins_per_two_f = false;

    bool finfet() const { return feature_size_m < 22e-9; }
    // Gap between neighbouring gate polys (a drain or source strip) and the gate pitch, with the
    // layout rules of the node's device kind (bulk or FinFET).
    double gate_gap_m() const { return (finfet() ? rules.finfet_gap_gate_poly_f : rules.gap_gate_poly_f) * f(); }
    double gate_pitch_m() const {
        return (finfet() ? rules.finfet_poly_width_f + rules.finfet_gap_gate_poly_f
                         : rules.poly_width_f + rules.gap_gate_poly_f) *
               f();
    }
    double f() const { return feature_size_m; }
    // FinFET nodes: the width one fin conducts over, the fins of a device of drawn width w, and the
    // width those fins conduct over (for bulk nodes, w itself).
    double fin_conducting_width_m() const { return 2 * fin_height_m + fin_width_m; }
    int fins(double width_m) const;
    double conducting_width_m(double width_m) const;
    // The width a device's gate load and drive follow: its fins' under the quirk, else its drawn width.
    double loading_width_m(double width_m) const { return fins_per_two_f ? conducting_width_m(width_m) : width_m; }
    double min_nmos_width_m() const { return rules.min_nmos_width_f * feature_size_m; }
    double cell_height_m() const { return rules.max_transistor_height_f * feature_size_m; }
};

// Temperature at which the chip is laid out: transistors and repeaters are sized with the currents and wire
// resistances at this temperature, whatever the operating temperature.
constexpr double kLayoutTemperatureK = 300;

// On- and off-currents per metre of gate width (A/m) of one node and roadmap at one temperature.
struct TransistorCurrents {
    double i_on_n_a_per_m = 0, i_on_p_a_per_m = 0;
    double i_off_n_a_per_m = 0, i_off_p_a_per_m = 0;
};

// Currents at `temperature_k` from DIR/technology/transistor_currents.csv. Between tabulated temperatures
// on-currents are interpolated linearly and off-currents log-linearly (sub-threshold leakage grows about
// exponentially with temperature). Throws naming the key `temperature_k` outside the tabulated range.
TransistorCurrents load_transistor_currents(const std::string& data_dir, int node_nm, DeviceRoadmap roadmap,
                                            double temperature_k);

// Lowest and highest temperature (K) tabulated for node and roadmap in transistor_currents.csv.
std::pair<double, double> tabulated_temperature_range_k(const std::string& data_dir, int node_nm,
                                                        DeviceRoadmap roadmap);

// Loads node `node_nm` and `roadmap` from DIR/technology/* and its circuit fits from DIR/circuits/*, with the transistor currents at the operating
// temperature `temperature_k`; throws naming the file on a missing entry.
TechnologyNode load_technology(const std::string& data_dir, int node_nm, DeviceRoadmap roadmap,
                               double temperature_k = kLayoutTemperatureK);

struct WireProperties {
    double aspect_ratio = 0;
    double resistivity_ohm_m = 0;  // at 300 K
    double tcr_per_k = 0;          // relative change per kelvin away from 300 K
};

// Resistance per metre of a wire of the tabulated width; throws when the width is not tabulated.
WireProperties load_wire(const std::string& data_dir, int wire_width_nm);
double wire_resistance_ohm_per_m(const WireProperties& wire, int wire_width_nm, double temperature_k = 300);

}  // namespace neurosim
