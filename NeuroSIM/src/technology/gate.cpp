#include "neurosim/technology/gate.hpp"

#include <algorithm>
#include <cmath>

namespace neurosim {
namespace {

// Diffusion of one transistor type inside a cell: how many fingers, how tall, how wide one device is.
struct Diffusion {
    int folds = 1;
    double region_height_m = 0;  // diffusion height actually used
    double unit_width_m = 0;     // width of one device including its poly pitch
    double drain_width_m = 0;    // width of the drain strip(s) of one device
    double source_width_m = 0;
};

struct CellPlan {
    Diffusion n, p;
};

// A bulk device of width `w` in a diffusion at most `max_w` high: folded into fingers when wider.
Diffusion bulk_diffusion(double w, double max_w, double pitch, double gap) {
    Diffusion d;
    if (w <= 0) return d;
    if (w <= max_w) {
        d.unit_width_m = 2 * pitch;
        d.region_height_m = w;
        d.drain_width_m = d.source_width_m = gap;
    } else {
        d.folds = static_cast<int>(std::ceil(w / max_w));
        d.unit_width_m = (d.folds + 1) * pitch;
        d.region_height_m = max_w;
        d.drain_width_m = std::ceil((d.folds + 1) / 2.0) * gap;
        d.source_width_m = std::floor((d.folds + 1) / 2.0) * gap;
    }
    return d;
}

// A FinFET device of width `w` (whole fins) in `share` of the cell height: rows of fins when taller.
Diffusion fin_diffusion(double w, double share, double pitch, double gap, const TechnologyNode& t) {
    Diffusion d;
    const int fins = t.fins(w);
    if (fins <= 0) return d;
    const int max_fins = static_cast<int>(std::floor(share / t.fin_pitch_m)) + 1;
    if (fins <= max_fins) {
        d.unit_width_m = 2 * pitch;
        d.region_height_m = (fins - 1) * t.fin_pitch_m + t.fin_width_m;
        d.drain_width_m = d.source_width_m = gap;
    } else {
        // Whole rows of fins, rounded down as in the calibration reference.
        d.folds = fins / max_fins;
        d.unit_width_m = (d.folds + 1) * pitch;
        d.region_height_m = (max_fins - 1) * t.fin_pitch_m + t.fin_width_m;
        d.drain_width_m = std::ceil((d.folds + 1) / 2.0) * gap;
        d.source_width_m = std::floor((d.folds + 1) / 2.0) * gap;
    }
    return d;
}

// Splits the usable cell height between PMOS and NMOS in proportion to their widths.
CellPlan plan_cell(double wn, double wp, double cell_height_m, const TechnologyNode& t) {
    const LayoutRules& r = t.rules;
    const double f = t.f();
    const double margin = (r.poly_extension_over_diffusion_f + r.gap_field_poly_f / 2) * 2 * f;
    const double ratio = wp / (wp + wn);
    const double pitch = t.gate_pitch_m();
    const double gap = t.gate_gap_m();
    CellPlan plan;
    if (t.finfet()) {
        const double usable_single = cell_height_m - margin;
        const double usable_pair = cell_height_m - r.gap_p_n_diffusion_f * f - margin;
        plan.p = fin_diffusion(wp, ratio == 1 ? usable_single : ratio * usable_pair, pitch, gap, t);
        plan.n = fin_diffusion(wn, ratio == 0 ? usable_single : (1 - ratio) * usable_pair, pitch, gap, t);
        return plan;
    }
    double max_p = 0, max_n = 0;
    if (ratio == 0) {
        max_n = cell_height_m - margin;
    } else if (ratio == 1) {
        max_p = cell_height_m - margin;
    } else {
        max_p = ratio * (cell_height_m - r.gap_p_n_diffusion_f * f - margin);
        max_n = max_p / ratio * (1 - ratio);
    }
    plan.p = bulk_diffusion(wp, max_p, pitch, gap);
    plan.n = bulk_diffusion(wn, max_n, pitch, gap);
    return plan;
}

// Drain strip widths and sidewall perimeters of the output node, per transistor type.
struct OutputDiffusion {
    double drain_n = 0, drain_p = 0, side_n = 0, side_p = 0;
};

int odd(int v) {
    return v % 2;
}

OutputDiffusion inverter_output(const CellPlan& plan, double wn, double wp) {
    const Diffusion& n = plan.n;
    const Diffusion& p = plan.p;
    OutputDiffusion o;
    if (wp > 0) {
        o.drain_p = p.drain_width_m;
        o.side_p = o.drain_p * 2 + p.region_height_m * (1 + odd(p.folds + 1));
    }
    if (wn > 0) {
        o.drain_n = n.drain_width_m;
        // The calibration reference parity uses the PMOS fold count here; kept for equal results.
        o.side_n = o.drain_n * 2 + n.region_height_m * (1 + odd(p.folds + 1));
    }
    return o;
}

// In a NOR the PMOS are in series and the NMOS in parallel; a NAND is the dual.
OutputDiffusion stack_output(GateKind kind, int inputs, const CellPlan& plan, double wn, double wp) {
    const bool nor = kind == GateKind::nor;
    const bool unfolded = plan.p.folds == 1 && plan.n.folds == 1;
    const Diffusion& series = nor ? plan.p : plan.n;
    const Diffusion& parallel = nor ? plan.n : plan.p;
    double drain_series = 0, side_series = 0, drain_parallel = 0, side_parallel = 0;
    const double w_series = nor ? wp : wn;
    const double w_parallel = nor ? wn : wp;
    if (unfolded) {
        if (w_series > 0) {
            drain_series = series.drain_width_m * inputs;
            side_series = drain_series * 2 + series.region_height_m;
        }
        if (w_parallel > 0) {
            drain_parallel = parallel.drain_width_m * std::floor((inputs + 1) / 2.0);
            side_parallel = drain_parallel * 2 + parallel.region_height_m * (1 - odd(inputs + 1));
        }
    } else {
        if (w_series > 0) {
            drain_series = series.drain_width_m * inputs + (inputs - 1) * series.source_width_m;
            side_series = drain_series * 2 + series.region_height_m * (1 + odd(series.folds + 1)) * inputs +
                          series.region_height_m * (1 - odd(series.folds + 1)) * (inputs - 1);
        }
        if (w_parallel > 0) {
            drain_parallel = parallel.drain_width_m * inputs;
            side_parallel = drain_parallel * 2 + parallel.region_height_m * (1 + odd(parallel.folds + 1)) * inputs;
        }
    }
    if (nor) return {drain_parallel, drain_series, side_parallel, side_series};
    return {drain_series, drain_parallel, side_series, side_parallel};
}

// A pass gate's fins: one per conducting width of fin (quirk finfet_fins_per_two_f: of its width
// widened by fin pitch / 2F, as the reference sizes pass gates).
int pass_gate_fins(double w, const TechnologyNode& t) {
    const double widened = t.fins_per_two_f ? w * t.fin_pitch_m / (2 * t.f()) : w;
    return static_cast<int>(std::ceil(widened / t.fin_conducting_width_m()));
}

}  // namespace

Footprint gate_footprint(GateKind kind, int inputs, double wn, double wp, double cell_height_m,
                         const TechnologyNode& t) {
    const CellPlan plan = plan_cell(wn, wp, cell_height_m, t);
    const double shared = t.gate_pitch_m();
    double width_p = plan.p.unit_width_m;
    double width_n = plan.n.unit_width_m;
    if (kind != GateKind::inverter) {
        // Unfolded series/parallel stacks share source/drain strips between neighbours.
        const bool share = plan.p.folds == 1 && plan.n.folds == 1;
        width_p = plan.p.unit_width_m * inputs - (share ? (inputs - 1) * shared : 0.0);
        width_n = plan.n.unit_width_m * inputs - (share ? (inputs - 1) * shared : 0.0);
        if (plan.p.unit_width_m == 0) width_p = 0;
        if (plan.n.unit_width_m == 0) width_n = 0;
    }
    return {cell_height_m, std::max(width_n, width_p)};
}

Footprint standard_cell(GateKind kind, int inputs, double wn, double wp, const TechnologyNode& t) {
    return gate_footprint(kind, inputs, wn, wp, t.cell_height_m(), t);
}

Footprint pass_gate_footprint(double wn, double wp, int folds, const TechnologyNode& t) {
    const LayoutRules& r = t.rules;
    const double f = t.f();
    const double margin = (r.poly_extension_over_diffusion_f + r.gap_field_poly_f / 2) * 2 * f;
    Footprint fp;
    fp.width_m = (folds + 1) * t.gate_pitch_m();
    if (!t.finfet()) {
        fp.height_m = wp / folds + wn / folds + r.gap_p_n_diffusion_f * f + margin;
    } else {
        const int fins_p = static_cast<int>(std::ceil(pass_gate_fins(wp, t) / static_cast<double>(folds)));
        const int fins_n = static_cast<int>(std::ceil(pass_gate_fins(wn, t) / static_cast<double>(folds)));
        fp.height_m = (fins_p - 1) * t.fin_pitch_m + t.fin_width_m + (fins_n - 1) * t.fin_pitch_m + t.fin_width_m +
                      r.gap_p_n_diffusion_f * f + margin;
    }
    return fp;
}

double gate_input_capacitance_f(double width_m, const TechnologyNode& t) {
    return (t.cap_ideal_gate_f_per_m + t.cap_overlap_f_per_m + t.cap_fringe_f_per_m) * t.loading_width_m(width_m);
}

GateCapacitance gate_capacitance(GateKind kind, int inputs, double wn, double wp, double cell_height_m,
                                 const TechnologyNode& t) {
    const CellPlan plan = plan_cell(wn, wp, cell_height_m, t);
    const Diffusion& n = plan.n;
    const Diffusion& p = plan.p;
    const OutputDiffusion o =
        kind == GateKind::inverter ? inverter_output(plan, wn, wp) : stack_output(kind, inputs, plan, wn, wp);
    GateCapacitance c;
    c.output_f = o.drain_n * n.region_height_m * t.cap_junction_f_per_m2 +
                 o.drain_p * p.region_height_m * t.cap_junction_f_per_m2 + o.side_n * t.cap_sidewall_f_per_m +
                 o.side_p * t.cap_sidewall_f_per_m + n.folds * n.region_height_m * t.cap_drain_to_channel_f_per_m +
                 p.folds * p.region_height_m * t.cap_drain_to_channel_f_per_m;
    c.input_f = gate_input_capacitance_f(wn, t) + gate_input_capacitance_f(wp, t);
    return c;
}

double on_resistance_ohm(double width_m, bool nmos, const TechnologyNode& t) {
    const double current = nmos ? t.i_on_n_a_per_m : t.i_on_p_a_per_m;
    return t.effective_resistance_multiplier * t.vdd_v / (current * t.loading_width_m(width_m));
}

double transconductance_s(double width_m, bool nmos, const TechnologyNode& tech) {
    const double current_a = (nmos ? tech.gm_n : tech.gm_p) * width_m;
    return 2 * current_a / (0.7 * tech.vdd_v - tech.vth_v);
}

}  // namespace neurosim
