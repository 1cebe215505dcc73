#include "neurosim/hardware_config.hpp"

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

// Parses one value of a key into the config; `check` re-checks a config's member against the
// declaration (for configs built in code rather than read from a file); `value` is the member as
// the rules over several keys read it.
struct KeySpec {
    HardwareKeyInfo info;
    std::function<void(HardwareConfig&, const std::string&)> set;
    std::function<void(const HardwareConfig&)> check;
    std::function<RuleValue(const HardwareConfig&)> value;
};

// A declared rule with its condition and message parsed.
struct Rule {
    HardwareRuleInfo info;
    RuleExpression holds;
    RuleMessage message;
};

RuleValue number_value(RuleType type, double number) {
    RuleValue v;
    v.type = type;
    v.number = number;
    return v;
}

std::string trim(const std::string& s) {
    const auto begin = s.find_first_not_of(" \t\r\n");
    if (begin == std::string::npos) return "";
    const auto end = s.find_last_not_of(" \t\r\n");
    return s.substr(begin, end - begin + 1);
}

std::vector<std::string> split(const std::string& text, const std::string& separator) {
    std::vector<std::string> parts;
    std::size_t begin = 0;
    while (true) {
        const auto end = text.find(separator, begin);
        parts.push_back(trim(text.substr(begin, end - begin)));
        if (end == std::string::npos) return parts;
        begin = end + separator.size();
    }
}

// Six significant digits, for messages and the text listing.
std::string format_number(double v) {
    std::ostringstream out;
    out << v;
    return out.str();
}

// The shortest text that reads back as the same double, for the JSON listing.
std::string exact_number(double v) {
    char text[32];
    const auto result = std::to_chars(text, text + sizeof text, v);
    return std::string(text, result.ptr);
}

std::string json_string(const std::string& s) {
    std::string out = "\"";
    for (const char ch : s) {
        if (ch == '"' || ch == '\\') out += '\\';
        if (static_cast<unsigned char>(ch) < 0x20) {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\u%04x", ch);
            out += escaped;
        } else {
            out += ch;
        }
    }
    return out + "\"";
}

[[noreturn]] void bad_value(const std::string& key, const std::string& value, const std::string& expected) {
    throw std::runtime_error("hardware key '" + key + "': value '" + value + "' is invalid; expected " + expected);
}

bool is_power_of_two(long v) {
    return v > 0 && (v & (v - 1)) == 0;
}

long parse_integer(const std::string& key, const std::string& value) {
    errno = 0;
    char* end = nullptr;
    const long v = std::strtol(value.c_str(), &end, 10);
    if (value.empty() || end != value.c_str() + value.size() || errno != 0) bad_value(key, value, "an integer");
    return v;
}

double parse_real(const std::string& key, const std::string& value) {
    // Decimal only: strtod would also take hexadecimal floats, "nan" and "inf".
    if (value.find_first_not_of("0123456789+-.eE") != std::string::npos) bad_value(key, value, "a finite number");
    errno = 0;
    char* end = nullptr;
    const double v = std::strtod(value.c_str(), &end);
    if (value.empty() || end != value.c_str() + value.size() || errno != 0 || !std::isfinite(v)) {
        bad_value(key, value, "a finite number");
    }
    return v;
}

KeySpec int_key(int HardwareConfig::* member, HardwareKeyInfo info) {
    info.type = "int";
    info.default_value = std::to_string(HardwareConfig{}.*member);
    info.default_json = info.default_value;
    const std::string expected =
        info.choices.empty() ? "an integer in " + info.range + (info.power_of_two ? " and a power of two" : "")
                             : "one of " + info.range;
    const auto check = [info, expected](long v) {
        const bool in_set = std::find(info.choices.begin(), info.choices.end(), std::to_string(v)) != info.choices.end();
        const bool allowed = info.choices.empty()
                                 ? v >= info.min && v <= info.max && (!info.power_of_two || is_power_of_two(v))
                                 : in_set;
        if (!allowed) bad_value(info.key, std::to_string(v), expected);
    };
    return {info,
            [=](HardwareConfig& c, const std::string& value) {
                const long v = parse_integer(info.key, value);
                check(v);
                c.*member = static_cast<int>(v);
            },
            [=](const HardwareConfig& c) { check(c.*member); },
            [=](const HardwareConfig& c) { return number_value(RuleType::integer, c.*member); }};
}

KeySpec bounded_int(int HardwareConfig::* member, HardwareKeyInfo info, long lo, long hi, bool power_of_two) {
    info.min = static_cast<double>(lo);
    info.max = static_cast<double>(hi);
    info.power_of_two = power_of_two;
    info.range = "[" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
    return int_key(member, info);
}

KeySpec int_in_set(int HardwareConfig::* member, HardwareKeyInfo info, const std::string& values) {
    info.choices = split(values, "|");
    info.range = values;
    return int_key(member, info);
}

KeySpec real_key(double HardwareConfig::* member, HardwareKeyInfo info, double lo, double hi, bool lo_exclusive) {
    info.type = "real";
    info.default_value = format_number(HardwareConfig{}.*member);
    info.default_json = exact_number(HardwareConfig{}.*member);
    info.min = lo;
    info.max = hi;
    info.min_exclusive = lo_exclusive;
    info.range = std::string(lo_exclusive ? "(" : "[") + format_number(lo) + ", " + format_number(hi) + "]";
    const auto check = [info](double v, const std::string& text) {
        if (v < info.min || v > info.max || (info.min_exclusive && v == info.min)) {
            bad_value(info.key, text, "a number in " + info.range);
        }
    };
    return {info,
            [=](HardwareConfig& c, const std::string& value) {
                const double v = parse_real(info.key, value);
                check(v, value);
                c.*member = v;
            },
            [=](const HardwareConfig& c) {
                if (!std::isfinite(c.*member)) bad_value(info.key, format_number(c.*member), "a finite number");
                check(c.*member, format_number(c.*member));
            },
            [=](const HardwareConfig& c) { return number_value(RuleType::real, c.*member); }};
}

