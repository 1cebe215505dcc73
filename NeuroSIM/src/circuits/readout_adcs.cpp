// The built-in read-out converters: the multilevel sense amplifier ("mlsa") and the successive-
// approximation converter ("sar").
#include <algorithm>
#include <cmath>

#include "neurosim/array/readout_modes.hpp"
#include "neurosim/circuits/readout_adc.hpp"
#include "neurosim/circuits/sar_adc.hpp"
#include "neurosim/circuits/sense_amp_power.hpp"
#include "neurosim/training/gradient_read_energy.hpp"
#include "neurosim/training/leakage.hpp"
#include "neurosim/training/training_circuits.hpp"

namespace neurosim {
namespace {

// levels - 1 current (or voltage) comparators per column, then a thermometer-to-binary encoder.
class MultilevelSenseAmpReadout final : public ReadoutAdc {
public:
    std::vector<Footprint> layouts(const DesignContext& ctx, int readouts, int levels, const Fit& fit) const override {
        return {MultilevelSenseAdc({readouts, levels, ctx.array_config.sense_current_mode}, ctx.tech).layout(fit),
                ThermometerEncoder({levels, readouts}, ctx.tech).layout(fit)};
    }

    std::vector<Footprint> single_cell_layouts(const DesignContext& ctx, int readouts, int levels,
                                               const Fit& fit) const override {
        std::vector<Footprint> out{
            MultilevelSenseAdc({readouts, levels, ctx.array_config.sense_current_mode}, ctx.tech).layout(fit)};
        // A single comparator gives the bit itself.
        if (levels > 2) out.push_back(ThermometerEncoder({levels, readouts}, ctx.tech).layout(fit));
        return out;
    }

    SensingCost parallel_sensing(const DesignContext& ctx, int levels, const ColumnSample& sample) const override {
        return mean_sensing_cost(SenseAmpAdc(ctx, levels), sample);
    }

    SensingCost single_cell_sensing(const DesignContext& ctx, int /*readouts*/, int levels,
                                    const std::vector<float>& g) const override {
        // Comparator references of a single cell (no division by the rows read together).
        ArrayConfig one_row = ctx.array_config;
        one_row.subarray_rows = 1;
        const DesignContext cell_ctx(ctx, one_row);
        const SenseAmpAdc adc(cell_ctx, levels);
        const SenseAmpAdc::ReadSensing r = adc.read_sensing(g.data(), static_cast<int>(g.size()));
        SensingCost s;
        s.time_s = r.time_s;
        s.energy_per_column_j = r.energy_j / g.size();
        s.thermometer_encoder = levels > 2;
        return s;
    }

    double idle_leakage_w(int readouts, int levels, const TechnologyNode& t) const override {
        return encoder_leakage_w(levels, readouts, t);
    }

    double gradient_conversion_s(const DesignContext& ctx, int /*readouts*/, int /*levels*/) const override {
        // The comparators resolve within the amplifier's floor; the thermometer code then passes an
        // inverter and a NAND level per output bit of the encoder.
        const TechnologyNode& t = ctx.tech;
        const double wmin = t.min_nmos_width_m(), wpmin = t.pn_size_ratio * wmin, wn2 = 2 * wmin;
        const double rn = on_resistance_ohm(wmin, true, t);
        const GateCapacitance inv = gate_capacitance(GateKind::inverter, 1, wmin, wpmin, t.cell_height_m(), t);
        const GateCapacitance nand = gate_capacitance(GateKind::nand, 2, wn2, wpmin, t.cell_height_m(), t);
        double slope = kStepSlope;
        const double encode_s =
            horowitz_delay_s(rn * (inv.output_f + nand.input_f), slope, &slope) +
            horowitz_delay_s(2 * on_resistance_ohm(wn2, true, t) * (nand.output_f + inv.input_f), slope);
        return t.fits.sense_limits.min_resolve_s + encode_s;
    }

    double gradient_conversion_j(const DesignContext& ctx, int /*readouts*/, int levels,
                                 double column_ohm) const override {
        const TechnologyNode& t = ctx.tech;
        const double convert_j =
            SenseAmpPower(t.fits.sense_power(ctx.array_config.sense_current_mode), levels).at_resistance_w(column_ohm) *
            t.fits.sense_limits.min_resolve_s;
        // The thermometer code (levels-1 comparator outputs) switches about half its encoder inputs.
        const double wmin = t.min_nmos_width_m(), wpmin = t.pn_size_ratio * wmin;
        const GateCapacitance inv = gate_capacitance(GateKind::inverter, 1, wmin, wpmin, t.cell_height_m(), t);
        const double encode_j = 0.5 * (levels - 1) * (inv.input_f + inv.output_f) * t.vdd_v * t.vdd_v;
        return convert_j + encode_j;
    }
};

// One converter per read-out line resolving log2(levels) bits, one per step; its register holds the
// binary code, so no encoder follows.
class SarReadout final : public ReadoutAdc {
public:
    std::vector<Footprint> layouts(const DesignContext& ctx, int readouts, int levels, const Fit& fit) const override {
        return {SarAdc({readouts, levels}, ctx.tech).layout(fit)};
    }

    std::vector<Footprint> single_cell_layouts(const DesignContext& ctx, int readouts, int levels,
                                               const Fit& fit) const override {
        return layouts(ctx, readouts, levels, fit);
    }

    SensingCost parallel_sensing(const DesignContext& ctx, int levels, const ColumnSample& sample) const override {
        const int readouts = std::max(1, ctx.array_config.subarray_cols / ctx.array_config.columns_per_adc);
        return sar_sensing_cost(SarAdc({readouts, levels}, ctx.tech), sample);
    }

    SensingCost single_cell_sensing(const DesignContext& ctx, int readouts, int levels,
                                    const std::vector<float>& g) const override {
        return sar_sensing_cost(SarAdc({readouts, levels}, ctx.tech), ColumnSample{g, {}});
    }

    double idle_leakage_w(int readouts, int levels, const TechnologyNode& t) const override {
        // The approximation registers.
        const int bits = static_cast<int>(std::log2(static_cast<double>(levels)));
        return flip_flop_leakage_w(static_cast<double>(bits) * readouts, t);
    }

    double gradient_conversion_s(const DesignContext& ctx, int readouts, int levels) const override {
        return SarAdc({readouts, levels}, ctx.tech).conversion_latency_s();
    }

    double gradient_conversion_j(const DesignContext& ctx, int readouts, int levels, double column_ohm) const override {
        return SarAdc({readouts, levels}, ctx.tech).conversion_energy_j(column_ohm);
    }
};

Registry<ReadoutAdc> builtin_readout_adcs() {
    Registry<ReadoutAdc> r("adc_type");
    r.add("mlsa", "multilevel sense amplifier: levels - 1 comparators and a thermometer encoder",
          [] { return std::make_unique<MultilevelSenseAmpReadout>(); });
    r.add("sar", "successive-approximation converter: log2(levels) bits, one per step",
          [] { return std::make_unique<SarReadout>(); });
    return r;
}

}  // namespace

Registry<ReadoutAdc>& readout_adc_registry() {
    static Registry<ReadoutAdc> registry = builtin_readout_adcs();
    return registry;
}

}  // namespace neurosim
