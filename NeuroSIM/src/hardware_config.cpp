#include "neurosim/hardware_config.hpp"

#include "neurosim/hardware_key_specs.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cerrno>
#include <cmath>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "neurosim/io/npy.hpp"
#include "neurosim/quirks.hpp"
#include "neurosim/rule_expression.hpp"

namespace neurosim {
namespace {

using hardware_text::exact_number;
using hardware_text::json_string;
using hardware_text::split;
using hardware_text::trim;

// A declared rule with its condition and message parsed.
struct Rule {
    HardwareRuleInfo info;
    RuleExpression holds;
    RuleMessage message;
};

// The keys rules may name: every key but the names keys (lists, which no rule compares).
std::vector<RuleKey> rule_keys() {
    std::vector<RuleKey> keys;
    for (const auto& spec : key_specs()) {
        const HardwareKeyInfo& info = spec.info;
        if (info.type == "names") continue;
        RuleKey key;
        key.name = info.key;
        if (info.type == "int") key.type = RuleType::integer;
        if (info.type == "real") key.type = RuleType::real;
        if (info.type == "bool") key.type = RuleType::boolean;
        if (info.type == "choice") {
            key.type = RuleType::choice;
            key.choices = info.choices;
        }
        keys.push_back(key);
    }
    return keys;
}

Rule parse_rule(const HardwareRuleInfo& info, const std::vector<RuleKey>& keys) {
    const std::string where = "hardware rule for '" + info.key + "': ";
    const bool declared =
        std::any_of(keys.begin(), keys.end(), [&](const RuleKey& k) { return k.name == info.key; });
    if (!declared) throw std::invalid_argument(where + "not a hardware key");
    try {
        Rule rule{info, RuleExpression(info.holds, keys), RuleMessage(info.message, keys)};
        if (rule.holds.type() != RuleType::boolean) {
            throw std::invalid_argument("rule expression '" + info.holds + "' is not true/false");
        }
        return rule;
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(where + e.what());
    }
}

const std::vector<Rule>& rules() {
    static const std::vector<Rule> table = [] {
        static const HardwareRuleInfo declared[] = {
#define NEUROSIM_RULE(key, holds, message) {#key, holds, message},
#include "neurosim/hardware_keys.def"
        };
        const std::vector<RuleKey> keys = rule_keys();
        std::vector<Rule> out;
        for (const auto& info : declared) out.push_back(parse_rule(info, keys));
        return out;
    }();
    return table;
}

// The keys of one config as the rules read them; `explicit_keys` are the keys its file set.
RuleInputs rule_inputs(const HardwareConfig& c, const std::set<std::string>& explicit_keys) {
    RuleInputs inputs;
    inputs.value = [&c](const std::string& key) {
        for (const auto& spec : key_specs()) {
            if (spec.info.key == key) return spec.value(c);
        }
        throw std::logic_error("hardware rule reads an undeclared key '" + key + "'");  // parsing rules this out
    };
    inputs.given = [&explicit_keys](const std::string& key) { return explicit_keys.count(key) > 0; };
    return inputs;
}

std::string json_value(const HardwareKeyInfo& key, const std::string& text) {
    if (key.type == "choice" || key.type == "names") return json_string(text);
    if (key.type == "real") return exact_number(std::stod(text));
    return text;  // int, or bool (true / false)
}

std::string json_range(const HardwareKeyInfo& key) {
    if (!key.choices.empty()) {
        std::string out = "{\"choices\": [";
        for (std::size_t i = 0; i < key.choices.size(); ++i) {
            out += (i ? ", " : "") + json_value(key, key.choices[i]);
        }
        return out + "]}";
    }
    return "{\"min\": " + exact_number(key.min) + ", \"max\": " + exact_number(key.max) +
           ", \"min_exclusive\": " + (key.min_exclusive ? "true" : "false") + "}";
}

std::string json_object(const HardwareKeyInfo& key) {
    std::string read_by = "[";
    const auto blocks = split(key.read_by, ",");
    for (std::size_t i = 0; i < blocks.size(); ++i) read_by += (i ? ", " : "") + json_string(blocks[i]);
    read_by += "]";
    return "{\"name\": " + json_string(key.key) + ", \"type\": " + json_string(key.type) +
           ", \"unit\": " + json_string(key.unit) + ", \"default\": " + key.default_json + ", \"range\": " +
           json_range(key) + ", \"power_of_two\": " + (key.power_of_two ? "true" : "false") +
           ", \"meaning\": " + json_string(key.description) + ", \"read_by\": " + read_by +
           ", \"group\": " + json_string(key.group) + "}";
}

}  // namespace

const std::vector<HardwareKeyInfo>& hardware_keys() {
    static const std::vector<HardwareKeyInfo> keys = [] {
        std::vector<HardwareKeyInfo> out;
        for (const auto& spec : key_specs()) out.push_back(spec.info);
        return out;
    }();
    return keys;
}

std::string hardware_keys_json() {
    std::string out = "[\n";
    const auto& specs = key_specs();
    for (std::size_t i = 0; i < specs.size(); ++i) {
        out += "  " + json_object(specs[i].info) + (i + 1 < specs.size() ? ",\n" : "\n");
    }
    return out + "]\n";
}

const std::vector<HardwareRuleInfo>& hardware_rules() {
    static const std::vector<HardwareRuleInfo> infos = [] {
        std::vector<HardwareRuleInfo> out;
        for (const auto& rule : rules()) out.push_back(rule.info);
        return out;
    }();
    return infos;
}

std::string hardware_rules_json() {
    std::string out = "[\n";
    const auto& infos = hardware_rules();
    for (std::size_t i = 0; i < infos.size(); ++i) {
        out += "  {\"key\": " + json_string(infos[i].key) + ", \"holds\": " + json_string(infos[i].holds) +
               ", \"message\": " + json_string(infos[i].message) + (i + 1 < infos.size() ? "},\n" : "}\n");
    }
    return out + "]\n";
}

void validate_hardware(const HardwareConfig& c, const std::set<std::string>& explicit_keys) {
    for (const auto& spec : key_specs()) spec.check(c);
    const RuleInputs inputs = rule_inputs(c, explicit_keys);
    for (const auto& rule : rules()) {
        if (!rule.holds.evaluate(inputs).flag) {
            throw std::runtime_error("hardware key '" + rule.info.key + "': " + rule.message.format(inputs));
        }
    }
}

HardwareConfig parse_hardware_text(const std::string& text, const std::string& origin) {
    HardwareConfig config;
    std::set<std::string> seen;
    std::istringstream lines(text);
    std::string line;
    int line_number = 0;
    while (std::getline(lines, line)) {
        ++line_number;
        const auto hash = line.find('#');
        if (hash != std::string::npos) line.erase(hash);
        line = trim(line);
        if (line.empty()) continue;
        const auto eq = line.find('=');
        const std::string where = origin + ":" + std::to_string(line_number);
        if (eq == std::string::npos) throw std::runtime_error(where + ": expected 'key = value', got '" + line + "'");
        const std::string key = trim(line.substr(0, eq));
        const std::string value = trim(line.substr(eq + 1));
        const auto& specs = key_specs();
        const auto it = std::find_if(specs.begin(), specs.end(), [&](const KeySpec& s) { return s.info.key == key; });
        if (it == specs.end()) throw std::runtime_error(where + ": unknown hardware key '" + key + "'");
        if (!seen.insert(key).second) throw std::runtime_error(where + ": hardware key '" + key + "' given twice");
        try {
            it->set(config, value);
        } catch (const std::runtime_error& e) {
            throw std::runtime_error(where + ": " + e.what());
        }
    }
    try {
        validate_hardware(config, seen);
    } catch (const std::runtime_error& e) {
        throw std::runtime_error(origin + ": " + e.what());
    }
    return config;
}

HardwareConfig read_hardware_file(const std::string& path) {
    // A directory or device is not a hardware file (an empty read would mean all defaults).
    return parse_hardware_text(read_file_bytes(path), path);
}

}  // namespace neurosim