KeySpec bool_key(bool HardwareConfig::* member, HardwareKeyInfo info) {
    info.type = "bool";
    info.default_value = HardwareConfig{}.*member ? "true" : "false";
    info.default_json = info.default_value;
    info.range = "true|false";
    info.choices = {"false", "true"};
    return {info,
            [=](HardwareConfig& c, const std::string& value) {
                if (value != "true" && value != "false") bad_value(info.key, value, "true or false");
                c.*member = value == "true";
            },
            [](const HardwareConfig&) {},
            [=](const HardwareConfig& c) {
                RuleValue v;
                v.type = RuleType::boolean;
                v.flag = c.*member;
                return v;
            }};
}

template <typename E>
KeySpec choice_key(E HardwareConfig::* member, HardwareKeyInfo info, const std::string& allowed) {
    const std::vector<std::string> enumerators = split(enum_names<E>(), ",");
    const auto value_of = [enumerators, key = info.key](const std::string& name) {
        const auto it = std::find(enumerators.begin(), enumerators.end(), name);
        if (it == enumerators.end()) throw std::logic_error("hardware key '" + key + "': no choice named " + name);
        return static_cast<E>(it - enumerators.begin());
    };
    info.type = "choice";
    info.default_value = enumerators.at(static_cast<std::size_t>(HardwareConfig{}.*member));
    info.default_json = json_string(info.default_value);
    info.range = allowed;
    info.choices = split(allowed, "|");
    for (const auto& name : info.choices) value_of(name);  // every allowed name is a choice of E
    return {info,
            [=](HardwareConfig& c, const std::string& value) {
                if (std::find(info.choices.begin(), info.choices.end(), value) == info.choices.end()) {
                    bad_value(info.key, value, "one of " + allowed);
                }
                c.*member = value_of(value);
            },
            [=](const HardwareConfig& c) {
                const std::string& name = enumerators.at(static_cast<std::size_t>(c.*member));
                if (std::find(info.choices.begin(), info.choices.end(), name) == info.choices.end()) {
                    bad_value(info.key, name, "one of " + allowed);
                }
            },
            [=](const HardwareConfig& c) {
                RuleValue v;
                v.type = RuleType::choice;
                v.name = enumerators.at(static_cast<std::size_t>(c.*member));
                return v;
            }};
}

// none, all, or a list of the registered names separated by commas and/or spaces.
KeySpec names_key(std::string HardwareConfig::* member, HardwareKeyInfo info,
                  const std::function<std::vector<std::string>()>& names) {
    info.type = "names";
    info.default_value = HardwareConfig{}.*member;
    info.default_json = json_string(info.default_value);
    info.choices = names();
    info.range = "none|all|list of ";
    for (std::size_t i = 0; i < info.choices.size(); ++i) info.range += (i ? "," : "") + info.choices[i];
    const auto check = [info](const std::string& value) {
        try {
            QuirkSet::parse(value);
        } catch (const std::invalid_argument& e) {
            bad_value(info.key, value, std::string("none, all or a list of names (") + e.what() + ")");
        }
    };
    return {info,
            [=](HardwareConfig& c, const std::string& value) {
                check(value);
                c.*member = value;
            },
            [=](const HardwareConfig& c) { check(c.*member); },
            [=](const HardwareConfig& c) {  // rules do not read names keys (see rule_keys)
                RuleValue v;
                v.type = RuleType::choice;
                v.name = c.*member;
                return v;
            }};
}

HardwareKeyInfo describe(const char* key, const char* unit, const char* read_by, const char* meaning) {
    HardwareKeyInfo info;
    info.key = key;
    info.unit = unit;
    info.read_by = read_by;
    info.description = meaning;
    return info;
}

const std::vector<KeySpec>& key_specs() {
    using C = HardwareConfig;
    static const std::vector<KeySpec> specs = {
#define NEUROSIM_CHOICE(key, Type, default_value, choices, read_by, meaning) \
    choice_key<Type>(&C::key, describe(#key, "", read_by, meaning), choices),
#define NEUROSIM_INT(key, default_value, min, max, power_of_two, unit, read_by, meaning) \
    bounded_int(&C::key, describe(#key, unit, read_by, meaning), min, max, power_of_two),
#define NEUROSIM_INT_SET(key, default_value, values, unit, read_by, meaning) \
    int_in_set(&C::key, describe(#key, unit, read_by, meaning), values),
#define NEUROSIM_REAL(key, default_value, min, max, min_exclusive, unit, read_by, meaning) \
    real_key(&C::key, describe(#key, unit, read_by, meaning), min, max, min_exclusive),
#define NEUROSIM_BOOL(key, default_value, read_by, meaning) bool_key(&C::key, describe(#key, "", read_by, meaning)),
#define NEUROSIM_NAMES(key, default_value, names, read_by, meaning) \
    names_key(&C::key, describe(#key, "", read_by, meaning), names),
#include "neurosim/hardware_keys.def"
    };
    return specs;
}

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
           ", \"meaning\": " + json_string(key.description) + ", \"read_by\": " + read_by + "}";
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
