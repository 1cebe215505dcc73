#include "neurosim/technology/circuit_fits.hpp"

#include <cstdlib>
#include <map>
#include <stdexcept>
#include <vector>

#include "neurosim/technology/tables.hpp"

namespace neurosim {
namespace {

using Record = std::map<std::string, std::string>;

std::string roadmap_text(DeviceRoadmap roadmap) {
    return roadmap == DeviceRoadmap::hp ? "hp" : "lstp";
}

int node_of(const Record& r, const std::string& path) {
    return static_cast<int>(number_of(field_of(r, "node_nm", path), path));
}

// The sense-amplifier power of the tabulated node nearest to `node_nm` in one roadmap and mode.
SenseAmpPowerFit sense_power(const std::vector<Record>& table, const std::string& path, int node_nm,
                             const std::string& roadmap, const std::string& mode) {
    const Record* best = nullptr;
    for (const Record& r : table) {
        if (field_of(r, "roadmap", path) != roadmap || field_of(r, "mode", path) != mode) continue;
        if (!best || std::abs(node_of(r, path) - node_nm) < std::abs(node_of(*best, path) - node_nm)) best = &r;
    }
    if (!best) throw std::runtime_error(path + ": no row for roadmap " + roadmap + ", mode " + mode);
    const std::string& bias_uw = field_of(*best, "bias_uw_per_comparator", path);
    SenseAmpPowerFit fit;
    fit.bias_uw_per_comparator = number_of(bias_uw, path);
    // Scaled in the decimal text, so the bias in W carries no extra rounding.
    fit.bias_w_per_comparator = number_of(bias_uw + "e-6", path);
    fit.column_coeff_w = number_of(field_of(*best, "column_coeff_w", path), path);
    fit.column_exponent = number_of(field_of(*best, "column_exponent", path), path);
    return fit;
}

// The row of exactly `node_nm` and `roadmap`, or null.
const Record* exact_row(const std::vector<Record>& table, const std::string& path, int node_nm,
                        const std::string& roadmap) {
    for (const Record& r : table) {
        if (node_of(r, path) == node_nm && field_of(r, "roadmap", path) == roadmap) return &r;
    }
    return nullptr;
}

std::optional<SenseTimeFit> sense_time(const std::string& path, int node_nm, const std::string& roadmap) {
    const std::vector<Record> table = read_csv_records(path);
    const Record* r = exact_row(table, path, node_nm, roadmap);
    if (!r) return std::nullopt;
    auto num = [&](const std::string& key) { return number_of(field_of(*r, key, path), path); };
    SenseTimeFit fit;
    fit.a_ns = num("a_ns");
    fit.b_ns = num("b_ns");
    for (int i = 0; i < 4; ++i) fit.cubic[i] = num("cubic" + std::to_string(3 - i));
    for (int i = 0; i < 5; ++i) fit.quartic[i] = num("quartic" + std::to_string(4 - i));
    return fit;
}

std::optional<SarPowerFit> sar_power(const std::string& path, int node_nm, const std::string& roadmap) {
    const std::vector<Record> table = read_csv_records(path);
    const Record* r = exact_row(table, path, node_nm, roadmap);
    if (!r) return std::nullopt;
    auto num = [&](const std::string& key) { return number_of(field_of(*r, key, path), path); };
    return SarPowerFit{num("static_per_bit_w"), num("static_base_w"), num("column_w"), num("column_slope")};
}

// The ratio of each stack (gate, inputs) the leakage model needs; throws naming a missing one.
StackLeakageFit stack_leakage(const std::string& path) {
    const std::vector<Record> table = read_csv_records(path);
    auto ratio = [&](const std::string& gate, const std::string& inputs) {
        for (const Record& r : table) {
            if (field_of(r, "gate", path) == gate && field_of(r, "inputs", path) == inputs) {
                return number_of(field_of(r, "factor", path), path);
            }
        }
        throw std::runtime_error(path + ": no row for gate " + gate + " with " + inputs + " inputs");
    };
    return {ratio("nand", "2"), ratio("nand", "3"), ratio("nor", "2"), ratio("nor", "3")};
}

// A table of named quantities (quantity,value,source); `value(name)` throws naming a missing one.
class QuantityTable {
public:
    explicit QuantityTable(const std::string& path) : path_(path), table_(read_csv_records(path)) {}
    double value(const std::string& quantity) const {
        for (const Record& r : table_) {
            if (field_of(r, "quantity", path_) == quantity) return number_of(field_of(r, "value", path_), path_);
        }
        throw std::runtime_error(path_ + ": no row for quantity " + quantity);
    }

private:
    std::string path_;
    std::vector<Record> table_;
};

SarBudgetFit sar_budget(const std::string& path) {
    const QuantityTable table(path);
    return {table.value("nmos_first_bit"), table.value("nmos_per_extra_bit"), table.value("pmos_first_bit"),
            table.value("pmos_per_extra_bit"), table.value("open_column_power_w")};
}

// The named limits of sense_amp_limits.csv.
SenseAmpLimits sense_limits(const std::string& path) {
    const QuantityTable table(path);
    auto value = [&table](const std::string& quantity) { return table.value(quantity); };
    SenseAmpLimits l;
    l.min_resolve_s = value("min_resolve_s");
    l.max_resolve_s = value("max_resolve_s");
    l.far_ratio_above = value("far_ratio_above");
    l.far_ratio_below = value("far_ratio_below");
    l.cubic_ratio_limit = value("cubic_ratio_limit");
    l.open_column_power_w = value("open_column_power_w");
    return l;
}

}  // namespace

CircuitFits load_circuit_fits(const std::string& data_dir, int node_nm, DeviceRoadmap roadmap) {
    const std::string dir = data_dir + "/circuits/";
    const std::string road = roadmap_text(roadmap);
    CircuitFits fits;
    const std::string power_path = dir + "sense_amp_power.csv";
    const std::vector<Record> power = read_csv_records(power_path);
    fits.sense_limits = sense_limits(dir + "sense_amp_limits.csv");
    fits.sense_power_current = sense_power(power, power_path, node_nm, road, "current");
    fits.sense_power_voltage = sense_power(power, power_path, node_nm, road, "voltage");
    fits.sense_power_current.open_column_power_w = fits.sense_limits.open_column_power_w;
    fits.sense_power_voltage.open_column_power_w = fits.sense_limits.open_column_power_w;
    fits.sense_time = sense_time(dir + "sense_amp_time.csv", node_nm, road);
    fits.sar_power = sar_power(dir + "sar_adc_power.csv", node_nm, road);
    fits.stack_leakage = stack_leakage(dir + "stack_leakage.csv");
    fits.sar_budget = sar_budget(dir + "sar_adc_budget.csv");
    return fits;
}

}  // namespace neurosim
