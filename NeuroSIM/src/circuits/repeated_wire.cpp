#include "neurosim/circuits/repeated_wire.hpp"

#include <algorithm>
#include <cmath>

#include "neurosim/technology/gate.hpp"
#include "neurosim/training/leakage.hpp"

namespace neurosim {
namespace {

GateCapacitance inverter_caps(double size, const TechnologyNode& t) {
    const double wn = size * t.min_nmos_width_m();
    return gate_capacitance(GateKind::inverter, 1, wn, t.pn_size_ratio * wn, t.cell_height_m(), t);
}

// Pull-up plus pull-down resistance of an inverter `size` times the minimum.
double inverter_resistance_ohm(double size, const TechnologyNode& t) {
    const double wn = size * t.min_nmos_width_m();
    return on_resistance_ohm(wn, true, t) + on_resistance_ohm(t.pn_size_ratio * wn, false, t);
}

// 0.7 x the Elmore delay of one repeated-wire segment `d` long: a repeater of resistance `r` and
// capacitances `c` driving its own drain, the wire and the next repeater's gate.
double segment_delay_s(double r, const GateCapacitance& c, double d, double wire_r, double wire_c) {
    return 0.7 * (r * (c.input_f + c.output_f + wire_c * d) + 0.5 * wire_r * d * wire_c * d + wire_r * d * c.input_f);
}

}  // namespace

RepeatedWire::RepeatedWire(const RepeatedWireParams& p, const TechnologyNode& t) : p_(p), t_(t) {
    const bool halve = p.relaxing != RepeaterRelaxing::step_down;
    const bool bounded = p.relaxing != RepeaterRelaxing::halve_unbounded;
    const GateCapacitance min_caps = inverter_caps(1, t);
    const double r_min = inverter_resistance_ohm(1, t);
    const double wire_r = p.wire_resistance_ohm_per_m;
    const double wire_c = t.rules.wire_cap_f_per_m;
    size_ = std::floor(std::sqrt(r_min * wire_c / min_caps.input_f / wire_r));
    if (bounded) size_ = std::max(1.0, size_);
    spacing_m_ = std::sqrt(2 * r_min * (min_caps.output_f + min_caps.input_f) / (wire_r * wire_c));
    auto delay_per_m = [&](double size) {
        const double r = inverter_resistance_ohm(size, t);
        return segment_delay_s(r, inverter_caps(size, t), spacing_m_, wire_r, wire_c) / spacing_m_;
    };
    const double optimum = delay_per_m(size_);
    if (p.delay_tolerance > 0) {
        double delay = 0;
        while (delay < optimum * (1 + p.delay_tolerance) && (halve || size_ >= 1)) {
            size_ = halve ? size_ / 2 : size_ - 1;
            spacing_m_ *= 0.9;
            delay = delay_per_m(bounded ? std::max(size_, 1e-3) : size_);
        }
    }
    if (!halve) size_ = std::max(1.0, size_);
    const GateCapacitance caps = inverter_caps(size_, t);
    cap_in_f_ = caps.input_f;
    cap_out_f_ = caps.output_f;
    res_ohm_ = inverter_resistance_ohm(size_, t);
}

double RepeatedWire::delay_s_per_m(double wire_r) const {
    return segment_delay_s(res_ohm_, {cap_in_f_, cap_out_f_}, spacing_m_, wire_r, t_.rules.wire_cap_f_per_m) /
           spacing_m_;
}

double RepeatedWire::charge_energy_j_per_m() const {
    return (cap_in_f_ + cap_out_f_ + t_.rules.wire_cap_f_per_m * spacing_m_) * t_.vdd_v * t_.vdd_v / spacing_m_;
}

double RepeatedWire::repeater_leakage_w() const {
    const double wn = size_ * t_.min_nmos_width_m();
    return gate_leakage_current_a(GateKind::inverter, 1, wn, t_.pn_size_ratio * wn, t_) * t_.vdd_v;
}

}  // namespace neurosim
