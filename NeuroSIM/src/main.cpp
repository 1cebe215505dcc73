// neurosim --trace DIR --hardware FILE --out DIR [--data DIR]
// neurosim --list-keys [--json]
// neurosim --list-rules [--json]
// neurosim --check-hardware FILE
// neurosim --list-quirks
#include <filesystem>
#include <iostream>
#include <string>

#include "neurosim/estimate.hpp"
#include "neurosim/hardware_config.hpp"
#include "neurosim/quirks.hpp"
#include "neurosim/io/results.hpp"
#include "neurosim/io/trace.hpp"

namespace {

struct Arguments {
    std::string trace_dir, hardware_file, out_dir, check_file;
    std::string data_dir = NEUROSIM_DATA_DIR;
    bool list_keys = false;
    bool list_rules = false;
    bool list_quirks = false;
    bool json = false;
};

const char* const kUsage =
    "usage: neurosim --trace DIR --hardware FILE --out DIR [--data DIR]\n"
    "       neurosim --list-keys [--json]\n"
    "           every hardware key: name, type, unit, default, range, meaning and the blocks that read it\n"
    "           (tab-separated, or a JSON array of objects)\n"
    "       neurosim --list-rules [--json]\n"
    "           every rule over several hardware keys: the key it blames, the condition that must hold and\n"
    "           its message (tab-separated, or a JSON array of {key, holds, message})\n"
    "       neurosim --check-hardware FILE\n"
    "           validate a hardware file only (exit 0 when it is accepted, 1 with the reason)\n"
    "       neurosim --list-quirks\n"
    "           every reference quirk (hardware key reference_quirks): name, block, meaning (tab-separated)\n";

bool parse_arguments(int argc, char** argv, Arguments* args) {
    for (int i = 1; i < argc; ++i) {
        const std::string flag = argv[i];
        if (flag == "--list-keys") {
            args->list_keys = true;
            continue;
        }
        if (flag == "--list-rules") {
            args->list_rules = true;
            continue;
        }
        if (flag == "--list-quirks") {
            args->list_quirks = true;
            continue;
        }
        if (flag == "--json") {
            args->json = true;
            continue;
        }
        if (i + 1 >= argc) return false;
        const std::string value = argv[++i];
        if (flag == "--trace") {
            args->trace_dir = value;
        } else if (flag == "--hardware") {
            args->hardware_file = value;
        } else if (flag == "--out") {
            args->out_dir = value;
        } else if (flag == "--data") {
            args->data_dir = value;
        } else if (flag == "--check-hardware") {
            args->check_file = value;
        } else {
            return false;
        }
    }
    const bool run = !args->trace_dir.empty() || !args->hardware_file.empty() || !args->out_dir.empty();
    const int modes = int(args->list_keys) + int(args->list_rules) + int(args->list_quirks) +
                      int(!args->check_file.empty()) + int(run);
    if (modes != 1) return false;
    if (args->json && !args->list_keys && !args->list_rules) return false;
    return !run || (!args->trace_dir.empty() && !args->hardware_file.empty() && !args->out_dir.empty());
}

void list_keys(bool json) {
    if (json) {
        std::cout << neurosim::hardware_keys_json();
        return;
    }
    for (const auto& k : neurosim::hardware_keys()) {
        std::cout << k.key << '\t' << k.type << '\t' << k.unit << '\t' << k.default_value << '\t' << k.range
                  << (k.power_of_two ? " power of two" : "") << '\t' << k.description << '\t' << k.read_by << '\t'
                  << k.group << '\n';
    }
}

void list_rules(bool json) {
    if (json) {
        std::cout << neurosim::hardware_rules_json();
        return;
    }
    for (const auto& r : neurosim::hardware_rules()) std::cout << r.key << '\t' << r.holds << '\t' << r.message << '\n';
}

void list_quirks() {
    for (const auto& q : neurosim::quirk_registry()) std::cout << q.name << '\t' << q.block << '\t' << q.meaning << '\n';
}

}  // namespace

int main(int argc, char** argv) {
    Arguments args;
    if (!parse_arguments(argc, argv, &args)) {
        std::cerr << kUsage;
        return 2;
    }
    try {
        // A failed run must not leave an earlier run's results looking like its own.
        if (args.list_quirks) {
            list_quirks();
            return 0;
        }
        if (args.list_keys) {
            list_keys(args.json);
            return 0;
        }
        if (args.list_rules) {
            list_rules(args.json);
            return 0;
        }
        if (!args.check_file.empty()) {
            neurosim::read_hardware_file(args.check_file);
            return 0;
        }
        for (const char* name : {"neurosim.csv", "layers.csv", "floorplan.json"}) {
            std::filesystem::remove(std::filesystem::path(args.out_dir) / name);
        }
        const neurosim::HardwareConfig hw = neurosim::read_hardware_file(args.hardware_file);
        const neurosim::Trace trace = neurosim::read_trace(args.trace_dir);
        // Not a NEUROSIM_RULE: the weights' bits come from the trace, not the hardware file.
        if (hw.effective_cell_bits() > trace.weight_bits) {
            throw std::runtime_error(
                "hardware key 'cell_bits': " + std::to_string(hw.cell_bits) +
                " bits per cell exceed the trace's weight_bits = " + std::to_string(trace.weight_bits));
        }
        const neurosim::Estimate run = neurosim::estimate_chip(hw, trace, args.data_dir);

        std::filesystem::create_directories(args.out_dir);
        neurosim::write_floorplan_json(run.plan, args.out_dir + "/floorplan.json");
        neurosim::write_layers_csv(run.plan, run.area, run.performance, args.out_dir + "/layers.csv");
        // neurosim.csv last: its presence marks a complete run.
        neurosim::write_chip_csv(run.area, run.performance, run.reference_quirks, args.out_dir + "/neurosim.csv");
    } catch (const std::exception& e) {
        std::cerr << "neurosim: error: " << e.what() << '\n';
        return 1;
    }
    return 0;
}
