// Wire broken by evenly spaced inverters: the one repeater model of the estimator. It sizes the
// repeaters and owns their delay, charging energy and leakage; the H-tree layout (circuits.hpp:
// HTreeBus) and the data paths (transfer.hpp) both take their repeaters from it.
#pragma once

#include "neurosim/technology/technology.hpp"

namespace neurosim {

// How the repeaters are made smaller within the delay tolerance. The reference sizes them three ways
// and each is kept so that its numbers hold:
//  - halve: H-tree timing; start from the delay-optimal size rounded down (at least a minimum
//    inverter), halve the size and shrink the spacing by 10 % per step.
//  - halve_unbounded: H-tree layout (HTreeBus area); as halve, but the rounded-down optimum may be
//    zero and a size is never clamped, so a small optimum ends below a minimum inverter.
//  - step_down: PE buses; one size step at a time while the size is at least 1, ending at least at a
//    minimum inverter.
enum class RepeaterRelaxing { halve, halve_unbounded, step_down };

struct RepeatedWireParams {
    double wire_resistance_ohm_per_m = 1e6;  // sizes the repeaters
    double delay_tolerance = 0.1;            // relative delay the smaller repeaters may add
    RepeaterRelaxing relaxing = RepeaterRelaxing::halve;
};

// Repeaters start from the delay-optimal size and spacing (H. B. Bakoglu, "Circuits, Interconnections,
// and Packaging for VLSI", 1990) and are made smaller while the delay stays within the tolerance.
class RepeatedWire {
public:
    RepeatedWire(const RepeatedWireParams& p, const TechnologyNode& t);
    double repeater_size() const { return size_; }  // in minimum inverters
    double spacing_m() const { return spacing_m_; }
    // 50% delay per metre (0.7 x the Elmore delay of one segment) on a wire of the given resistance.
    double delay_s_per_m(double wire_resistance_ohm_per_m) const;
    double delay_s_per_m() const { return delay_s_per_m(p_.wire_resistance_ohm_per_m); }
    // Energy to charge one metre (wire and repeaters) once from the supply.
    double charge_energy_j_per_m() const;
    // Standing leakage of one repeater (an inverter of repeater_size()).
    double repeater_leakage_w() const;

private:
    RepeatedWireParams p_;
    const TechnologyNode& t_;
    double size_ = 1;
    double spacing_m_ = 0;
    double cap_in_f_ = 0, cap_out_f_ = 0, res_ohm_ = 0;
};

}  // namespace neurosim
