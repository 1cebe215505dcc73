// Fitted characterizations of circuit blocks per technology node, read from DIR/circuits/*.csv (each
// row names its source): the multilevel sense amplifier's power and resolution time, and the SAR
// converter's power; and the stack-leakage ratios of the gate leakage model.
#pragma once

#include <optional>
#include <string>

#include "neurosim/hardware_config.hpp"

namespace neurosim {

// Power of one multilevel sense amplifier column: bias_w_per_comparator x (levels - 1) +
// column_coeff_w x R^(-column_exponent / ln 10) (R in ohm), i.e. coefficient x exp(-exponent x log10 R).
struct SenseAmpPowerFit {
    double bias_w_per_comparator = 0;
    double column_coeff_w = 0;
    double column_exponent = 0;
    double bias_uw_per_comparator = 0;  // the same bias in uW, as tabulated
    double open_column_power_w = 0;     // a column without cell current (sense_amp_limits.csv)
};

// Resolution time of the current-mode sense amplifier: T_max(R) = (a_ns ln(R / 1 kOhm) + b_ns) ns, shaped
// by the ratio r of a comparator's reference to the column resistance: a cubic below r = 0.9, a quartic
// above (coefficients from the highest power down).
struct SenseTimeFit {
    double a_ns = 0, b_ns = 0;
    double cubic[4] = {};
    double quartic[5] = {};
};

// SAR converter power: static_per_bit_w x bits + static_base_w + column_w x exp(-column_slope x log10 R).
struct SarPowerFit {
    double static_per_bit_w = 0, static_base_w = 0, column_w = 0, column_slope = 0;
};

// Average leakage of a stack of off transistors relative to one off device, over the input states that
// turn the stack off: two-high and three-or-more-high NAND pull-ups and NOR pull-downs
// (data/circuits/stack_leakage.csv).
struct StackLeakageFit {
    double nand2 = 0, nand3 = 0, nor2 = 0, nor3 = 0;
};

// Limits of the sense amplifier's characterization (data/circuits/sense_amp_limits.csv).
struct SenseAmpLimits {
    double min_resolve_s = 0;       // shortest resolution; voltage-mode clock; untabulated nodes
    double max_resolve_s = 0;       // longest current-mode resolution
    double far_ratio_above = 0;     // reference / column resistance at or above: shortest time
    double far_ratio_below = 0;     // ... at or below: shortest time
    double cubic_ratio_limit = 0;   // cubic time shape up to this ratio, quartic above
    double open_column_power_w = 0;  // a column without cell current (inference read-out)
};

// Transistor budget and open-column power of one SAR converter (data/circuits/sar_adc_budget.csv).
struct SarBudgetFit {
    double nmos_first_bit = 0, nmos_per_extra_bit = 0;  // minimum NMOS devices
    double pmos_first_bit = 0, pmos_per_extra_bit = 0;  // minimum PMOS devices
    double open_column_power_w = 0;                     // a converter on a column without read current
};

struct CircuitFits {
    SenseAmpPowerFit sense_power_current, sense_power_voltage;  // the tabulated node nearest to the node
    std::optional<SenseTimeFit> sense_time;  // none: resolves in sense_limits.min_resolve_s
    std::optional<SarPowerFit> sar_power;    // none: no SAR converter is characterized at this node
    StackLeakageFit stack_leakage;           // the same at every node
    SenseAmpLimits sense_limits;             // the same at every node
    SarBudgetFit sar_budget;                 // the same at every node

    const SenseAmpPowerFit& sense_power(bool current_mode) const {
        return current_mode ? sense_power_current : sense_power_voltage;
    }
};

// The fits of `node_nm` and `roadmap`; throws naming the file when a table is missing or malformed.
CircuitFits load_circuit_fits(const std::string& data_dir, int node_nm, DeviceRoadmap roadmap);

}  // namespace neurosim
